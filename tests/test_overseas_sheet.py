"""Spreadsheets of the register: the template, checking messy real-world lists, importing (chat and command line)
with no duplicates on re-import, and the scoped, audited export read back with openpyxl."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from bot.app import App
from bot.i18n import I18n
from handlers.register import sheet as overseas_sheet
from handlers.register.sheet import check, template
from storage.models import AuditEntry, OverseasRecord
from tests.helpers import member, seed_units
from tests.test_cli import caunoi

TODAY = date(2026, 11, 23)
VI = I18n("vi")


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


MESSY = [
    ["DANH SÁCH KIỀU BÀO PHƯỜNG TAM KỲ", None, None, None, None, None],  # a title above the header
    [None] * 6,
    ["STT", "Họ tên", "Năm sinh", "Nước cư trú", "Số điện thoại", "Ghi chú riêng"],  # renamed + extra columns
    [1, "  nguyễn văn  an", 1980, "Hoa Ky", 912345678, "x"],  # phone as a number without its leading zero
    [2, "Trần Thị Bích", datetime(1975, 3, 2), "Nhật", "0903.123.456", None],  # a date where a year was meant
    [None] * 6,  # empty rows are skipped
    [3, "Lê Văn Cường", 2030, "Đức", None, None],  # future year
    [4, None, 1990, "Úc", None, None],  # no name
    [5, "Phạm Văn Dũng", 1988, "Atlantis", "0912 345 678", None],  # unknown country
    [6, "Hoàng Văn Em", 1992, "Hàn", "0236 3821 111", None],  # a landline
    [7, "nguyen van an", "1980", "Mỹ", None, None],  # the same person as row 4
    [8, "Võ Thị Phương", "=1990+1", "Canada", None, None],  # a formula with no cached value: year left out
]


def test_the_template_is_a_valid_empty_list() -> None:
    data = template()
    result = check(data, TODAY, can_encrypt=True)
    assert result.rows == [] and result.problems == []
    book = load_workbook(io.BytesIO(data))
    sheet = book["Danh sách"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[0] == "Họ và tên *" and "Quốc gia cư trú *" in headers and "Điện thoại thân nhân" in headers
    assert sheet.freeze_panes == "A2" and sheet.data_validations.dataValidation
    assert book["Hướng dẫn"].max_row == len(headers) + 1


def test_a_messy_list_is_checked_row_by_row() -> None:
    result = check(xlsx(MESSY), TODAY, can_encrypt=True)
    assert not result.fatal
    assert [(number, values["full_name"]) for number, values in result.rows] == [
        (4, "Nguyễn Văn An"), (5, "Trần Thị Bích"), (12, "Võ Thị Phương")]  # fmt: skip
    assert result.rows[0][1]["relative_phone"] == "+84912345678" and result.rows[0][1]["country"] == "US"
    assert result.rows[1][1]["birth_year"] == 1975
    problems = [(p.row, p.column, p.text(VI)) for p in result.problems]
    assert [(row, column) for row, column, _ in problems] == [
        (7, "Năm sinh"), (8, "Họ và tên"), (9, "Quốc gia cư trú"), (10, "Điện thoại thân nhân"), (11, "Họ và tên")]  # fmt: skip
    assert "chưa đến" in problems[0][2] and "không được để trống" in problems[1][2]
    assert "Atlantis" in problems[2][2] and "không phải số di động" in problems[3][2]
    assert "Trùng người với dòng 4" in problems[4][2]
    assert problems[0][2].startswith("Dòng 7, cột “Năm sinh”:")
    assert result.ignored_columns == ["STT", "Ghi chú riêng"]


@pytest.mark.parametrize("data", [
    b"this is not a spreadsheet", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,  # text; an old .xls
    b"PK\x05\x06" + b"\0" * 18,  # an empty zip
])  # fmt: skip
def test_files_that_are_not_excel_get_a_clear_answer(data: bytes) -> None:
    result = check(data, TODAY, can_encrypt=True)
    assert result.fatal and "không phải bảng tính Excel" in result.problems[0].text(VI)


def test_a_docx_is_not_taken_for_a_list() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert check(buffer.getvalue(), TODAY, can_encrypt=True).fatal


def test_missing_columns_and_size_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    no_country = check(xlsx([["Họ và tên", "Năm sinh"], ["Nguyễn Văn An", 1980]]), TODAY, can_encrypt=True)
    assert no_country.fatal and "Thiếu cột bắt buộc: Quốc gia cư trú" in no_country.problems[0].text(VI)
    no_header = check(xlsx([["a", "b"], [1, 2]]), TODAY, can_encrypt=True)
    assert no_header.fatal and "Họ và tên" in no_header.problems[0].text(VI)
    monkeypatch.setattr(overseas_sheet, "MAX_ROWS", 3)
    rows = [["Họ và tên", "Quốc gia"], *([f"Người Số {chr(65 + i)}", "Lào"] for i in range(5))]
    assert check(xlsx(rows), TODAY, can_encrypt=True).fatal


def test_years_written_as_dates_and_merged_cells() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Danh sách kiều bào"])
    sheet.merge_cells("A1:D1")  # a merged title row
    sheet.append(["Họ và tên", "Ngày sinh", "Quốc gia", "Thân nhân"])
    sheet.append(["Nguyễn Văn An", 29221, "Lào", "Nguyễn Văn Bình"])  # 1/1/1980 as a bare Excel day number
    sheet.append(["Trần Thị Bích", "02/03/1975", "Lào", None])
    sheet.append(["Lê Văn Cường", "năm 1990", None, None])
    sheet.merge_cells("C4:C5")  # one country for two people: the second row's cell is empty
    buffer = io.BytesIO()
    book.save(buffer)
    result = check(buffer.getvalue(), TODAY, can_encrypt=True)
    assert [values.get("birth_year") for _, values in result.rows] == [1980, 1975]
    assert [(p.row, p.column) for p in result.problems] == [(5, "Quốc gia cư trú")]
    assert "không được để trống" in result.problems[0].text(VI)


def test_notes_without_a_key_are_refused_per_row() -> None:
    data = xlsx([["Họ và tên", "Quốc gia", "Tâm tư, nguyện vọng"], ["Nguyễn Văn An", "Lào", "Muốn về quê"]])
    result = check(data, TODAY, can_encrypt=False)
    assert result.rows == [] and "mã hóa" in result.problems[0].text(VI)
    assert check(data, TODAY, can_encrypt=True).rows[0][1]["aspirations"] == "Muốn về quê"


async def test_import_in_chat_reports_then_imports_once(app: App, tmp_path: Path) -> None:
    await seed_units(app)
    chat = await member(app, "mai")
    path = tmp_path / "danh-sach.xlsx"
    path.write_bytes(xlsx(MESSY))
    reply = await chat.say(f"!file {path}")
    assert "đã đọc 8 dòng" in reply and "✅ 3 dòng nhập được" in reply and "❌ 5 dòng có lỗi" in reply
    assert "Dòng 9, cột “Quốc gia cư trú”" in reply and "1. Nhập 3 hồ sơ" in reply
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(OverseasRecord)) == 0  # not before confirming
    assert "Đã nhập 3 hồ sơ" in await chat.say("1")
    assert "không còn chờ" in await chat.say("/kieubao nhapxn 1")  # a second confirm imports nothing
    again = await chat.say(f"!file {path}")
    assert "↩️ 3 dòng đã có trong danh sách" in again and "Nhập" not in again.split("\n")[-1]
    other = tmp_path / "notes.zip"
    other.write_text("hello")
    assert "chưa đọc được loại tệp này" in await chat.say(f"!file {other}")
    scan = tmp_path / "ke-hoach.pdf"  # a plan's format: an officer is told who may add plans
    scan.write_text("hello")
    assert "Chỉ quản trị viên và cán bộ phụ trách mới thêm được kế hoạch" in await chat.say(f"!file {scan}")
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(OverseasRecord)) == 3
        imported = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "overseas.imported"))).one()
        assert imported.details["rows"] == 3


def test_command_line_import_and_scoped_export(tmp_path: Path) -> None:
    assert caunoi(tmp_path, "units", "import-vn", "--province", "48").returncode == 0
    listing = tmp_path / "list.xlsx"
    listing.write_bytes(xlsx(MESSY))
    checked = caunoi(tmp_path, "kieubao", "import", str(listing), "--unit", "20341")
    assert checked.returncode == 0 and "Dòng 10, cột “Điện thoại thân nhân”" in checked.stdout
    assert "--yes" in checked.stdout
    done = caunoi(tmp_path, "kieubao", "import", str(listing), "--unit", "20341", "--yes")
    assert "3 record(s) imported" in done.stdout, done.stderr
    assert "0 record(s) imported" in caunoi(tmp_path, "kieubao", "import", str(listing), "--unit", "20341",
                                             "--yes").stdout  # fmt: skip
    other = tmp_path / "other.xlsx"
    other.write_bytes(xlsx([["Họ và tên", "Quốc gia"], ["Đinh Văn Giang", "Lào"]]))
    assert caunoi(tmp_path, "kieubao", "import", str(other), "--unit", "20195", "--yes").returncode == 0
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"nope")
    failed = caunoi(tmp_path, "kieubao", "import", str(bad), "--unit", "20341")
    assert failed.returncode == 2 and "không phải bảng tính Excel" in failed.stdout

    out = tmp_path / "tamky.xlsx"
    exported = caunoi(tmp_path, "export", "kieubao", "--unit", "20341", "--output", str(out))
    assert exported.returncode == 0 and "3 record(s)" in exported.stderr
    sheet = load_workbook(out).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Mã", "Mã đơn vị", "Đơn vị", "Họ và tên")
    assert {row[3] for row in rows[1:]} == {"Nguyễn Văn An", "Trần Thị Bích", "Võ Thị Phương"}  # not Hải Vân's
    first = next(row for row in rows[1:] if row[3] == "Nguyễn Văn An")
    assert first[1] == "20341" and first[5] == 1980 and first[6] == "Hoa Kỳ" and isinstance(first[-1], datetime)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    everything = caunoi(tmp_path, "export", "kieubao", "--format", "csv", "--output", str(tmp_path / "all.csv"))
    assert "4 record(s)" in everything.stderr
    assert "Đinh Văn Giang" in (tmp_path / "all.csv").read_text(encoding="utf-8")
    with sqlite3.connect(tmp_path / "cli.sqlite3") as db:
        logged = db.execute("SELECT object_id, details FROM audit_log WHERE action = 'export.overseas'").fetchall()
    assert [(unit, json.loads(details)["rows"]) for unit, details in logged] == [("20341", 3), ("*", 4)]
