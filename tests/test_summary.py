"""Summaries for supervisors on SQLite and PostgreSQL: the figures in the chat, the workbook, the Word draft and the
charts all equal what an independent query over the raw rows gives; files open in LibreOffice; scoping and audit."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.app import App
from bot.config import Settings
from handlers.reports import summary_files
from handlers.reports.summary_figures import compile_summary
from handlers.reports.summary_files import activity_chart, completeness_chart
from storage import periodic
from storage.models import ActivityReport, AuditEntry, OverseasRecord
from storage.people import Role
from storage.periods import Period
from storage.units import by_code
from tests.helpers import DA_NANG, HAI_VAN, TAM_KY, activity_lines, member
from tests.test_overseas import RECORD, add_record
from tests.test_reminders import VN, season

ACTIVITIES = [  # (date typed, kind typed, title, participants, foreigners, money)
    ("1/3", "tuyen truyen", "Tuyên truyền Chỉ thị 12 tại tổ dân phố", "80", "bỏ qua", "bỏ qua"),
    ("15/4", "giao luu huu nghi", "Giao lưu hữu nghị với tỉnh Hủa Phăn", "120", "30", "15 triệu"),
    ("20/5", "nhan dao", "Trao quà cho gia đình chính sách", "45", "5", "50tr"),
]


async def file_activity(chat: Any, day: str, kind: str, title: str, people: str, foreign: str, money: str) -> None:
    for line in activity_lines(kind, day, title, "Nhà văn hóa", people, foreign=foreign, money=money):
        await chat.say(line)
    assert "Đã lưu" in await chat.say("xác nhận")


async def documents(app: App) -> dict[str, bytes]:
    """The files the console delivered (the outbox keeps no message after delivery)."""
    return {path.name: path.read_bytes() for path in (app.settings.data_dir / "sent").iterdir()}


async def test_summary_figures_and_files(settings: Settings, database_url: str, tmp_path: Path) -> None:
    app, clock, schedule = await season(settings, database_url)
    try:
        clock.set(date(2026, 6, 5), 9)
        tam_ky, hai_van = await member(app, "mai"), await member(app, "van", unit_code=HAI_VAN, name="Phan Văn Vân")
        for row in ACTIVITIES:
            await file_activity(tam_ky, *row)
        await file_activity(hai_van, *ACTIVITIES[0])
        await add_record(tam_ky, RECORD)
        await tam_ky.say("xác nhận")
        async with app.db.transaction() as session:
            unit = await by_code(session, TAM_KY)
            assert unit is not None
            await periodic.submit(session, schedule, "2026-H1", unit.id, {"results": "Hoàn thành tốt",
                                  "difficulties": "Thiếu kinh phí", "proposals": "Tập huấn thêm"}, person_id=1,
                                  actor_label="Đỗ Thị Mai", deadline=date(2026, 6, 10), today=clock.now.date(),
                                  now=clock.now)  # fmt: skip
        clock.set(date(2026, 6, 20), 9)
        officer_answer = await tam_ky.say("/tonghop")
        assert "không dùng được" in officer_answer.lower() or "vai trò" in officer_answer  # officers get no summary
        outsider = await member(app, "khac", unit_code=HAI_VAN, role=Role.SUPERVISOR, name="Lê Khác")
        assert "Không có đơn vị 48" in await outsider.say("/tonghop 48 2026-H1")

        boss = await member(app, "tinh", unit_code=DA_NANG, role=Role.SUPERVISOR, name="Trần Văn Tỉnh")
        async with app.db.transaction() as session:  # the independent arithmetic
            reports = (await session.scalars(select(ActivityReport))).all()
            people = sum(r.participants for r in reports)
            foreign = sum(r.foreign_participants or 0 for r in reports)
            money = sum(r.money_vnd or 0 for r in reports)
            added = await session.scalar(select(func.count()).select_from(OverseasRecord))
        figures = await boss.say("/tonghop")
        assert "Thành phố Đà Nẵng — 6 tháng đầu năm 2026 (từ 1/1/2026 đến 20/6/2026)" in figures
        assert (
            f"• Số hoạt động: {len(reports)}" in figures and f"Người tham gia: {people:,}".replace(",", ".") in figures
        )
        assert f"kiều bào: {foreign}" in figures and f"{money:,}".replace(",", ".") + " đồng" in figures
        assert f"thêm {added}" in figures and "1/94 đã nộp, 1 đúng hạn" in figures
        for fmt in ("xlsx", "docx", "png"):
            await boss.say(f"/tonghop 48 2026-H1 {fmt}")
        files = await documents(app)

        book = load_workbook(io.BytesIO(files["tong-hop-48-2026-H1.xlsx"]))
        assert book.sheetnames == ["Tổng hợp theo đơn vị", "Hoạt động", "Báo cáo định kỳ", "Tiến độ báo cáo",
                                   "Kiều bào theo nước"]  # fmt: skip
        units = list(book["Tổng hợp theo đơn vị"].iter_rows(values_only=True))
        assert units[0][:4] == ("Mã đơn vị", "Đơn vị", "Cấp", "Số hoạt động") and len(units) == 1 + 95
        assert sum(row[3] for row in units[1:]) == len(reports) and sum(row[6] for row in units[1:]) == money
        listing = list(book["Hoạt động"].iter_rows(values_only=True))
        assert len(listing) == 1 + len(reports) and all(isinstance(row[0], date) for row in listing[1:])
        assert sum(row[7] for row in listing[1:]) == people
        assert book["Hoạt động"].freeze_panes == "A2" and book["Hoạt động"].auto_filter.ref == f"A1:J{len(reports) + 1}"
        periodic_rows = list(book["Báo cáo định kỳ"].iter_rows(values_only=True))
        assert periodic_rows[1][0] == "Phường Tam Kỳ" and periodic_rows[1][10] == "Thiếu kinh phí"
        progress = list(book["Tiến độ báo cáo"].iter_rows(values_only=True))
        assert progress[1][3:6] == (94, 1, 1) and isinstance(progress[1][2], date)
        assert list(book["Kiều bào theo nước"].iter_rows(values_only=True))[1] == (TAM_KY, "Phường Tam Kỳ", "Hoa Kỳ", 1)

        draft = WordDocument(io.BytesIO(files["tong-hop-48-2026-H1.docx"]))
        text = "\n".join(paragraph.text for paragraph in draft.paragraphs)
        header = "\n".join(cell.text for cell in draft.tables[0].rows[0].cells)
        footer = "\n".join(cell.text for cell in draft.tables[1].rows[0].cells)
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header and "Độc lập - Tự do - Hạnh phúc" in header
        assert (
            "THÀNH PHỐ ĐÀ NẴNG" in header
            and "Số: ……/BC-MTTQ" in header
            and "Đà Nẵng, ngày 20 tháng 06 năm 2026" in header
        )
        for heading in ("BÁO CÁO", "Kết quả công tác đối ngoại nhân dân 6 tháng đầu năm 2026", "I. KẾT QUẢ THỰC HIỆN",
                        "II. KHÓ KHĂN, HẠN CHẾ", "III. ĐỀ XUẤT, KIẾN NGHỊ", "IV. TÌNH HÌNH BÁO CÁO CỦA CÁC ĐƠN VỊ"):  # fmt: skip
            assert heading in text
        assert f"tổ chức {len(reports)} hoạt động với {people} lượt người" in text
        assert "Phường Tam Kỳ: Thiếu kinh phí" in text and "1/94 đơn vị đã nộp" in text
        assert "Nơi nhận:" in footer and "TM. BAN THƯỜNG TRỰC" in footer
        assert files["tong-hop-48-2026-H1-hoat-dong.png"][:4] == b"\x89PNG"

        async with app.db.transaction() as session:
            root = await by_code(session, DA_NANG)
            assert root is not None
            summary = await compile_summary(session, root, Period("half", 2026, 1), date(2026, 6, 20), VN)
            exported = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "export.summary"))).all()
            units_with_activities = await session.scalar(select(func.count(func.distinct(ActivityReport.unit_id))))
        assert len(activity_chart(summary).axes[0].patches) == units_with_activities == 2
        assert len(completeness_chart([("a", 50.0), ("b", None), ("c", 100.0)], "X").axes[0].patches) == 3
        assert [entry.details["format"] for entry in exported] == ["xlsx", "docx", "png"]

        if shutil.which("soffice") is None:
            pytest.skip("LibreOffice (soffice) is not installed: the files were built but not opened")
        for name in ("tong-hop-48-2026-H1.xlsx", "tong-hop-48-2026-H1.docx"):
            (tmp_path / name).write_bytes(files[name])
            converted = await asyncio.create_subprocess_exec(
                "soffice", f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",  # own profile: runs in parallel
                "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / name),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            assert await asyncio.wait_for(converted.wait(), 180) == 0
            assert (tmp_path / name.replace(Path(name).suffix, ".pdf")).stat().st_size > 1000
    finally:
        await app.close()


async def test_a_long_list_comes_whole_as_a_csv_beside_the_workbook(
    settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond ``LISTED`` activities the workbook lists the first ones and says where the rest are; the zipped CSV
    beside it holds every activity (UTF-8 with a byte-order mark, so Excel shows the diacritics)."""
    monkeypatch.setattr(summary_files, "LISTED", 2)
    app, clock, _ = await season(settings, database_url)
    try:
        clock.set(date(2026, 6, 5), 9)
        tam_ky = await member(app, "mai")
        for row in ACTIVITIES:
            await file_activity(tam_ky, *row)
        boss = await member(app, "tinh", unit_code=DA_NANG, role=Role.SUPERVISOR, name="Trần Văn Tỉnh")
        answer = await boss.say("/tonghop 48 2026-H1 xlsx")
        assert "Đang tạo tệp… 0 %" in answer and "Đã tạo xong tệp." in answer
        files = await documents(app)
        book = load_workbook(io.BytesIO(files["tong-hop-48-2026-H1.xlsx"]))
        listing = [row for row in book["Hoạt động"].iter_rows(values_only=True) if any(row)]
        assert len(listing) == 1 + 2 + 1 and "và 1 hoạt động nữa" in listing[-1][0]
        with zipfile.ZipFile(io.BytesIO(files["tong-hop-48-2026-H1-hoat-dong.csv.zip"])) as archive:
            data = archive.read("hoat-dong.csv")
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0][:3] == ["Ngày", "Mã đơn vị", "Đơn vị"] and len(rows) == 1 + len(ACTIVITIES)
        assert sorted(row[4] for row in rows[1:]) == sorted(title for _, _, title, *_ in ACTIVITIES)
        assert [row[0] for row in rows[1:]] == ["2026-03-01", "2026-04-15", "2026-05-20"]
    finally:
        await app.close()
