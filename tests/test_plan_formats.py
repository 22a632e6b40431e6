"""Plans in every format they arrive in: Word with automatic numbering and assignment tables, the same document
converted by LibreOffice to .odt, .doc and .pdf and read back, and files that are damaged, oversized, hostile or
scanned, each refused with its reason — never an exception of another kind."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document as WordDocument
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

from handlers.plans import documents
from handlers.plans.documents import UnreadableDocument, document_text
from handlers.plans.reader import read_plan

LIST = (  # one multi-level list as Word writes it: I., 1., a)
    f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>'
    '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>'
    '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%3)"/></w:lvl>'
    "</w:abstractNum>"
)


def _numbered(paragraph: object, level: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()  # type: ignore[attr-defined]
    ppr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))


def word_plan(year: int = 2026) -> bytes:
    """A plan as an office writes it in Word: header table, automatic numbering, an assignment table."""
    document = WordDocument()
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(LIST))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    header = document.add_table(rows=2, cols=2)
    header.cell(0, 0).text = "ỦY BAN MTTQ VIỆT NAM\nXÃ HÒA BÌNH"
    header.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    header.cell(1, 0).text = "Số: 12/KH-MTTQ"
    header.cell(1, 1).text = f"Hòa Bình, ngày 05 tháng 01 năm {year}"
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph(f"Tổ chức các hoạt động đối ngoại nhân dân năm {year}")
    for level, text in ((0, "MỤC ĐÍCH, YÊU CẦU"), (1, "Tăng cường giao lưu hữu nghị."),
                        (0, "NỘI DUNG"), (1, "Tuyên truyền về công tác người Việt Nam ở nước ngoài."),
                        (2, f"Tổ chức hội nghị tuyên truyền, hoàn thành trước ngày 30/3/{year}."),
                        (2, "Gặp mặt thân nhân kiều bào.")):  # fmt: skip
        _numbered(document.add_paragraph(text), level)
    table = document.add_table(rows=3, cols=4)
    for row, cells in enumerate(
        (
            ("Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"),
            (
                "Gặp mặt kiều bào dịp Tết",
                "Ban Thường trực Ủy ban MTTQ các xã, phường",
                "Hội Liên hiệp Phụ nữ",
                f"Tháng 02/{year}",
            ),
            ("Báo cáo kết quả 6 tháng", "Ban Công tác Mặt trận các thôn", "", f"Quý II/{year}"),
        )
    ):
        for column, text in enumerate(cells):
            table.cell(row, column).text = text  # fmt: skip
    _numbered(document.add_paragraph("TỔ CHỨC THỰC HIỆN"), 0)
    _numbered(document.add_paragraph(f"Ban Thường trực Ủy ban MTTQ các xã, phường báo cáo trước ngày 15/6/{year}."), 1)
    document.add_paragraph("Nơi nhận:")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_word_numbering_is_rebuilt_and_an_assignment_table_becomes_tasks() -> None:
    text = document_text("ke-hoach.docx", word_plan())
    assert "I. MỤC ĐÍCH, YÊU CẦU" in text and "II. NỘI DUNG" in text and "III. TỔ CHỨC THỰC HIỆN" in text
    assert "a) Tổ chức hội nghị" in text and "b) Gặp mặt thân nhân" in text and "1. Ban Thường trực" in text
    plan = read_plan(text)
    assert (plan.number, plan.issued_on, plan.place) == ("12/KH-MTTQ", date(2026, 1, 5), "Hòa Bình")
    assert [s.number for s in plan.sections] == ["I.", "II.", "III."]
    tasks = {(task.addressee, task.period or task.due) for task in plan.tasks()}
    assert ("Ban Thường trực Ủy ban MTTQ các xã, phường", "2026-02") in tasks  # the table's row
    assert ("Ban Công tác Mặt trận các thôn", "2026-Q2") in tasks
    assert ("Ban Thường trực Ủy ban MTTQ các xã, phường", date(2026, 6, 15)) in tasks  # the organising item
    assert all("commune" in task.levels for task in plan.tasks())


def _libreoffice(tmp_path: Path, data: bytes, target: str) -> bytes:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")  # CI installs it: a skip there fails the run
    source = tmp_path / "ke-hoach.docx"
    source.write_bytes(data)
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", target, "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)  # fmt: skip
    return (tmp_path / f"ke-hoach.{target}").read_bytes()


@pytest.mark.parametrize("target", ["odt", "doc", "pdf"])
def test_the_same_plan_from_libreoffice_formats(tmp_path: Path, target: str) -> None:
    converted = _libreoffice(tmp_path, word_plan(), target)
    plan = read_plan(document_text(f"Kế hoạch.{target}", converted))
    assert plan.number == "12/KH-MTTQ" and plan.issued_on == date(2026, 1, 5)
    assert [s.number for s in plan.sections] == ["I.", "II.", "III."]
    assert any(found.on == date(2026, 3, 30) and found.kind == "deadline" for found in plan.dates)
    assert any(task.due == date(2026, 6, 15) for task in plan.tasks())


def test_without_libreoffice_a_doc_is_refused_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents.shutil, "which", lambda name: None)
    with pytest.raises(UnreadableDocument, match="no converter"):
        document_text("ke-hoach.doc", b"\xd0\xcf\x11\xe0 an old Word file")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_word_file_that_unpacks_to_more_than_the_limit_is_refused_before_it_is_parsed() -> None:
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b" " * (documents.MAX_UNPACKED + 1)})
    assert len(bomb) < 200_000
    with pytest.raises(UnreadableDocument, match="too large"):
        document_text("bom.docx", bomb)


def test_a_word_file_with_entity_expansion_is_refused() -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "hahahahaha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
              b"<w:document>&b;</w:document>")  # fmt: skip
    original = zipfile.ZipFile(io.BytesIO(word_plan()))
    members = {name: original.read(name) for name in original.namelist()}
    members["word/document.xml"] = laughs
    with pytest.raises(UnreadableDocument, match="damaged"):
        document_text("ke-hoach.docx", _zip(members))


def test_a_pdf_without_a_text_layer_and_a_broken_pdf_are_told_apart() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    scan = io.BytesIO()
    writer.write(scan)
    with pytest.raises(UnreadableDocument, match="no text layer"):
        document_text("scan.pdf", scan.getvalue())
    with pytest.raises(UnreadableDocument, match="damaged"):
        document_text("broken.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50)


def test_word_numbering_restarts_below_a_level_that_moves_on() -> None:
    document = WordDocument()
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(LIST))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for level in (0, 1, 1, 0, 1, 2, 2):
        _numbered(document.add_paragraph("x"), level)
    buffer = io.BytesIO()
    document.save(buffer)
    labels = [line.split()[0] for line in document_text("a.docx", buffer.getvalue()).splitlines() if line.strip()]
    assert labels == ["I.", "1.", "2.", "II.", "1.", "a)", "b)"]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([".docx", ".pdf", ".txt", ".md", ".htm", ".xyz"]), st.binary(max_size=4000))
def test_any_bytes_in_any_format_read_or_are_refused_with_a_reason(suffix: str, data: bytes) -> None:
    try:
        read_plan(document_text(f"plan{suffix}", data))
    except UnreadableDocument as error:
        assert error.reason in ("format", "damaged", "too large", "no text layer", "no converter")
