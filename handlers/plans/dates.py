"""Every date of a plan, classified: a deadline (with the day, month, quarter or year it falls due, or none when it
hangs on an event: "sau khi Nghị định … ban hành"), an event, a citation of another document, a range ("từ năm 2013
đến năm 2020", "năm 2025 và các năm tiếp theo") or a rhythm ("hằng tháng", "6 tháng"). A missing year comes from
the sentence, or else from the document's own date."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from storage.text import fold


@dataclass
class Found:
    """A date in the text: what it is, when it falls due (None for a rhythm or an unresolved deadline), the period it
    names ("2025-12", "2025-Q4", "2025"; None for a day), and the sentence it comes from."""

    kind: str  # deadline | event | citation | range | rhythm
    text: str
    on: date | None
    sentence: str
    rhythm: str | None = None
    section: str = ""
    period: str | None = None


ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}

_DATE_WORDS = re.compile(r"ngày\s+(?:mồng\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s+năm\s+(\d{4}))?", re.IGNORECASE)
_DAY_MONTH_WORDS = re.compile(r"(?<![\d/])(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s+năm\s+(\d{4}))?", re.IGNORECASE)
_DATE_NUMERIC = re.compile(r"(?<![\d/.])(\d{1,2})\s*/\s*(\d{1,2})(?:\s*/\s*(\d{4}|\d{2}))?(?![\d/])")
_MONTHS = re.compile(  # "tháng 02/2022", "tháng 11, 12/2013", "tháng 5 năm 2026"
    r"tháng\s+((?:\d{1,2}\s*(?:,|và|-|–)\s*)*\d{1,2})\s*(?:/\s*|\s+năm\s+)(\d{4})", re.IGNORECASE
)
_QUARTER = re.compile(r"quý\s+(IV|I{1,3}|[1-4])\b(?:\s*(?:/\s*|năm\s+)(\d{4}))?", re.IGNORECASE)
_YEAR = re.compile(r"\bnăm\s+(\d{4})\b", re.IGNORECASE)

_DEADLINE_CUE = re.compile(
    r"(?:trước|chậm nhất(?: là| vào)?|hạn chót|hạn cuối|thời hạn|không quá|trong thời hạn|xong trước|xong trong|"
    r"hoàn thành(?: trong| vào| trước)?|kịp|hạn)[\s,(:]*(?:ngày|tháng|năm)?\s*$",
    re.IGNORECASE,
)
_TIME_LINE = re.compile(  # "Thời gian thực hiện: Tháng 12/2025", "c) Thời gian hoàn thành: Quý I/2026"
    r"^(?:[-–+•]\s*)?(?:[a-zđ]\)\s*|\d{1,2}\.\s*)?(?:Thời gian|Thời hạn|Tiến độ)\s*(?:thực hiện|hoàn thành|triển khai)?"
    r"\s*[:\-–]?\s*(.+)$",
    re.IGNORECASE,
)
_RANGE = re.compile(r"\b(?:và (?:các|những) năm tiếp theo|và tiếp theo|trở đi|giai đoạn|từ\s+(?:ngày|tháng|năm|quý)|"
                    r"^từ\b|đến năm|đến hết)", re.IGNORECASE)  # fmt: skip
_ONGOING = re.compile(r"\b(?:thường xuyên|h[aàằ]ng (?:năm|quý|tháng|tuần)|định kỳ|liên tục|mỗi (?:năm|quý|tháng))\b",
                      re.IGNORECASE)  # fmt: skip
_CITATION_CUE = re.compile(r"(số\s*[\w\-/.]+|[\w]+-[A-ZĐ]+/[\w\-]+|/[A-ZĐ]+[\w\-]*|ban hành|ký)\s*,?\s*(ngày)?\s*$")
_RELATIVE_DEADLINE = re.compile(  # a deadline counted from an event: kept with no date and its own words
    r"\b(?:trong (?:thời hạn|vòng)|chậm nhất(?: là| sau)?|không quá|sau)\s+\d{1,3}\s+ngày(?: làm việc)?"
    r"(?:\s+(?:kể từ|sau khi|trước)[^,;.()]{0,60})?|\btrước ngày [^\d,;.()]{3,40}?\s+\d{1,3}\s+ngày\b",
    re.IGNORECASE,
)
_MONTHLY_DAY = re.compile(r"(?:trước|chậm nhất|không quá)\s+(?:ngày\s+)?(?:mồng\s+)?\d{1,2}\s+h[aằ]ng tháng",
                          re.IGNORECASE)  # fmt: skip
RHYTHMS = (
    ("month", re.compile(r"\bh[aằ]ng tháng\b|\bmỗi tháng\b|\bđịnh kỳ tháng\b", re.IGNORECASE)),
    ("quarter", re.compile(r"\bh[aằ]ng quý\b|\bmỗi quý\b|\bquý\b(?=[^.;]*\bbáo cáo)|(?<=tháng, )quý\b", re.IGNORECASE)),
    ("half", re.compile(r"\b6 tháng\b|\bsáu tháng\b|\bsơ kết\b", re.IGNORECASE)),
    ("year", re.compile(r"\bh[aằ]ng năm\b|\bmỗi năm\b|\b6 tháng và năm\b|\bbáo cáo năm\b|\btổng kết năm\b|"
                        r"\bvà năm \d{4}\b", re.IGNORECASE)),
)  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-ZĐÀ-Ỹ\-–(])")


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def time_value(line: str) -> str | None:
    """What a task's time line says ("Thời gian thực hiện: Quý IV/2025" → "Quý IV/2025"), or None."""
    match = _TIME_LINE.match(line)
    if not match or not re.match(r"^(?:[-–+•]\s*)?(?:[a-zđ]\)\s*|\d{1,2}\.\s*)?(?:Thời|Tiến)", line, re.IGNORECASE):
        return None
    value = match.group(1).strip(" .;")
    return value or None


def in_time_line(value: str, sentence: str, reference: date | None, section: str) -> list[Found]:
    """A task's time ("Thời gian thực hiện: …"): closed periods are deadlines (their end is the due day), open ones a
    range, "thường xuyên"/"hằng năm" a rhythm, and words without a date ("sau khi …", "theo tiến độ …") a deadline
    not yet resolved."""
    found = [item for item in in_sentence(value, reference, section, timed=True) if item.kind != "citation"]
    for item in found:
        item.sentence = sentence
    if _RANGE.search(value):
        for item in found:
            if item.kind == "deadline":
                item.kind = "range"
    if found:
        return found
    if _RANGE.search(value):
        return [Found("range", value, None, sentence, None, section)]
    if _ONGOING.search(value):
        return [Found("rhythm", value, None, sentence, _rhythm_of(value), section)]
    return [Found("deadline", value, None, sentence, None, section)]


def in_sentence(sentence: str, reference: date | None, section: str, *, timed: bool = False) -> list[Found]:
    """The dates of one sentence. `timed` when the sentence is itself a time ("Tháng 12/2025"): no cue needed."""
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def free(span: tuple[int, int]) -> bool:
        return not any(start < span[1] and span[0] < end for start, end in taken)

    for pattern in (_DATE_WORDS, _MONTHS, _DATE_NUMERIC, _DAY_MONTH_WORDS, _QUARTER, _YEAR):
        for match in pattern.finditer(sentence):
            if not free(match.span()):
                continue
            resolved = _resolve(pattern, match, sentence, reference)
            if resolved is None:
                continue
            on, period = resolved
            taken.append(match.span())
            before = sentence[max(0, match.start() - 90) : match.start()]
            kind = _kind(before, timed or match.start() == 0, pattern)
            if kind is None:
                continue
            after = sentence[match.end() : match.end() + 12]
            if kind == "deadline" and _ONGOING.search(after) and re.search(r"h[aàằ]ng|định kỳ|mỗi", after):
                kind = "rhythm"  # "trước ngày 20/12 hằng năm": every year, not once
            rhythm = _rhythm_near(sentence[: match.start()][-60:]) if kind == "deadline" else None
            if kind == "rhythm":
                rhythm, on, period = _rhythm_of(sentence[match.start() : match.end() + 12]), None, None
            found.append(Found(kind, match.group(0), on, sentence, rhythm, section, period))
    for match in _MONTHLY_DAY.finditer(sentence):  # "trước ngày 15 hằng tháng": a deadline every month
        if free(match.span()):
            taken.append(match.span())
            found.append(Found("deadline", match.group(0), None, sentence, "month", section))
    for match in _RELATIVE_DEADLINE.finditer(sentence):
        if free(match.span()):
            found.append(Found("deadline", match.group(0), None, sentence, None, section))
    if not timed:
        for rhythm, pattern in RHYTHMS:
            if (hit := pattern.search(sentence)) and "báo cáo" in sentence.lower():
                found.append(Found("rhythm", hit.group(0), None, sentence, rhythm, section))
    return found


def _resolve(pattern: re.Pattern[str], match: re.Match[str], sentence: str,
             reference: date | None) -> tuple[date, str | None] | None:  # fmt: skip
    """(the day it falls due, the period named) or None when it is no date at all."""
    try:
        if pattern is _MONTHS:
            month, year = int(re.findall(r"\d{1,2}", match.group(1))[-1]), int(match.group(2))
            return date(year, month, calendar.monthrange(year, month)[1]), f"{year}-{month:02d}"
        if pattern is _QUARTER:
            quarter = ROMAN_QUARTERS[match.group(1).lower()]
            year = int(match.group(2)) if match.group(2) else _context_year(sentence) or (reference and reference.year)
            if year is None:
                return None
            return date(year, quarter * 3, calendar.monthrange(year, quarter * 3)[1]), f"{year}-Q{quarter}"
        if pattern is _YEAR:
            year = int(match.group(1))
            return (date(year, 12, 31), str(year)) if 1900 < year < 2200 else None
        day, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            return None
        if match.group(3) or (year := _context_year(sentence)):
            return date(_full_year(match.group(3)) if match.group(3) else year, month, day), None
        if reference is None:
            return None
        on = date(reference.year, month, day)  # no year in the sentence: the first such day from the document's date
        return (on if on >= reference else date(reference.year + 1, month, day)), None
    except (ValueError, IndexError):
        return None


def _full_year(given: str) -> int:
    year = int(given)
    return year + 2000 if year < 100 else year


def _context_year(sentence: str) -> int | None:
    context = re.findall(r"năm\s+(\d{4})|/(\d{4})\b", sentence)
    years = [int(a or b) for a, b in context]
    return years[-1] if years else None


def _kind(before: str, timed: bool, pattern: re.Pattern[str]) -> str | None:
    if _CITATION_CUE.search(before) or re.search(r"(số|Số)\s*\S+\s*$", before):
        return "citation"
    cued = _DEADLINE_CUE.search(before) and not re.search(r"\b(?:trong|vào)\s*(?:năm|tháng)?\s*$", before, re.I)
    finishing = re.search(r"(?:hoàn thành|xong|tổng kết|sơ kết|kết thúc)[^.]{0,60}(?:trong|vào)\s*(?:năm|tháng)?\s*$",
                          before, re.IGNORECASE)  # fmt: skip
    within_month = pattern is _MONTHS and re.search(r"\btrong\s*(?:tháng)?\s*$", before, re.IGNORECASE)
    deadline = cued or finishing or within_month
    if deadline:
        return "deadline"
    if pattern in (_YEAR, _QUARTER) and not timed:
        return None  # "năm 2025", "đến năm 2030" alone are context (a strategy's horizon), not a date of the plan
    if re.search(r"(?:^|\s)(?:từ|kể từ|đến|giai đoạn)\s*(?:ngày|tháng|năm|quý)?\s*$", before, re.IGNORECASE):
        return "range"
    return "deadline" if timed else "event"


def _rhythm_of(text: str) -> str | None:
    for rhythm, pattern in RHYTHMS:
        if pattern.search(text):
            return rhythm
    folded = fold(text)
    return "year" if "thuong xuyen" not in folded and "nam" in folded else None


def _rhythm_near(text: str) -> str | None:
    """The period a deadline closes, from the words just before it: "6 tháng (trước ngày 10/6)", "năm 2024 (…)"."""
    folded = fold(text)
    hits = [(folded.rfind(word), rhythm) for word, rhythm in
            (("6 thang", "half"), ("quy", "quarter"), ("nam", "year"), ("hang thang", "month"))]  # fmt: skip
    position, rhythm = max(hits)
    return rhythm if position >= 0 else None
