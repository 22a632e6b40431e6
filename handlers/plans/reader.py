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
import itertools
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from handlers.plans.assignments import (
    Excerpt,
    Line,
    levels_of,
    organising_items,
    split_requests,
    task_blocks,
    unnumbered,
)
from handlers.plans.dates import Found, in_sentence, in_time_line, sentences, time_value
from storage.text import fold

__all__ = ["Excerpt", "Found", "Plan", "Section", "Task", "levels_of", "read_plan"]

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

_LETTER_SECTION = re.compile(r"^([A-DĐ])\s*[.)]\s+(\S.*)$")  # "B. NỘI DUNG, NHIỆM VỤ" above the Roman sections
_MOTTO = ("cong hoa xa hoi", "doc lap - tu do", "doc lap – tu do", "dang cong san viet nam", "chu nghia viet nam")
_BARE_NUMBER = re.compile(r"^(?:[IVX]{1,4}|[A-DĐ]|\d{1,2}(?:\.\d{1,2})*)\s*[.)]$|^[a-zđ]\)$")
CELL = "|"  # a table cell's edge in the cleaned lines: never joined across


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
class Task:
    """Something to be done by a deadline: for whom, where in the plan, when (None: it hangs on an event)."""

    addressee: str
    levels: list[str]
    section: str
    due: date | None
    period: str | None
    wording: str
    excerpt: int  # which of the plan's excerpts it comes from


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
        data["levels"] = sorted({level for excerpt in self.excerpts for level in excerpt.levels})
        data["tasks"] = [asdict(task) for task in self.tasks()]
        _dates_to_iso(data)
        return data

    def tasks(self) -> list[Task]:
        """Each excerpt's deadlines as tasks to follow: once-only ones (a recurring report is a schedule instead)."""
        return [Task(excerpt.addressee, excerpt.levels, excerpt.section, found.on, found.period, found.text, index)
                for index, excerpt in enumerate(self.excerpts) for found in excerpt.deadlines
                if found.rhythm is None]  # fmt: skip

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
    line = re.sub(r"^\s*\*\s+(?=\S)", "- ", line)  # a Markdown bullet
    line = re.sub(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1", r"\2", line)
    line = line.replace("*", " ").replace("\t", " ")  # a mark left unpaired ("*Đơn vị chủ trì: *Sở Tư pháp")
    return re.sub(r"\s+", " ", line).strip()


def _capitals(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 3 and sum(ch.isupper() for ch in letters) / len(letters) > 0.8


def _is_heading(line: str) -> bool:
    return bool(_ROMAN_HEAD.match(line) and _ROMAN_HEAD.match(line).group(1)) or bool(  # type: ignore[union-attr]
        _ARABIC_HEAD.match(line) or _SUB_HEAD.match(line) or _PAREN_HEAD.match(line) or _BULLET.match(line)
        or _LETTER_HEAD.match(line) or (_LETTER_SECTION.match(line) and _capitals(line))
    )  # fmt: skip


def _wrapped(raw: list[str]) -> bool:
    """A text hard-wrapped at a fixed width with blank lines between paragraphs (a Markdown conversion): there, a
    line break inside a paragraph means nothing, even before a capital ("… đảng ủy trực thuộc⏎Trung ương …"). Told by
    its blank lines and by how often a line goes on in lower case (four in ten breaks or more; one paragraph per line
    gives almost none)."""
    pairs = [(a, b) for a, b in itertools.pairwise(raw) if a.strip() and b.strip()]
    blank = sum(not line.strip() for line in raw)
    if not pairs or blank < 0.1 * len(raw):
        return False
    return sum(b.strip().lstrip("*_")[:1].islower() for _, b in pairs) >= 0.4 * len(pairs)


def _cells(line: str) -> list[str]:
    """A Markdown table row ("| Số: 252/KH | Hà Nội, ngày … |") as its cells with a CELL mark between them."""
    if CELL not in line:
        return [line]
    out: list[str] = []
    for part in line.split(CELL):
        out += [CELL, part] if out or not part.strip() else [part]
    return [*out, CELL]


def clean_lines(text: str) -> list[str]:
    """Logical lines: marks stripped, noise dropped, and a line broken mid-sentence (even across blank lines or a page
    break) joined to its continuation, which starts in lower case. Table cells' edges stay as CELL lines."""
    source = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").split("\n")
    wrapped = _wrapped(source)
    lines: list[str] = []
    after_blank = True
    for piece in (cell for raw in source for cell in _cells(raw)):
        if piece == CELL:
            if lines and lines[-1] != CELL:
                lines.append(CELL)
            after_blank = True
            continue
        line = _strip_marks(piece)
        if not line or _NOISE.match(line) or set(line) <= set("-–—_=*. |"):
            after_blank = after_blank or not line
            continue
        previous = lines[-1] if lines and lines[-1] != CELL else None
        starts_lower = line[0].islower() or line[0] in ",;)" or line.startswith(("và ", "hoặc "))
        # a title under "KẾ HOẠCH" starts in lower case: it is not the heading's continuation
        continues = previous is not None and starts_lower and not _is_heading(line) and not _capitals(previous)
        if wrapped and previous is not None and not after_blank and not _is_heading(line):
            continues = not previous.endswith((".", ";", "!", "?")) or starts_lower
        if previous is not None and (_BARE_NUMBER.match(previous) or (
                previous.endswith((" năm", " tháng", " ngày")) and line[:1].isdigit())):  # fmt: skip
            continues = True  # "2." alone, its heading on the next line; a date broken after "năm" (a PDF's lines)
        if continues and previous is not None and (wrapped or not previous.endswith(":")):
            lines[-1] = f"{previous} {line}"
        else:
            lines.append(line)
        after_blank = False
    return lines


# ---- the reader --------------------------------------------------------------------------------------------------


def read_plan(text: str) -> Plan:
    """Never raises on any text: a document that is not a plan comes back with little found."""
    lines = clean_lines(text[:2_000_000])
    header_end, doc_type, type_index = _find_type(lines)
    head = lines[:header_end] if type_index is not None else lines[:3]
    issuer, number, place, issued_on, issued_month = _header(head)
    lines = [line for line in lines if line != CELL]
    type_index = None if type_index is None else type_index - head.count(CELL)
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
    first_section = next((i for i in range(body_start, len(lines)) if _top(lines[i])), len(lines))
    basis = [line for line in lines[body_start:first_section]]
    footer = next((i for i in range(first_section, len(lines)) if fold(lines[i]).startswith("noi nhan")), len(lines))
    sections, body = _sections(lines[first_section:footer])
    recipients, signer = _footer(lines[footer:])
    reference = issued_on or (date(int(issued_month[:4]), int(issued_month[5:7]), 1) if issued_month else None)
    dates = _dates(lines[body_start:first_section], body, reference)
    excerpts = _excerpts(sections, body, dates, reference)
    return Plan(issuer, number, place, issued_on, doc_type, title, basis, sections, excerpts, dates, recipients,
                signer, issued_month)  # fmt: skip


def _find_type(lines: list[str]) -> tuple[int, str | None, int | None]:
    for index, line in enumerate(lines[:80]):
        folded = fold(line).strip(" :.")
        if folded in DOC_TYPES:
            return index, line.strip(" :.").upper(), index
    return 0, None, None


def _header_cells(lines: list[str]) -> list[list[str]]:
    """The header's blocks: a table's cells when it was a table, else each line alone."""
    if CELL not in lines:
        return [[line] for line in lines]
    cells: list[list[str]] = [[]]
    for line in lines:
        if line == CELL:
            cells.append([])
        else:
            cells[-1].append(line)
    return [cell for cell in cells if cell]


def _header_split(cells: list[list[str]]) -> list[list[str]]:
    """Two columns read across into one line (a PDF): "Số: 12/KH-MTTQ Hòa Bình, ngày 05 …" is two cells."""
    out: list[list[str]] = []
    for cell in cells:
        text = " ".join(cell)
        number = _NUMBER_LINE.match(text)
        place = _PLACE_DATE.search(text[number.start(1) :]) if number else None
        if number and place is None and (found := re.search(r"\s([A-ZĐÀ-Ỹ][^\d,]{1,40},\s*ngày\b.*)$", text)):
            out += [[text[: found.start()]], [found.group(1)]]
        else:
            out.append(cell)
    return out


def _header(lines: list[str]) -> tuple[list[str], str | None, str | None, date | None, str | None]:
    issuer: list[str] = []
    number, place, issued_on, month = None, None, None, None
    previous = ""
    for cell in _header_split(_header_cells(lines)):
        text = " ".join(line.lstrip("/\\|-–•*_ ") for line in cell)  # a stray mark before the issuer's first line
        folded, previous = fold(text), fold(previous)
        if folded == "viet nam" and previous.endswith("chu nghia"):  # the motto wrapped onto a second line
            continue
        previous = text
        if match := _PLACE_DATE.search(text):
            place = match.group(1).strip()
            if match.group(2) is None:
                if 1 <= int(match.group(3)) <= 12:
                    month = f"{match.group(4)}-{int(match.group(3)):02d}"
            else:
                with contextlib.suppress(ValueError):
                    issued_on = date(int(match.group(4)), int(match.group(3)), int(match.group(2)))
            continue
        if match := _NUMBER_LINE.match(text):  # the number line, numbered or not, is never part of the issuer
            given = re.sub(r"\s*([-/])\s*", r"\1", match.group(1)).strip(" .,")  # "183 -KH/…" → "183-KH/…"
            if number is None and given[:1].isdigit():
                number = given.split()[0]
            continue
        if number is None and (match := _NUMBER.search(text)):
            number = match.group(1).strip(" .,")
            continue
        if any(motto in folded for motto in _MOTTO) or folded in DOC_TYPES or folded.startswith("ban dich nay"):
            continue
        if issued_on is None and (match := re.search(r"ngày\s*:\s*(\d{1,2})/(\d{1,2})/(\d{4})", text, re.I)):
            with contextlib.suppress(ValueError):
                issued_on = date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
            continue
        capitals = [line.lstrip("/\\|-–•*_ ").rstrip(" -–") for line in cell]
        issuer += [line for line in capitals if _capitals(line) and len(line) < 120]
    return issuer, number, place, issued_on, month


def _roman(line: str) -> re.Match[str] | None:
    match = _ROMAN_HEAD.match(line)
    if match and match.group(1) in ROMAN:
        return match
    return None


def _top(line: str) -> bool:
    """A line that opens the body's first section: "I. …", or "A. …" in capitals."""
    return bool(_roman(line)) or bool(_LETTER_SECTION.match(line) and _capitals(line))


def _sections(lines: list[str]) -> tuple[list[Section], list[Line]]:
    """The section tree, and the body's lines in order with where each sits (for the task blocks)."""
    roots: list[Section] = []
    stack: list[Section] = []
    body: list[Line] = []

    def place(section: Section) -> None:
        while stack and stack[-1].level >= section.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(section)
        stack.append(section)

    def path() -> str:
        return " ".join(section.number for section in stack)

    for line in lines:
        level: int | None = None
        if (match := _LETTER_SECTION.match(line)) and _capitals(line):
            place(Section(match.group(1) + ".", match.group(2), 0))
            level = 0
        elif match := _roman(line):
            place(Section(match.group(1) + ".", match.group(2), 1))
            level = 1
        elif match := _SUB_HEAD.match(line):
            place(Section(match.group(1), match.group(2), 3))
            level = 3
        elif match := _ARABIC_HEAD.match(line):
            place(Section(match.group(1) + ".", match.group(2), 2))
            level = 2
        elif match := _PAREN_HEAD.match(line) or _LETTER_HEAD.match(line):
            place(Section(f"({match.group(1)})", match.group(2), 4))
            level = 4
        elif match := _BULLET.match(line):
            if stack:
                stack[-1].bullets.append(match.group(1))
            else:
                roots.append(Section("", "", 1, bullets=[match.group(1)]))
            line = f"- {match.group(1)}"
        elif stack:
            stack[-1].text.append(line)
        else:
            roots.append(Section("", "", 1, text=[line]))
        body.append(Line(line, path(), level))
    return roots, body


def _footer(lines: list[str]) -> tuple[list[str], list[str]]:
    recipients, signer = [], []
    for line in lines[1:]:
        if match := _BULLET.match(line):
            recipients.append(match.group(1).rstrip(";,."))
        elif line.strip():
            signer.append(line)
    return recipients, signer


# ---- dates and assignments ---------------------------------------------------------------------------------------


def _dates(basis: list[str], body: list[Line], reference: date | None) -> list[Found]:
    found: list[Found] = []
    for text, where in [*((line, "") for line in basis), *((line.text, line.path) for line in body)]:
        if (value := time_value(text)) is not None:
            found.extend(in_time_line(value, unnumbered(text), reference, where))
            continue
        for sentence in sentences(text):
            found.extend(in_sentence(sentence, reference, where))
    return found


def _organising(sections: list[Section]) -> Section | None:
    for section in sections:
        title = fold(section.title)
        if "to chuc thuc hien" in title or "trach nhiem" in title or "phan cong" in title:
            return section
    return None


def _excerpts(sections: list[Section], body: list[Line], dates: list[Found], reference: date | None) -> list[Excerpt]:
    """Task blocks wherever they are, then the organising section's other items, each an excerpt for its addressee."""
    excerpts = task_blocks(body, reference)
    organising = _organising(sections)
    if organising is None:
        return excerpts
    tasked = {excerpt.section for excerpt in excerpts}
    items: list[tuple[str, str, str]] = []
    for child in organising.children:
        path = f"{organising.number} {child.number}"
        if any(section == path or section.startswith(path + " ") for section in tasked):
            continue
        own, requests = split_requests(child.text)
        parts = [f"{child.number} {child.title}".strip(), *own, *(f"- {b}" for b in child.bullets)]
        items.append((path, child.title, "\n".join(part for part in parts + [c.full_text() for c in child.children]
                                                   if part)))  # fmt: skip
        items += [(path, request, request) for request in requests]
    items += [(organising.number, bullet, f"- {bullet}") for bullet in organising.bullets]
    items += [(organising.number, request, request) for request in split_requests(organising.text)[1]]
    return excerpts + organising_items(items, dates)
