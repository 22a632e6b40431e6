"""A reader for the genre of Vietnamese administrative plans and directives (Kế hoạch, Chỉ thị, Hướng dẫn …).

It does not know any particular document: it knows how such documents are built — a header (issuing body, number,
place and date, type, title), legal basis ("Căn cứ …", "Thực hiện …"), sections numbered I., 1., 1.1, (i) and "-"
bullets, an organising section that assigns tasks per addressee ("Đối với …"), and a footer ("Nơi nhận", signature) —
and tolerates what conversion leaves behind: Markdown marks, page headers, page numbers, lines broken mid-sentence.
Every date is classified (deadline, event, citation of another document, reporting rhythm) with its sentence.
Pure text in, plain data out: the same reader serves chat, the command line and tests.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from storage.text import fold

DOC_TYPES = ("ke hoach", "chi thi", "huong dan", "thong bao", "cong van", "quyet dinh", "nghi quyet", "bao cao",
             "chuong trinh", "ket luan", "thong tri")  # fmt: skip
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
_ROMAN_HEAD = re.compile(r"^(X{0,1}(?:IX|IV|V?I{0,3}))\s*[.\-–:)]\s*(\S.*)$")
_ARABIC_HEAD = re.compile(r"^(\d{1,2})\s*[.)]\s+(\S.*)$")
_SUB_HEAD = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,2})\.?\s+(\S.*)$")
_PAREN_HEAD = re.compile(r"^\((i{1,3}|iv|v|vi{0,3}|ix|x|[a-zđ])\)\s*(\S.*)$")
_LETTER_HEAD = re.compile(r"^([a-zđ])\)\s+(\S.*)$")
_BULLET = re.compile(r"^[-–•+*]\s+(\S.*)$")
_PLACE_DATE = re.compile(  # the day may be left blank in a draft not yet signed: "ngày    tháng 11 năm 2025"
    r"^([A-ZĐÀ-Ỹ][^\d,]{1,40}),\s*ngày\s*(\d{1,2})?[\s.…_]*tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE
)
_NUMBER_LINE = re.compile(r"^\W*Số\s*:?\s*(.*)$", re.IGNORECASE)  # "Số: 16/KH-MTTQ-BTT"; "Số: /KH-…" not numbered yet
_NUMBER = re.compile(r"\bSố\s*:?\s*([0-9][\w\-/.ĐđÀ-ỹ]*)", re.IGNORECASE)
_NOISE = re.compile(r"^(?:trang\s*\d+(?:\s*/\s*\d+)?|-?\s*\d{1,3}\s*-?|page \d+)$", re.IGNORECASE)

# Dates: "ngày 10/6/2024", "10/6", "ngày 15 tháng 11 năm 2021", "tháng 02/2022".
_DATE_NUMERIC = re.compile(r"(?<![\d/])(\d{1,2})\s*/\s*(\d{1,2})(?:\s*/\s*(\d{4}|\d{2}))?(?![\d/])")
_DATE_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s+năm\s+(\d{4}))?", re.IGNORECASE)
_MONTH_YEAR = re.compile(r"tháng\s+(\d{1,2})\s*/\s*(\d{4})", re.IGNORECASE)
_DEADLINE_CUE = re.compile(r"(trước|chậm nhất|hạn chót|hạn cuối|hạn|không quá|trong thời hạn|xong trước|kịp)"
                           r"[\s,(]*(ngày)?\s*$", re.IGNORECASE)  # fmt: skip
_RELATIVE_DEADLINE = re.compile(  # a deadline counted from an event: kept with no date and its own words
    r"\b(?:trong (?:thời hạn|vòng)|chậm nhất(?: là| sau)?|không quá|sau)\s+\d{1,3}\s+ngày(?: làm việc)?"
    r"(?:\s+(?:kể từ|sau khi|trước)[^,;.()]{0,60})?|\btrước ngày [^\d,;.()]{3,40}?\s+\d{1,3}\s+ngày\b",
    re.IGNORECASE,
)
_CITATION_CUE = re.compile(r"(số\s*[\w\-/.]+|[\w]+-[A-ZĐ]+/[\w\-]+|/[A-ZĐ]+[\w\-]*|ban hành|ký)\s*,?\s*(ngày)?\s*$")
_RHYTHMS = (
    ("month", re.compile(r"\bh[aằ]ng tháng\b|\bmỗi tháng\b|\bđịnh kỳ tháng\b", re.IGNORECASE)),
    ("quarter", re.compile(r"\bh[aằ]ng quý\b|\bmỗi quý\b|\bquý\b(?=[^.;]*\bbáo cáo)|(?<=tháng, )quý\b", re.IGNORECASE)),
    ("half", re.compile(r"\b6 tháng\b|\bsáu tháng\b|\bsơ kết\b", re.IGNORECASE)),
    ("year", re.compile(r"\bh[aằ]ng năm\b|\bmỗi năm\b|\b6 tháng và năm\b|\bbáo cáo năm\b|\btổng kết năm\b|"
                        r"\bvà năm \d{4}\b", re.IGNORECASE)),
)  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-ZĐÀ-Ỹ\-–(])")

LEVEL_CUES = (  # (unit level, folded words that name addressees of that level)
    ("commune", ("cac xa", "xa, phuong", "xa phuong", "phuong, thi tran", "thi tran", "cap xa", "co so",
                 "cac phuong", "ban cong tac mat tran")),
    ("district", ("cac huyen", "huyen, thi xa", "cap huyen", "quan, huyen", "huyen, thanh", "thanh, thi")),
    ("member", ("to chuc thanh vien", "doan the", "chinh tri - xa hoi", "chinh tri xa hoi", "lien hiep cac to chuc",
                "hoi huu nghi")),
    ("standing", ("ban thuong truc", "thuong truc uy ban", "ban dan chu", "ban tuyen giao", "van phong")),
)  # fmt: skip


@dataclass
class Section:
    number: str
    title: str
    level: int
    text: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    def full_text(self) -> str:
        parts = [f"{self.number} {self.title}".strip(), *self.text, *(f"- {b}" for b in self.bullets)]
        parts += [child.full_text() for child in self.children]
        return "\n".join(part for part in parts if part)


@dataclass
class Found:
    """A date in the text: what it is, when it is (None for a rhythm), and the sentence it comes from."""

    kind: str  # deadline | event | citation | rhythm
    text: str
    on: date | None
    sentence: str
    rhythm: str | None = None
    section: str = ""


@dataclass
class Excerpt:
    addressee: str
    levels: list[str]
    section: str
    text: str
    deadlines: list[Found] = field(default_factory=list)


@dataclass
class Plan:
    issuer: list[str]
    number: str | None
    place: str | None
    issued_on: date | None
    doc_type: str | None
    title: str
    basis: list[str]
    sections: list[Section]
    excerpts: list[Excerpt]
    dates: list[Found]
    recipients: list[str]
    signer: list[str]
    issued_month: str | None = None  # "2025-11" when the day is left blank (a draft not yet signed)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        _dates_to_iso(data)
        return data

    def sections_flat(self) -> list[Section]:
        out: list[Section] = []

        def walk(items: list[Section]) -> None:
            for item in items:
                out.append(item)
                walk(item.children)

        walk(self.sections)
        return out


def _dates_to_iso(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, date):
                value[key] = item.isoformat()
            else:
                _dates_to_iso(item)
    elif isinstance(value, list):
        for item in value:
            _dates_to_iso(item)


# ---- cleaning ----------------------------------------------------------------------------------------------------


def _strip_marks(line: str) -> str:
    line = re.sub(r"\[([^\]]*)\]\((?:mailto:)?[^)]*\)", r"\1", line)  # [text](link)
    line = re.sub(r"^\s*#{1,6}\s*", "", line)
    line = re.sub(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1", r"\2", line)
    line = line.replace("**", "").replace("\t", " ")
    return re.sub(r"\s+", " ", line).strip()


def _capitals(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 3 and sum(ch.isupper() for ch in letters) / len(letters) > 0.8


def _is_heading(line: str) -> bool:
    return bool(_ROMAN_HEAD.match(line) and _ROMAN_HEAD.match(line).group(1)) or bool(  # type: ignore[union-attr]
        _ARABIC_HEAD.match(line) or _SUB_HEAD.match(line) or _PAREN_HEAD.match(line) or _BULLET.match(line)
        or _LETTER_HEAD.match(line)
    )  # fmt: skip


def clean_lines(text: str) -> list[str]:
    """Logical lines: marks stripped, noise dropped, and a line broken mid-sentence (even across blank lines or a page
    break) joined to its continuation, which starts in lower case."""
    raw = [_strip_marks(line) for line in text.replace("\r\n", "\n").replace("\u00a0", " ").split("\n")]
    lines: list[str] = []
    for line in raw:
        if not line or _NOISE.match(line) or set(line) <= set("-–—_=*. "):
            continue
        starts_lower = line[0].islower() or line[0] in ",;)" or line.startswith(("và ", "hoặc "))
        # a title under "KẾ HOẠCH" starts in lower case: it is not the heading's continuation
        continues = starts_lower and not _is_heading(line) and not _capitals(lines[-1]) if lines else False
        if continues and not lines[-1].endswith(":"):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return lines


# ---- the reader --------------------------------------------------------------------------------------------------


def read_plan(text: str) -> Plan:
    """Never raises on any text: a document that is not a plan comes back with little found."""
    lines = clean_lines(text[:2_000_000])
    header_end, doc_type, type_index = _find_type(lines)
    head = lines[:header_end] if type_index is not None else lines[:3]
    issuer, number, place, issued_on, issued_month = _header(head)
    title_lines: list[str] = []
    index = type_index + 1 if type_index is not None else 0
    while index < len(lines) and type_index is not None:
        line = lines[index]
        if _is_heading(line) or (title_lines and fold(line).startswith(("can cu", "thuc hien", "trien khai"))):
            break
        if _PLACE_DATE.match(line) or (_NUMBER.search(line) and len(line) < 40):
            index += 1
            continue
        title_lines.append(line)
        index += 1
        if len(" ".join(title_lines)) > 60 or line.endswith((".", ";")):
            break
    title = " ".join(title_lines).strip()
    body_start = index
    first_section = next((i for i in range(body_start, len(lines)) if _roman(lines[i])), len(lines))
    basis = [line for line in lines[body_start:first_section]]
    footer = next((i for i in range(first_section, len(lines)) if fold(lines[i]).startswith("noi nhan")), len(lines))
    sections = _sections(lines[first_section:footer])
    recipients, signer = _footer(lines[footer:])
    reference_year = issued_on.year if issued_on else None
    dates = _dates(lines[body_start:footer], sections, reference_year, issued_on)
    excerpts = _excerpts(sections, dates)
    return Plan(issuer, number, place, issued_on, doc_type, title, basis, sections, excerpts, dates, recipients,
                signer, issued_month)  # fmt: skip


def _find_type(lines: list[str]) -> tuple[int, str | None, int | None]:
    for index, line in enumerate(lines[:40]):
        folded = fold(line).strip(" :.")
        if folded in DOC_TYPES:
            return index, line.strip(" :.").upper(), index
    return 0, None, None


def _header(lines: list[str]) -> tuple[list[str], str | None, str | None, date | None, str | None]:
    issuer: list[str] = []
    number, place, issued_on, month = None, None, None, None
    for line in lines:
        line = line.lstrip("/\\|-–•*_ ")  # a stray mark before the issuer's first line
        folded = fold(line)
        if match := _PLACE_DATE.match(line):
            place = match.group(1).strip()
            if match.group(2) is None:
                if 1 <= int(match.group(3)) <= 12:
                    month = f"{match.group(4)}-{int(match.group(3)):02d}"
                continue
            try:
                issued_on = date(int(match.group(4)), int(match.group(3)), int(match.group(2)))
            except ValueError:
                issued_on = None
            continue
        if match := _NUMBER_LINE.match(line):  # the number line, numbered or not, is never part of the issuer
            given = re.sub(r"\s*([-/])\s*", r"\1", match.group(1)).strip(" .,")  # "183 -KH/…" → "183-KH/…"
            if number is None and given[:1].isdigit():
                number = given.split()[0]
            continue
        if number is None and (match := _NUMBER.search(line)):
            number = match.group(1).strip(" .,")
            continue
        if folded.startswith(("cong hoa", "doc lap", "dang cong san viet nam")) or folded in DOC_TYPES:
            continue
        if issued_on is None and (match := re.search(r"ngày\s*:\s*(\d{1,2})/(\d{1,2})/(\d{4})", line, re.I)):
            with contextlib.suppress(ValueError):
                issued_on = date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
            continue
        if _capitals(line) and len(line) < 80:
            issuer.append(line)
    return issuer, number, place, issued_on, month


def _roman(line: str) -> re.Match[str] | None:
    match = _ROMAN_HEAD.match(line)
    if match and match.group(1) in ROMAN:
        return match
    return None


def _sections(lines: list[str]) -> list[Section]:
    roots: list[Section] = []
    stack: list[Section] = []

    def place(section: Section) -> None:
        while stack and stack[-1].level >= section.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(section)
        stack.append(section)

    for line in lines:
        if match := _roman(line):
            place(Section(match.group(1) + ".", match.group(2), 1))
        elif match := _SUB_HEAD.match(line):
            place(Section(match.group(1), match.group(2), 3))
        elif match := _ARABIC_HEAD.match(line):
            place(Section(match.group(1) + ".", match.group(2), 2))
        elif match := _PAREN_HEAD.match(line) or _LETTER_HEAD.match(line):
            place(Section(f"({match.group(1)})", match.group(2), 4))
        elif match := _BULLET.match(line):
            if stack:
                stack[-1].bullets.append(match.group(1))
            else:
                roots.append(Section("", "", 1, bullets=[match.group(1)]))
        elif stack:
            stack[-1].text.append(line)
        else:
            roots.append(Section("", "", 1, text=[line]))
    return roots


def _footer(lines: list[str]) -> tuple[list[str], list[str]]:
    recipients, signer = [], []
    for line in lines[1:]:
        if match := _BULLET.match(line):
            recipients.append(match.group(1).rstrip(";,."))
        elif line.strip():
            signer.append(line)
    return recipients, signer


# ---- dates -------------------------------------------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def _section_of(sections: list[Section]) -> dict[str, str]:
    where: dict[str, str] = {}

    def walk(items: list[Section], path: str) -> None:
        for item in items:
            label = f"{path} {item.number}".strip()
            for piece in (item.title, *item.text, *item.bullets):
                where.setdefault(piece, label)
            walk(item.children, label)

    walk(sections, "")
    return where


def _year_for(day: int, month: int, given: str | None, sentence: str, reference: int | None) -> int | None:
    if given:
        year = int(given)
        return year + 2000 if year < 100 else year
    context = re.findall(r"năm\s+(\d{4})", sentence)
    if context:
        return int(context[-1])
    return reference


def _dates(lines: list[str], sections: list[Section], reference: int | None, issued: date | None) -> list[Found]:
    where = _section_of(sections)
    found: list[Found] = []
    for line in lines:
        for sentence in _sentences(line):
            found.extend(_in_sentence(sentence, reference, where.get(line, "")))
    return found


def _in_sentence(sentence: str, reference: int | None, section: str) -> list[Found]:
    found: list[Found] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_DATE_WORDS, _MONTH_YEAR, _DATE_NUMERIC):
        for match in pattern.finditer(sentence):
            if any(start <= match.start() < end for start, end in taken):
                continue
            taken.append(match.span())
            if pattern is _MONTH_YEAR:
                month, year = int(match.group(1)), int(match.group(2))
                day = 1
            else:
                day, month = int(match.group(1)), int(match.group(2))
                year = _year_for(day, month, match.group(3), sentence, reference)  # type: ignore[assignment]
            before = sentence[max(0, match.start() - 45) : match.start()]
            kind = _kind(before)
            try:
                on = date(year, month, day) if year else None
            except ValueError:
                continue
            if not 1 <= month <= 12:
                continue
            rhythm = _rhythm_near(sentence[: match.start()][-60:]) if kind == "deadline" else None
            found.append(Found(kind, match.group(0), on, sentence, rhythm, section))
    for match in _RELATIVE_DEADLINE.finditer(sentence):
        if not any(start <= match.start() < end for start, end in taken):
            found.append(Found("deadline", match.group(0), None, sentence, None, section))
    for rhythm, pattern in _RHYTHMS:
        if pattern.search(sentence) and "báo cáo" in sentence.lower():
            found.append(Found("rhythm", pattern.search(sentence).group(0), None, sentence, rhythm, section))  # type: ignore[union-attr]
    return found


def _kind(before: str) -> str:
    if _DEADLINE_CUE.search(before):
        return "deadline"
    if _CITATION_CUE.search(before) or re.search(r"(số|Số)\s*\S+\s*$", before):
        return "citation"
    return "event"


def _rhythm_near(text: str) -> str | None:
    """The period a deadline closes, from the words just before it: "6 tháng (trước ngày 10/6)", "năm 2024 (…)"."""
    folded = fold(text)
    hits = [(folded.rfind(word), rhythm) for word, rhythm in
            (("6 thang", "half"), ("quy", "quarter"), ("nam", "year"), ("hang thang", "month"))]  # fmt: skip
    position, rhythm = max(hits)
    return rhythm if position >= 0 else None


# ---- assignments -------------------------------------------------------------------------------------------------


def levels_of(addressee: str) -> list[str]:
    """The kinds of addressee named: commune, district, member (organisations), standing (committee, its boards)."""
    folded = fold(addressee)
    return [level for level, cues in LEVEL_CUES if any(cue in folded for cue in cues)]


_VERB = re.compile(r"\s(?:chủ trì|lãnh đạo|phát huy|xây dựng|báo cáo|chịu trách nhiệm|phối hợp|triển khai|hướng dẫn|"
                   r"thực hiện|tham mưu|kịp thời|căn cứ)\b")  # fmt: skip


def _unnumbered(sentence: str) -> str:
    """A sentence without the heading number it may start with ("2) …", "1.1 …", "(i) …")."""
    return re.sub(r"^(?:\(?[0-9ivxIVX]+[.)\-]|\d+(?:\.\d+)+\.?|[a-zđ]\))\s*", "", sentence)


_CLOSING = re.compile(r"^(?:Trên đây là|Trên đây|Nhận được (?:kế hoạch|văn bản|công văn) này)", re.IGNORECASE)
_REQUEST = re.compile(r"^(?:Đề nghị|Giao|Yêu cầu|Đối với)\s", re.IGNORECASE)
_NOT_ADDRESSEE = re.compile(r"^(?:Kinh phí|Chế độ (?:thông tin,? )?báo cáo|Thời gian|Tiến độ|Hồ sơ|Tài liệu|Lưu ý)\b",
                            re.IGNORECASE)  # fmt: skip


def _paragraphs(text: list[str]) -> tuple[list[str], list[str]]:
    """A section's own paragraphs, and those that ask someone else ("Đề nghị …", "Giao …"): each of these is an
    excerpt of its own. The closing formula ("Trên đây là kế hoạch …") and what follows it belong to nobody."""
    own: list[str] = []
    requests: list[str] = []
    for paragraph in text:
        if _CLOSING.match(paragraph):
            break
        (requests if _REQUEST.match(paragraph) else own).append(paragraph)
    return own, requests


def _excerpts(sections: list[Section], dates: list[Found]) -> list[Excerpt]:
    """The organising section's items, each an excerpt for its addressee ("Đối với …", or the item's subject)."""
    organising = next((s for s in sections if "to chuc thuc hien" in fold(s.title) or "trach nhiem" in fold(s.title)),
                      None)  # fmt: skip
    if organising is None:
        return []
    items: list[tuple[str, str]] = []
    for child in organising.children:
        path = f"{organising.number} {child.number}"
        own, requests = _paragraphs(child.text)
        parts = [f"{child.number} {child.title}".strip(), *own, *(f"- {b}" for b in child.bullets)]
        items.append((path, "\n".join(part for part in parts + [c.full_text() for c in child.children] if part)))
        items += [(path, request) for request in requests]
    items += [(organising.number, f"- {bullet}") for bullet in organising.bullets]
    items += [(organising.number, request) for request in _paragraphs(organising.text)[1]]
    excerpts = []
    for section, body in items:
        head = body.split("\n", 1)[0]
        head = re.sub(r"^[\dIVX().\-\s]+", "", head)
        if _NOT_ADDRESSEE.match(head):
            continue
        match = re.match(r"^(?:Đối với|Giao)\s+(.+?)(?::|$|;)", head, re.IGNORECASE) or re.search(
            r"\b(?:đề nghị|giao|yêu cầu)\s+(.+?)(?=\s(?:xây dựng|triển khai|chủ trì|tổ chức thực hiện|thực hiện|"
            r"chịu trách nhiệm|báo cáo|phối hợp)\b|[:;]|$)", head, re.IGNORECASE)  # fmt: skip
        addressee = match.group(1) if match else _VERB.split(head)[0]
        addressee = addressee.strip(" ,.:;")[:200]
        levels = levels_of(addressee) or levels_of(head)
        deadlines = [found for found in dates if found.kind == "deadline" and _unnumbered(found.sentence) in body]
        excerpts.append(Excerpt(addressee, levels, section, body, deadlines))
    return excerpts
