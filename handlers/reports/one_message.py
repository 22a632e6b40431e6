"""A whole activity report in one message, as an officer writes it to a colleague: "Hôm qua tổ chức giao lưu hữu
nghị với đoàn Lào tại nhà văn hóa xã, khoảng 50 người, vận động 5 triệu".

Each field is found by its cue in the sentence (a date word, a number before "người", an amount with its unit, a
place after "tại") and then read by the form's own parser, so a value here is one the form would have accepted
typed. What cannot be read is left for the form to ask; what is read is always shown on the review screen before
anything is saved, so a wrong guess costs one edit, never a wrong record.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.engine.countries import country_by_name, parse_country
from bot.engine.errors import InvalidInput
from bot.engine.parsers import count_note, parse_count, parse_date, parse_money
from storage.text import fold

# Words officers use for a kind that its catalogue name lacks (folded). Kinds added later are read by their names.
KIND_CUES: dict[str, tuple[str, ...]] = {
    "tuyen_truyen": ("tuyen truyen", "quan triet", "pho bien"),
    "thong_tin_doi_ngoai": ("thong tin doi ngoai",),
    "giao_luu_huu_nghi": ("giao luu", "huu nghi", "ket nghia"),
    "doan_quoc_te": ("tiep don", "don doan", "tiep doan", "don tiep", "lam viec voi doan", "tiep va lam viec"),
    "bien_gioi": ("bien gioi", "duong bien", "cot moc"),
    "nhan_dao_tu_thien": (
        "tu thien",
        "nhan dao",
        "ung ho",
        "trao qua",
        "tang qua",
        "hoc bong",
        "cuu tro",
        "nguoi ngheo",
        "ho ngheo",
    ),
    "tap_huan": ("tap huan", "boi duong"),
    "chu_quyen_du_luan": (
        "chu quyen",
        "bien dao",
        "bien dong",
        "thong tin sai lech",
        "tin gia",
        "phan bac",
        "du luan",
        "xuyen tac",
    ),
    "kieu_bao": ("kieu bao", "than nhan kieu bao"),
    "bieu_duong": ("bieu duong", "khen thuong", "ton vinh"),
}

_PEOPLE = ("nguoi", "ng", "dai bieu", "db", "can bo", "hoc sinh", "hs", "doan vien", "hoi vien", "thanh nien",
           "sinh vien", "em", "ba con", "luot nguoi", "luot", "khach", "tinh nguyen vien", "cau thu", "cu tri",
           "nguoi dan", "nguoi than", "kieu bao", "ban")  # fmt: skip
_FOREIGN_CUES = ("nuoc ngoai", "nuoc ban", "kieu bao", "quoc te")
_TOTAL_CUES = ("tong", "tong cong", "tham gia", "tham du", "du", "xem", "co")
_APPROX = ("khoang", "hon", "gan", "tren", "chung", "tam", "xap xi", "co", "tong", "tong cong", "tham gia")
_NOT_MONEY = ("kinh phi", "chi phi", "moi suat", "moi", "gia tri moi")
_MONEY_UNIT = r"(?:ty|ti|trieu|tr|nghin|ngan|k)"
_MONEY = re.compile(
    rf"\b(\d+(?:[.,]\d+)*\s*{_MONEY_UNIT}\b(?:\s*ruoi\b)?(?:\s*\d+(?:[.,]\d+)*\s*{_MONEY_UNIT}\b)*(?:\s*(?:dong|vnd|d)\b)?"
    rf"|\d{{1,3}}(?:[.,]\d{{3}})+\s*(?:dong|vnd|d)\b)"
)
_SPOKEN_MONEY = re.compile(r"\b((?:[a-z]+ ){1,6}(?:trieu|nghin|ngan|ty)(?: (?:ruoi|dong))?)\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2,4}))?\b")
_WORDED_DATE = re.compile(r"\bngay (\d{1,2}) thang (\d{1,2})(?: nam (\d{4}))?\b")
_RELATIVE = (
    ("hom kia", "hom kia"), ("hom qua", "hom qua"), ("chieu qua", "hom qua"), ("sang qua", "hom qua"),
    ("toi qua", "hom qua"), ("hqua", "hom qua"), ("hom nay", "hom nay"), ("sang nay", "hom nay"),
    ("chieu nay", "hom nay"), ("trua nay", "hom nay"), ("toi nay", "hom nay"),
)  # fmt: skip
_PLACE_START = ("tai", "o")
_PLACE_STOP = {"ngay", "hom", "sang", "chieu", "toi", "voi", "cho", "co", "khoang", "tong", "trong", "do", "va",
               "luc", "vao", "nhan"}  # fmt: skip
_NOT_PLACE_AFTER = {"tro", "nuoc"}  # "tài trợ" typed without diacritics; "ở nước ngoài" is abroad, not a place
# Short country words that are also ordinary words ("lao động", "tiếng Anh", "miền Trung", a person named Đức):
# read only when written as the country is (capitalised), and not in these company.
_COMMON_WORDS = {"lao": {"dong"}, "anh": {"em", "chi"}, "my": {"tho", "thuat", "pham"}, "trung": set(),
                 "duc": set(), "nga": set(), "hung": set(), "y": {"kien", "te"}, "ao": {"dai"}, "bi": set(),
                 "han": {"che"}, "nhat": set(), "thai": {"do"}, "uc": set(), "phap": {"luat", "ly"}, "sec": set(),
                 "tiep": {"don", "doan", "va", "tuc", "xuc"}, "sing": set()}  # fmt: skip
_NOT_COUNTRY_BEFORE = {"tieng", "mien", "anh", "chi", "ong", "ba", "co", "chu"}


@dataclass(frozen=True)
class _Token:
    text: str  # as written, punctuation removed at the edges
    folded: str
    start: int  # the character where it begins in the message
    end: int
    capital: bool
    closes: bool  # followed by , . ; : ) — the end of a clause


def _tokens(message: str) -> list[_Token]:
    tokens = []
    for match in re.finditer(r"\S+", message):
        raw = match.group()
        stripped = raw.strip(",.;:!?()\"'“”[]")
        if not stripped:
            continue
        offset = match.start() + raw.index(stripped)
        tokens.append(_Token(stripped, fold(stripped), offset, offset + len(stripped), stripped[:1].isupper(),
                             raw[len(raw.rstrip(",.;:!?)\"”")):] != "" or raw.endswith(")")))  # fmt: skip
    return tokens


def _phrase_at(tokens: Sequence[_Token], index: int, phrase: str) -> bool:
    words = phrase.split()
    return index + len(words) <= len(tokens) and all(tokens[index + k].folded == w for k, w in enumerate(words))


def read_report(message: str, today: date, kinds: Sequence[tuple[str, str, str]]) -> dict[str, Any]:
    """The activity form's answers that ``message`` gives, as the form stores them (dates ISO, money in đồng).
    ``kinds`` are the catalogue's (code, short name, full name)."""
    text = unicodedata.normalize("NFC", message)[:2000]
    tokens = _tokens(text)
    answers: dict[str, Any] = {}
    if kind := _kind(tokens, kinds):
        answers["kind"] = kind
    if when := _date(tokens, today):
        answers["activity_date"] = when
    money, money_spans = _money(tokens)
    if money is not None:
        answers["money_vnd"] = money
    participants, foreign, note = _counts(tokens, money_spans)
    if participants is not None:
        answers["participants"] = participants
    if note is not None:
        answers["participants_note"] = note
    if foreign is not None:
        answers["foreign_participants"] = foreign
    if place := _place(tokens, text):
        answers["place"] = place
    if country := _country(tokens):
        answers["partner_country"] = country
    if title := _title(tokens, text):
        answers["title"] = title
    answers["description"] = text.strip()
    return answers


def _kind(tokens: Sequence[_Token], kinds: Sequence[tuple[str, str, str]]) -> str | None:
    """The kind with the longest cue in the message; between equals, the one named first (the activity's verb
    comes before what it was about: "khen thưởng … vận động kiều bào")."""
    best: tuple[int, int, str] | None = None
    for code, short, full in kinds:
        cues = set(KIND_CUES.get(code, ()))
        for name in (short, full):
            for segment in re.split(r"[,;]", fold(name)):
                if len(segment.split()) >= 2:
                    cues.add(segment.strip())
        for cue in cues:
            for index in range(len(tokens)):
                if _phrase_at(tokens, index, cue):
                    score = (len(cue.split()), -index, code)
                    if best is None or score[:2] > best[:2]:
                        best = score
                    break
    return best[2] if best else None


def _date(tokens: Sequence[_Token], today: date) -> str | None:
    folded = " ".join(token.folded for token in tokens)
    for phrase, meaning in _RELATIVE:
        if re.search(rf"\b{phrase}\b", folded):
            return parse_date(meaning, today).isoformat()
    for pattern in (_WORDED_DATE, _NUMERIC_DATE):
        for match in pattern.finditer(folded):
            day, month, year = match.groups()
            if not 1 <= int(month) <= 12:
                continue
            try:
                return parse_date(f"{day}/{month}" + (f"/{year}" if year else ""), today).isoformat()
            except InvalidInput:
                return None  # "which year?": the form asks
    return None


def _money(tokens: Sequence[_Token]) -> tuple[int | None, list[tuple[int, int]]]:
    """The amount mobilised, and where every amount was (so its digits are not read as people). A cost ("kinh phí")
    or a unit price ("mỗi suất") is not what was mobilised."""
    folded = " ".join(token.folded for token in tokens)
    found: list[tuple[int, int, int]] = []
    for pattern in (_MONEY, _SPOKEN_MONEY):
        for match in pattern.finditer(folded):
            phrase = match.group(1)
            if pattern is _SPOKEN_MONEY:
                value = _spoken_money(phrase)
            else:
                try:
                    value = parse_money(phrase)
                except InvalidInput:
                    value = None
            if value:
                found.append((match.start(1), match.end(1), value))
    spans = [(start, end) for start, end, _ in found]
    for start, _end, value in sorted(found):
        before = " " + " ".join(folded[:start].split()[-4:]) + " "
        if not any(f" {cue} " in before for cue in _NOT_MONEY):
            return value, spans
    return None, spans


def _spoken_money(phrase: str) -> int | None:
    """The longest tail of the words before "triệu"/"nghìn" that reads as an amount ("vận động được hai mươi triệu")."""
    words = phrase.split()
    for begin in range(len(words)):
        try:
            return parse_money(" ".join(words[begin:])) or None
        except InvalidInput:
            continue
    return None


def _counts(
    tokens: Sequence[_Token], money_spans: Sequence[tuple[int, int]]
) -> tuple[int | None, int | None, str | None]:
    """Participants, foreigners, and how exact the participants are: a number before a word for people; foreigners
    when a country, "nước bạn" or "kiều bào" follows, or after "trong đó"; "khoảng"/"hơn" before it is the note."""
    folded_positions, position = [], 0
    for word in (token.folded for token in tokens):  # where each word begins in the folded text the money was found in
        folded_positions.append(position)
        position += len(word) + 1
    totals: list[tuple[int, int, str | None]] = []  # (preference, value, note)
    foreign: int | None = None
    for index in range(len(tokens)):
        value = _number_at(tokens, index)
        if value is None:
            continue
        token_text = tokens[index].folded
        at = folded_positions[index]
        if any(start <= at < end for start, end in money_spans):
            continue
        noun = next((p for p in sorted(_PEOPLE, key=len, reverse=True) if _phrase_at(tokens, index + 1, p)), None)
        if noun is None:
            continue
        after = index + 1 + len(noun.split())
        following = [t.folded for t in tokens[after : after + 3]]
        behind = " ".join(t.folded for t in tokens[max(0, index - 3) : index])
        is_foreign = noun == "kieu bao" or any(_phrase_at(tokens, after + k, cue) for k in range(2)
                                               for cue in _FOREIGN_CUES) or _country_near(tokens, after)  # fmt: skip
        if is_foreign or behind.endswith("trong do"):
            if foreign is None:
                foreign = value
            continue
        if noun == "ban":
            continue  # "5 bạn" alone is too loose a word for people
        preferred = any(behind.endswith(cue) for cue in ("tong", "tong cong", "tham gia")) or any(
            " ".join(following[: len(cue.split())]) == cue for cue in ("tham gia", "tham du", "du", "xem")
        )
        lead = " ".join(t.folded for t in tokens[max(0, index - 2) : index])
        note = count_note(f"{lead.split()[-1]} {token_text}") if lead else None
        if note is None and len(lead.split()) == 2:
            note = count_note(f"{lead} {token_text}")
        totals.append((1 if preferred else 0, value, note))
    best = max(totals, key=lambda item: item[0]) if totals else None
    participants, note = (best[1], best[2]) if best else (None, None)
    if participants is not None and foreign is not None and foreign > participants:
        foreign = None
    return participants, foreign, note


def _number_at(tokens: Sequence[_Token], index: int) -> int | None:
    word = tokens[index].folded
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+|\d+", word):
        try:
            return parse_count(word)
        except InvalidInput:
            return None
    return None


def _country_near(tokens: Sequence[_Token], index: int) -> bool:
    for size in (3, 2, 1):
        for start in range(index, min(index + 3, len(tokens))):
            if start + size <= len(tokens) and _exact_country(tokens, start, size) is not None:
                return True
    return False


def _country_of(tokens: Sequence[_Token], start: int, size: int) -> str | None:
    words = tokens[start : start + size]
    folded = " ".join(t.folded for t in words)
    if folded in {"viet nam", "vn", "viet"} or not words[0].text[:1].isalpha():
        return None
    if size == 1 and folded in _COMMON_WORDS:
        token = words[0]
        nxt = tokens[start + 1].folded if start + 1 < len(tokens) else ""
        before = tokens[start - 1].folded if start else ""
        if not token.capital or nxt in _COMMON_WORDS[folded] or before in _NOT_COUNTRY_BEFORE:
            return None
        if start == 0 or (start > 0 and tokens[start - 1].closes and not token.text.isupper()):
            return None  # a capital at the start of a sentence says nothing
    try:
        code = parse_country(folded)
    except InvalidInput:
        return None
    if size == 1 and len(folded) < 4 and folded not in _COMMON_WORDS and not words[0].text.isupper():
        return None  # "us", "tq" and other two- or three-letter codes only in capitals
    return code


def _country(tokens: Sequence[_Token]) -> str | None:
    """The partner country when the message names exactly one (besides Việt Nam)."""
    found: set[str] = set()
    index = 0
    while index < len(tokens):
        for size in (3, 2, 1):
            if index + size <= len(tokens) and (code := _exact_country(tokens, index, size)):
                found.add(code)
                index += size
                break
        else:
            index += 1
    return found.pop() if len(found) == 1 else None


def _exact_country(tokens: Sequence[_Token], start: int, size: int) -> str | None:
    """A country named by these words exactly (no guessing from a prefix, which reads "lao động" as Laos)."""
    if size < 1 or country_by_name(" ".join(t.folded for t in tokens[start : start + size])) is None:
        return None
    return _country_of(tokens, start, size)


def _place(tokens: Sequence[_Token], text: str) -> str | None:
    """The longest "tại …"/"ở …" phrase, up to the end of its clause or the next field's cue."""
    best = ""
    for index, token in enumerate(tokens):
        if token.folded not in _PLACE_START or token.closes or index + 1 >= len(tokens):
            continue
        if tokens[index + 1].folded in _NOT_PLACE_AFTER:
            continue
        end = index + 1
        while end < len(tokens):
            word = tokens[end]
            if end > index + 1 and _ends_place(tokens, end):
                break
            end += 1
            if word.closes:
                break
        size = end - index - 1
        if _exact_country(tokens, index + 1, size) or (size <= 2 and _country_near(tokens, index + 1)):
            continue  # "Hội người Việt tại Séc": where the partner lives, not where it happened
        phrase = text[tokens[index + 1].start : tokens[end - 1].end]
        if len(phrase) > len(best):
            best = phrase
    return (best[:1].upper() + best[1:200]) if best else None


def _ends_place(tokens: Sequence[_Token], index: int) -> bool:
    """A word that begins the next field: a date or count cue, another "tại", a number (but "thôn 3" is a name)."""
    word = tokens[index].folded
    if word in _PLACE_STOP or word in _PLACE_START:
        return True
    numbered = tokens[index - 1].folded in {"thon", "to", "tdp", "khu", "ban", "so", "doi", "xom", "ap"}
    return word.isdecimal() and index + 1 < len(tokens) and not numbered


_LEADING = ("hom nay", "hom qua", "hom kia", "sang nay", "chieu nay", "chieu qua", "sang qua", "toi qua", "toi nay",
            "ngay", "sang", "chieu", "da", "ub mttq xa", "ub mttq phuong", "ubmttq xa", "mttq xa", "xa", "phuong",
            "to chuc", "phoi hop to chuc", "phoi hop")  # fmt: skip


def _title(tokens: Sequence[_Token], text: str) -> str | None:
    """The first clause, without its date, place and counts: "Giao lưu hữu nghị với đoàn Lào"."""
    index = 0
    changed = True
    while changed and index < len(tokens):
        changed = False
        for lead in sorted(_LEADING, key=len, reverse=True):
            if _phrase_at(tokens, index, lead):
                index += len(lead.split())
                changed = True
                break
        if index < len(tokens) and _NUMERIC_DATE.fullmatch(tokens[index].folded):
            index += 1
            changed = True
    end = index
    while end < len(tokens):
        word = tokens[end]
        if word.folded in _PLACE_START or _number_at(tokens, end) is not None or word.folded in {"ngay", "hom"}:
            break
        end += 1
        if word.closes:
            break
    if end - index < 2:
        return None
    title = text[tokens[index].start : tokens[end - 1].end].strip(" ,.;:")
    return (title[:1].upper() + title[1:])[:200] if title else None
