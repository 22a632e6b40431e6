"""The worst files a person can send within the upload limit: a workbook declaring millions of empty rows and every
column, one that unpacks to far more than it weighs, a Word file of a million paragraphs. Each is refused with its
reason after reading only what the limits allow, outside the update's transaction, and the officer who sent it gets
an answer in their language."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path

from docx import Document as WordDocument
from openpyxl import Workbook

from bot.app import App
from handlers.plans.documents import UnreadableDocument, docx_text
from handlers.register import sheet
from handlers.register.sheet import check
from tests.helpers import member, seed_units

TODAY = date(2026, 12, 2)


def _workbook_with(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet is replaced by ``sheet_xml``."""
    book = Workbook()
    book.active.append(["Họ và tên", "Năm sinh", "Nước cư trú"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            archive.writestr(name, sheet_xml if name == "xl/worksheets/sheet1.xml" else source.read(name))
    return out.getvalue()


def millions_of_empty_rows() -> bytes:
    """A header, then rows declared down to 3,000,000 and across all 16,384 columns, nearly all empty."""
    rows = "".join(f'<row r="{n}"/>' for n in range(2, 200_000))
    xml = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
           'spreadsheetml/2006/main"><dimension ref="A1:XFD3000000"/><sheetData>'
           '<row r="1"><c r="A1" t="inlineStr"><is><t>Họ và tên</t></is></c><c r="B1" t="inlineStr"><is><t>Năm sinh'
           '</t></is></c><c r="C1" t="inlineStr"><is><t>Nước cư trú</t></is></c></row>' + rows +
           '<row r="3000000"><c r="XFD3000000" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>')  # fmt: skip
    return _workbook_with(xml.encode())


def test_a_sheet_of_millions_of_empty_rows_is_refused_after_the_row_limit() -> None:
    data = millions_of_empty_rows()
    assert len(data) < sheet.MAX_BYTES
    checked = check(data, TODAY, can_encrypt=True)
    assert checked.fatal and not checked.rows
    assert any("empty ones included" in problem.message for problem in checked.problems)


def test_a_workbook_that_unpacks_to_more_than_the_limit_is_refused_unopened() -> None:
    padding = b"<!-- " + b" " * (sheet.MAX_UNPACKED + 1) + b" -->"
    book = _workbook_with(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                          b'2006/main">' + padding + b"<sheetData/></worksheet>")  # fmt: skip
    assert len(book) < sheet.MAX_BYTES
    checked = check(book, TODAY, can_encrypt=True)
    assert checked.fatal and any("unpacks to more than" in problem.message for problem in checked.problems)


def a_million_paragraphs() -> bytes:
    document = WordDocument()
    document.add_paragraph("KẾ HOẠCH")
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    body = source.read("word/document.xml").decode()
    many = "<w:p/>" * 1_000_000
    body = re.sub(r"(<w:body>)", r"\1" + many, body, count=1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            archive.writestr(name, body.encode() if name == "word/document.xml" else source.read(name))
    return out.getvalue()


def test_a_word_file_of_a_million_paragraphs_is_refused() -> None:
    data = a_million_paragraphs()
    assert len(data) < 200_000
    try:
        docx_text(data)
    except UnreadableDocument as error:
        assert error.reason == "too large"
    else:
        raise AssertionError("a million paragraphs were read as a plan")


async def test_the_officer_who_sends_one_gets_a_polite_answer(app: App, tmp_path: Path) -> None:
    await seed_units(app)
    officer = await member(app, "mai")
    path = tmp_path / "danh sach.xlsx"
    path.write_bytes(millions_of_empty_rows())
    answer = await officer.say(f"!file {path}")
    assert "kể cả dòng trống" in answer and "Xin lỗi" not in answer
    assert "Anh/chị muốn làm gì" in await officer.say("menu")  # the chat goes on
