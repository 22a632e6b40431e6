"""The text of a plan as it arrives: plain text or Markdown, a Word document (.docx, with its automatic numbering
rebuilt and its assignment tables turned into the genre's own lines), .doc/.odt/.rtf (through LibreOffice, when it
is installed), a PDF with a text layer, or a web page. Each is bounded before it is opened (a 100 KB .docx can unpack
to gigabytes, or hold a million paragraphs) and refused if a part declares entities. Synchronous: callers run it in
a worker thread."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from docx import Document as WordDocument
from docx.oxml.ns import qn
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from handlers.plans.html_text import html_text

PLAN_FILES = (".txt", ".md", ".docx", ".doc", ".odt", ".rtf", ".pdf", ".htm", ".html")
MAX_UNPACKED = 40_000_000  # bytes a Word file may unpack to: a plan with photos is a few MB
MAX_PARAGRAPHS = 20_000  # a long plan has a thousand
MAX_PAGES = 300
MAX_CHARACTERS = 2_000_000
CONVERT_SECONDS = 60


class UnreadableDocument(ValueError):
    """Why a file gave no text: "format", "damaged", "too large", "no text layer" or "no converter"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def document_text(filename: str, data: bytes) -> str:
    """The text of a plan file, one paragraph a line, in reading order; raises UnreadableDocument."""
    suffix = Path(filename.lower()).suffix
    if suffix in (".htm", ".html"):
        return html_text(data)
    if suffix == ".docx":
        return docx_text(data)
    if suffix in (".doc", ".odt", ".rtf"):
        return docx_text(converted_to_docx(data, suffix))
    if suffix == ".pdf":
        return pdf_text(data)
    if suffix in (".txt", ".md", ""):
        return plain_text(data)
    raise UnreadableDocument("format")


def plain_text(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else the Windows Vietnamese code page."""
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            return data.decode(encoding)[:MAX_CHARACTERS]
        except UnicodeDecodeError:
            continue
    raise UnreadableDocument("format")


# ---- Word --------------------------------------------------------------------------------------------------------


_PARAGRAPH = re.compile(rb"<w:p[\s/>]")


def _checked_zip(data: bytes) -> None:
    """Bounds a Word file before python-docx parses it: unpacked size, paragraphs (counted in the bytes, as parsing
    a million of them is what must not happen), and no DTD in any part (entity expansion), cheaply."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > 2000 or sum(member.file_size for member in members) > MAX_UNPACKED:
                raise UnreadableDocument("too large")
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    part = archive.read(member)
                    if b"<!DOCTYPE" in part or b"<!ENTITY" in part:
                        raise UnreadableDocument("damaged")  # no Office part has a DTD: entity expansion
                    if member.filename == "word/document.xml" and len(_PARAGRAPH.findall(part)) > MAX_PARAGRAPHS:
                        raise UnreadableDocument("too large")
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        if isinstance(error, UnreadableDocument):
            raise
        raise UnreadableDocument("damaged") from error


def docx_text(data: bytes) -> str:
    """Paragraphs with their list numbers (python-docx's ``paragraph.text`` drops them), table rows: an assignment
    table ("Nội dung | Cơ quan chủ trì | Thời gian") row by row as a task with its lead and its time, any other
    table's cells one a line (the header of an administrative document is a two-column table)."""
    _checked_zip(data)
    try:
        document = WordDocument(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise UnreadableDocument("damaged") from error
    numbers = ListNumbers(document)
    lines: list[str] = []
    for count, block in enumerate(document.iter_inner_content()):
        if count > MAX_PARAGRAPHS:
            raise UnreadableDocument("too large")
        if isinstance(block, DocxTable):
            lines.extend(table_lines([[cell.text.strip() for cell in row.cells] for row in block.rows]))
        else:
            lines.append(numbers.label(block) + block.text)
    return "\n".join(lines)[:MAX_CHARACTERS]


def _roman(number: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        while number >= value:
            out, number = out + letters, number - value
    return out


def _letter(number: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[(number - 1) % 26] * ((number - 1) // 26 + 1)


_FORMATS = {"decimal": str, "decimalZero": lambda n: f"{n:02d}", "upperRoman": lambda n: _roman(n),
            "lowerRoman": lambda n: _roman(n).lower(), "upperLetter": lambda n: _letter(n).upper(),
            "lowerLetter": _letter}  # fmt: skip


class ListNumbers:
    """Word's automatic numbering, counted as Word counts it: per list (numId), a level's counter restarting when a
    level above it moves on; the label drawn from the level's text ("%1.", "%1.%2.", "%2)") and number format."""

    def __init__(self, document: object) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # numId → ilvl → (format, text, start)
        self.counters: dict[str, list[int]] = {}
        self.styles: dict[str, tuple[str, int]] = {}  # a paragraph style's own numbering
        try:
            numbering = document.part.numbering_part.element  # type: ignore[attr-defined]
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for node in numbering.findall(qn("w:abstractNum")):
            levels = {}
            for level in node.findall(qn("w:lvl")):
                fmt, text, start = level.find(qn("w:numFmt")), level.find(qn("w:lvlText")), level.find(qn("w:start"))
                levels[int(level.get(qn("w:ilvl"), "0"))] = (
                    fmt.get(qn("w:val"), "decimal") if fmt is not None else "decimal",
                    text.get(qn("w:val"), "") if text is not None else "",
                    int(start.get(qn("w:val"), "1")) if start is not None else 1,
                )
            abstract[node.get(qn("w:abstractNumId"), "")] = levels
        for node in numbering.findall(qn("w:num")):
            ref = node.find(qn("w:abstractNumId"))
            if ref is not None:
                self.levels[node.get(qn("w:numId"), "")] = abstract.get(ref.get(qn("w:val"), ""), {})
        for style in document.styles:  # type: ignore[attr-defined]
            found = self._num_pr(getattr(style, "element", None))
            if found:
                self.styles[style.style_id] = found

    @staticmethod
    def _num_pr(element: object) -> tuple[str, int] | None:
        ppr = element.find(qn("w:pPr")) if element is not None else None  # type: ignore[attr-defined]
        num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
        if num_pr is None:
            return None
        num_id, ilvl = num_pr.find(qn("w:numId")), num_pr.find(qn("w:ilvl"))
        if num_id is None:
            return None
        return num_id.get(qn("w:val"), ""), int(ilvl.get(qn("w:val"), "0")) if ilvl is not None else 0

    def label(self, paragraph: Paragraph) -> str:
        found = self._num_pr(paragraph._p)
        if found is None and paragraph.style is not None:
            found = self.styles.get(paragraph.style.style_id)
        if found is None or found[0] == "0" or found[0] not in self.levels:
            return ""
        num_id, ilvl = found
        levels = self.levels[num_id]
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id, [levels.get(i, ("", "", 1))[2] - 1 for i in range(9)])
        counters[ilvl] += 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = levels.get(deeper, ("", "", 1))[2] - 1
        fmt, text, _ = levels[ilvl]
        if fmt == "bullet":
            return "- "
        if fmt == "none":
            return ""

        def number(match: re.Match[str]) -> str:
            level = int(match.group(1)) - 1
            level_fmt = levels.get(level, ("decimal", "", 1))[0]
            return _FORMATS.get(level_fmt, str)(max(counters[level], 1))

        label = re.sub(r"%([1-9])", number, text).strip()
        return f"{label} " if label else ""


# ---- tables ------------------------------------------------------------------------------------------------------

_LEAD = re.compile(r"chủ trì|thực hiện|đơn vị|cơ quan|trách nhiệm", re.IGNORECASE)
_HELPERS = re.compile(r"phối hợp", re.IGNORECASE)
_TIME = re.compile(r"thời gian|thời hạn|tiến độ|hoàn thành", re.IGNORECASE)
_TASK = re.compile(r"nội dung|nhiệm vụ|công việc|hoạt động", re.IGNORECASE)


def table_lines(rows: list[list[str]]) -> list[str]:
    """A table as lines. An assignment table — a header row naming the task, its lead and its time — becomes, row by
    row, "Nhiệm vụ: task", "Cơ quan chủ trì: …", "Cơ quan phối hợp: …", "Thời gian thực hiện: …": what the reader
    reads in the text of plans that write their assignments out."""
    if rows:
        header = rows[0]
        task = next((i for i, cell in enumerate(header) if _TASK.search(cell)), None)
        lead = next((i for i, cell in enumerate(header) if _LEAD.search(cell) and not _HELPERS.search(cell)), None)
        helpers = next((i for i, cell in enumerate(header) if _HELPERS.search(cell) and i != lead), None)
        time = next((i for i, cell in enumerate(header) if _TIME.search(cell) and i not in (task, lead)), None)
        if task is not None and lead is not None and time is not None:
            return _assignment_rows(rows[1:], task, lead, helpers, time)
    lines: list[str] = []
    for row in rows:
        lines.extend(dict.fromkeys(cell for cell in row if cell))  # merged cells repeat their text
    return lines


def _assignment_rows(rows: list[list[str]], task: int, lead: int, helpers: int | None, time: int) -> list[str]:
    lines: list[str] = []
    for row in rows:
        cells = [*row, *[""] * (max(task, lead, time, helpers or 0) + 1 - len(row))]
        if not cells[task] or len(set(cell for cell in row if cell)) == 1:  # a group's heading row spans the table
            lines.extend(dict.fromkeys(cell for cell in row if cell))
            continue
        lines.append(f"Nhiệm vụ: {cells[task]}")
        if cells[lead]:
            lines.append(f"Cơ quan chủ trì: {cells[lead]}")
        if helpers is not None and cells[helpers]:
            lines.append(f"Cơ quan phối hợp: {cells[helpers]}")
        lines.append(f"Thời gian thực hiện: {cells[time] or 'không ghi'}")
    return lines


# ---- other formats -----------------------------------------------------------------------------------------------


def converted_to_docx(data: bytes, suffix: str) -> bytes:
    """A .doc, .odt or .rtf as .docx, by LibreOffice headless with a profile of its own (so several can run)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise UnreadableDocument("no converter")
    with tempfile.TemporaryDirectory(prefix="caunoi-convert-") as folder:
        source = Path(folder) / f"plan{suffix}"
        source.write_bytes(data)
        try:
            subprocess.run(
                [soffice, f"-env:UserInstallation={(Path(folder) / 'profile').as_uri()}", "--headless",
                 "--convert-to", "docx", "--outdir", folder, str(source)],
                capture_output=True, timeout=CONVERT_SECONDS, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as error:
            raise UnreadableDocument("damaged") from error
        result = Path(folder) / "plan.docx"
        if not result.exists():
            raise UnreadableDocument("damaged")
        return result.read_bytes()


def pdf_text(data: bytes) -> str:
    """A PDF's text layer, page by page; a scan without one is said to be so (it would need OCR)."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if len(reader.pages) > MAX_PAGES:
            raise UnreadableDocument("too large")
        pages: list[str] = []
        size = 0
        for page in reader.pages:
            text = page.extract_text() or ""
            size += len(text)
            if size > MAX_CHARACTERS:
                raise UnreadableDocument("too large")
            pages.append(text)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        if isinstance(error, UnreadableDocument):
            raise
        raise UnreadableDocument("damaged") from error
    text = "\n".join(pages)
    if len(re.sub(r"\s", "", text)) < 20:
        raise UnreadableDocument("no text layer")
    return text
