"""The register as a spreadsheet: the template officers fill, the check of a filled one, and the export.

Columns come from the record form's steps (plus status), so chat, import and export share one field list. Reading
is forgiving about what real files look like — a title above the header, renamed or extra columns, empty rows,
numbers where text was meant, dates where a year was meant — and exact about what is wrong: row, column, reason.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from bot.engine.countries import country_name, parse_country
from bot.engine.errors import InvalidInput
from bot.engine.forms import Kind, Step
from bot.engine.parsers import parse_choice
from bot.engine.personal import format_phone, parse_person_name, parse_phone, parse_year
from bot.i18n import N_, I18n
from handlers.register.form import CHOICES, OVERSEAS_FORM
from storage.overseas import NOTE_FIELDS
from storage.text import clean, fold, inert, name_key

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
MAX_UNPACKED = 60 * 1024 * 1024  # what the workbook's parts may unpack to: 20,000 full rows are about 15 MB
MAX_COLUMNS = 64  # the template has fifteen
MAX_READ_ROWS = 30_000  # every row read counts, empty ones too: a sheet of a million empty rows is refused quickly
HEADER_SEARCH_ROWS = 15
EXCEL_SERIALS = (3_000, 80_000)  # 1908 … 2119 as Excel day numbers; a four-digit year is never in this range
DATE_TEXT = re.compile(r"\b\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*(\d{4})\b")
STATUS_STEP = Step("status", N_("Status"), "", Kind.CHOICE, required=False, options="overseas_status")
COLUMNS: tuple[Step, ...] = (*OVERSEAS_FORM.steps, STATUS_STEP)
VI, EN = I18n("vi"), I18n("en")

# Headers found in the lists communes already keep, besides the template's own (compared folded).
ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": ("ho ten", "ho va ten", "ten", "ho ten kieu bao", "ten kieu bao", "name"),
    "gender": ("gioi tinh", "nam/nu", "sex"),
    "birth_year": ("nam sinh", "ngay sinh", "ngay thang nam sinh", "birth year", "year of birth"),
    "country": ("quoc gia", "nuoc", "nuoc cu tru", "quoc gia dinh cu", "nuoc dinh cu", "country"),
    "city": ("thanh pho", "noi o", "noi cu tru", "dia chi o nuoc ngoai"),
    "abroad_since": ("nam xuat canh", "xuat canh nam", "ra nuoc ngoai tu nam", "nam di"),
    "group_code": ("nghe nghiep", "thanh phan", "nghe nghiep/thanh phan", "occupation", "group"),
    "association": ("hoi doan", "to chuc hoi doan", "hoi"),
    "contact": ("lien lac", "lien he", "thong tin lien lac", "email"),
    "relative_name": ("than nhan", "ho ten than nhan", "nguoi than", "ho ten nguoi than", "relative"),
    "relationship": ("quan he", "moi quan he", "quan he voi kieu bao"),
    "relative_address": ("dia chi", "dia chi than nhan", "thon", "thon/to", "thon, to", "address"),
    "relative_phone": ("dien thoai", "so dien thoai", "sdt", "dien thoai than nhan", "sdt than nhan", "phone"),
    "relative_in_association": ("hoi vien hoi than nhan kieu bao", "hoi vien hoi than nhan"),
    "contributions": ("dong gop",),
    "aspirations": ("tam tu nguyen vong", "tam tu, nguyen vong", "nguyen vong"),
    "visits": ("ve tham que", "ve que"),
    "commendations": ("khen thuong",),
    "status": ("tinh trang", "trang thai"),
}


@dataclass(frozen=True)
class Problem:
    """Something wrong in the file: ``row`` 0 means the file as a whole; ``message`` is a msgid."""

    row: int
    column: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, i18n: I18n) -> str:
        reason = i18n.t(self.message, **self.params)
        if not self.row:
            return reason
        return i18n.t("Row {row}, column “{column}”: {reason}", row=self.row, column=self.column, reason=reason)


@dataclass
class Checked:
    """The outcome of reading a file: good rows (values keyed by column name, with their row numbers) and problems."""

    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        return any(problem.row == 0 for problem in self.problems)


def header(step: Step) -> str:
    return VI.t(step.label)


# ---- template ----------------------------------------------------------------------------------------------------


def template() -> bytes:
    """An empty list with the expected headers, drop-down lists for the fixed choices, and a sheet of instructions."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Danh sách"
    sheet.append([header(step) + (" *" if step.required else "") for step in COLUMNS])
    sheet.freeze_panes = "A2"
    for index, step in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, len(header(step)) + 4)
        if step.kind is Kind.CHOICE and step.options in CHOICES:
            labels = ",".join(VI.t(label) for _, label in CHOICES[step.options])
            validation = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(validation)
    guide = book.create_sheet("Hướng dẫn")
    guide.append(["Cột", "Nội dung", "Bắt buộc"])
    for step in COLUMNS:
        prompt = VI.t(step.prompt) if step.prompt else VI.t("Living abroad") + " / " + VI.t("Returned home") + " …"
        guide.append([header(step), prompt, "Có" if step.required else ""])
    guide.column_dimensions["A"].width = 34
    guide.column_dimensions["B"].width = 90
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---- reading -----------------------------------------------------------------------------------------------------


def _match_columns(cells: Sequence[Any]) -> dict[int, Step]:
    wanted: dict[str, Step] = {}
    for step in COLUMNS:
        for name in (header(step), EN.t(step.label), step.name, *ALIASES.get(step.name, ())):
            wanted.setdefault(fold(name), step)
    found: dict[int, Step] = {}
    for index, cell in enumerate(cells):
        if cell is None:
            continue
        step = wanted.get(fold(str(cell)).rstrip(" *:").strip())
        if step is not None and step not in found.values():
            found[index] = step
    return found


def check(data: bytes, today: date, *, can_encrypt: bool) -> Checked:
    """Reads an .xlsx and checks every row; nothing is stored here."""
    result = Checked()
    if len(data) > MAX_BYTES:
        result.problems.append(Problem(0, "", N_("The file is larger than 10 MB; please split it.")))
        return result
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked > MAX_UNPACKED:
            result.problems.append(Problem(0, "", N_("The file unpacks to more than {limit} MB, too much for a list; "
                                                     "please delete what is not the list (images, other sheets) or "
                                                     "split it."), {"limit": MAX_UNPACKED // 2**20}))  # fmt: skip
            return result
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        result.problems.append(
            Problem(0, "", N_("This file is not an Excel workbook (.xlsx). Please save it as .xlsx and send it again."))
        )
        return result
    try:
        _read(book.worksheets[0], result, today, can_encrypt)
    finally:
        book.close()
    return result


def _read(sheet: Any, result: Checked, today: date, can_encrypt: bool) -> None:
    rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)  # a sheet may declare 16,384 columns
    columns: dict[int, Step] = {}
    header_row = 0
    for number, cells in enumerate(rows, start=1):
        columns = _match_columns(cells)
        if any(step.name == "full_name" for step in columns.values()):
            header_row = number
            result.ignored_columns = [
                str(cell) for index, cell in enumerate(cells) if cell not in (None, "") and index not in columns
            ]
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if not header_row:
        result.problems.append(
            Problem(
                0, "", N_("No header row with a “Họ và tên” column was found. Please use the template (/kieubao mau).")
            )
        )
        return
    missing = [header(step) for step in COLUMNS if step.required and step not in columns.values()]
    if missing:
        result.problems.append(
            Problem(0, "", N_("Required columns are missing: {columns}."), {"columns": ", ".join(missing)})
        )
        return
    seen: dict[tuple[str, int | None, str | None], int] = {}
    data_rows = 0
    for number, cells in enumerate(rows, start=header_row + 1):
        if number > MAX_READ_ROWS:
            result.problems.append(Problem(0, "", N_("The sheet has more than {limit} rows, empty ones included; "
                                                     "please delete the empty rows below the list or split it."),
                                           {"limit": MAX_READ_ROWS}))  # fmt: skip
            return
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            result.problems.append(
                Problem(0, "", N_("The file has more than {limit} rows; please split it."), {"limit": MAX_ROWS})
            )
            return
        values, problems = _row(number, cells, columns, today, can_encrypt)
        if not problems:
            identity = (name_key(values["full_name"]), values.get("birth_year"), values.get("country"))
            if identity in seen:
                problems.append(
                    Problem(number, header(COLUMNS[0]), N_("The same person as row {row}."), {"row": seen[identity]})
                )
            else:
                seen[identity] = number
        if problems:
            result.problems.extend(problems)
        else:
            result.rows.append((number, values))


def _row(
    number: int, cells: Sequence[Any], columns: dict[int, Step], today: date, can_encrypt: bool
) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for index, step in columns.items():
        cell = cells[index] if index < len(cells) else None
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            if step.required:
                problems.append(Problem(number, header(step), N_("This column must not be empty.")))
            continue
        try:
            values[step.name] = _value(step, cell, today)
        except InvalidInput as error:
            problems.append(Problem(number, header(step), error.message, dict(error.params)))
    if not can_encrypt:
        for name in NOTE_FIELDS:
            if values.pop(name, None):
                step = OVERSEAS_FORM.step(name)
                assert step is not None
                problems.append(
                    Problem(
                        number, header(step), N_("Notes cannot be stored: encryption is not set up (CAUNOI_DATA_KEY).")
                    )
                )
    since, born = values.get("abroad_since"), values.get("birth_year")
    if isinstance(since, int) and isinstance(born, int) and since < born:
        step = OVERSEAS_FORM.step("abroad_since")
        assert step is not None
        problems.append(
            Problem(
                number, header(step), N_("That is before the year of birth ({year}); please check it."), {"year": born}
            )
        )
    return values, problems


def _value(step: Step, cell: Any, today: date) -> Any:
    """One cell as the form would store it; the same parsers as in chat, so the same rules and messages."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if step.kind is Kind.YEAR:
        if isinstance(cell, int) and EXCEL_SERIALS[0] <= cell <= EXCEL_SERIALS[1]:
            cell = from_excel(cell)  # a date cell whose date format was lost shows as its serial number
        if isinstance(cell, datetime | date):
            cell = cell.year
        if written_date := DATE_TEXT.search(str(cell)):
            cell = written_date.group(1)
        return parse_year(str(cell), today)
    if isinstance(cell, datetime | date):
        cell = cell.strftime("%d/%m/%Y")
    text = str(cell)
    if step.kind is Kind.NAME:
        return parse_person_name(text)
    if step.kind is Kind.COUNTRY:
        return parse_country(text)
    if step.kind is Kind.PHONE:
        return parse_phone(text)
    if step.kind is Kind.CHOICE:
        catalogue = CHOICES[step.options or ""]
        labels = [VI.t(label) for _, label in catalogue] + [EN.t(label) for _, label in catalogue]
        if text.strip().isdecimal():
            raise InvalidInput(N_("Please choose one of: {choices}."), choices=", ".join(labels[: len(catalogue)]))
        try:
            return catalogue[parse_choice(text, labels) % len(catalogue)][0]
        except InvalidInput:
            raise InvalidInput(
                N_("Please choose one of: {choices}."), choices=", ".join(labels[: len(catalogue)])
            ) from None
    value = clean(text)
    if len(value) > step.max_length:
        raise InvalidInput(
            N_("That is too long: at most {limit} characters, you wrote {length}."),
            limit=step.max_length,
            length=len(value),
        )
    return value


# ---- export ------------------------------------------------------------------------------------------------------

EXPORT_EXTRA = ("id", "unit_code", "unit_name", "created_at", "updated_at")


def export_headers() -> list[str]:
    return ["Mã", "Mã đơn vị", "Đơn vị", *(header(step) for step in COLUMNS), "Ngày tạo", "Cập nhật"]


def display_value(step: Step, value: Any, i18n: I18n = VI) -> Any:
    """What a person reads, in a cell or in the chat: choice labels and country names in their language, phones as
    written locally; years and numbers stay numbers."""
    if value in (None, ""):
        return None
    if step.kind is Kind.CHOICE:
        return i18n.t(dict(CHOICES[step.options or ""]).get(value, value))
    if step.kind is Kind.COUNTRY:
        return country_name(value, i18n.language)
    if step.kind is Kind.PHONE:
        return format_phone(value)
    return value


def workbook(rows: Iterable[Sequence[Any]]) -> bytes:
    """A filterable sheet with a frozen header; dates stay dates and numbers stay numbers."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Kiều bào"
    headers = export_headers()
    sheet.append(headers)
    widths = [len(text) + 2 for text in headers]
    count = 0
    for row in rows:
        sheet.append([inert(value) for value in row])
        count += 1
        for index, value in enumerate(row):
            if value is not None:
                widths[index] = min(60, max(widths[index], len(str(value)) + 2))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        for cell in sheet.iter_cols(min_col=index, max_col=index, min_row=2, max_row=count + 1):
            for item in cell:
                if isinstance(item.value, datetime):
                    item.number_format = "DD/MM/YYYY HH:MM"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
