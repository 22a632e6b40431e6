"""Plans and broadcasts through the console on SQLite and PostgreSQL: an admin sends a plan, checks the preview and
turns its deadlines into schedules; officers read their part; an announcement goes out with receipts; replies are
never queued behind bulk messages; and the command line does the same."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.app import App
from storage import outbox
from storage.models import BroadcastRecipient, OutboxMessage, Plan, ReportSchedule
from storage.people import Role
from storage.types import utcnow
from tests.helpers import DA_NANG, HAI_VAN, member, seed_units
from tests.test_cli import caunoi
from tests.test_plan_reader import SEEDS


async def test_plan_preview_schedules_and_my_part(app: App, tmp_path: Path) -> None:
    await seed_units(app)
    admin = await member(app, "admin", unit_code=DA_NANG, role=Role.ADMIN, name="Quản Trị")
    officer = await member(app, "mai")
    seed = SEEDS / "ke-hoach-tam-ky-2024.txt"
    assert "Chỉ quản trị viên" in await officer.say(f"!file {seed}")
    preview = await admin.say(f"!file {seed}")
    assert "KẾ HOẠCH — 22/3/2024" in preview and "Triển khai thực hiện một số nhiệm vụ trọng tâm" in preview
    assert "Phần việc cho: Ban Thường trực (2), các tổ chức thành viên (1), các xã, phường (1)" in preview
    assert "• 6 tháng: báo cáo, hạn 10/6" in preview and "• Hằng năm: báo cáo, hạn 10/11" in preview
    assert "Việc sẽ theo dõi" not in preview  # its deadlines recur: schedules, not tasks
    assert "3. Lưu và tạo 2 lịch báo cáo" in preview
    saved = await admin.say("3")
    assert "Đã lưu kế hoạch (#1)" in saved
    pushed = await admin.say("gửi từng cấp phần việc của mình")
    assert "Đơn vị cấp “các xã, phường”: 1 người (thông báo #1)" in pushed
    part_pushed = officer.out[-1]  # every commune officer receives their part, with its deadlines and a receipt
    assert "Đối với Ban Thường trực Ủy ban MTTQ Việt Nam các xã, phường" in part_pushed
    assert "⏰ Các hạn: 10/6/2024 · 10/11/2024" in part_pushed and "Đã nhận" in part_pushed
    assert len(part_pushed) < 1400 and "Trên đây" not in part_pushed
    async with app.db.transaction() as session:
        made = (await session.scalars(select(ReportSchedule).order_by(ReportSchedule.id))).all()
        plan = (await session.scalars(select(Plan))).one()
    assert [(s.period_type, s.deadline_day, s.deadline_month, s.level) for s in made] == [
        ("half", 10, 6, "commune"), ("year", 10, 11, "commune")]  # fmt: skip
    assert plan.status == "active" and plan.issued_on is not None

    listed = await officer.say("/kehoach")
    assert "1. #1 — Triển khai thực hiện một số nhiệm vụ" in listed
    opened = await officer.say("1")
    assert "Phần việc của tôi" in opened and "III. TỔ CHỨC THỰC HIỆN" in opened
    part = await officer.say("phan viec cua toi")
    assert "Đối với Ban Thường trực Ủy ban MTTQ Việt Nam các xã, phường" in part
    assert "⏰ Các hạn: 10/6/2024 · 10/11/2024" in part and "Đối với các tổ chức thành viên" not in part
    found = await officer.say("/kehoach tim danh sach kieu bao")
    assert "Rà soát, thông kê lập danh sách kiều bào" in found
    section = await officer.say("1")
    assert section.startswith("【Trang 1/") and "II. NỘI DUNG TRỌNG TÂM" in section and "2.4 Rà soát" not in section
    pages = [section] + [await officer.say("trang sau") for _ in range(8)]  # pages of a phone screen, cut at line ends
    assert any("2.4 Rà soát" in page for page in pages)
    assert all(len(page) <= 700 for page in pages)
    assert "Không có kế hoạch #9" in await officer.say("/kehoach xem 9")


async def test_announcement_with_receipts(app: App) -> None:
    await seed_units(app)
    admin = await member(app, "admin", unit_code=DA_NANG, role=Role.ADMIN, name="Quản Trị")
    mai, van = (
        await member(app, "mai", name="Đỗ Thị Mai"),
        await member(app, "van", unit_code=HAI_VAN, name="Phan Văn Vân"),
    )
    await member(app, "tinh", unit_code=DA_NANG, role=Role.SUPERVISOR, name="Trần Văn Tỉnh")
    await admin.say("/thongbao")
    await admin.say("Đề nghị các xã, phường rà soát danh sách kiều bào trước ngày 15/12.")
    await admin.say("commune")
    review = await admin.say("cán bộ")
    assert "Vui lòng kiểm tra" in review
    count = await admin.say("xác nhận")
    assert "Thông báo sẽ tới 2 trên 2 người" in count
    assert "Thông báo #1 đang được gửi tới 2 người" in await admin.say("1")
    received = mai.out[-1]
    assert (
        "Thông báo của Quản Trị" in received
        and "rà soát danh sách kiều bào" in received
        and "1. ✅ Đã nhận" in received
    )
    assert "Thông báo của Quản Trị" in van.out[-1]
    assert "đã ghi nhận" in (await mai.say("Đã nhận")).lower()  # typed, as on Zalo: the newest one waiting
    assert "Đã ghi nhận trước đó" in await mai.say("/danhan 1")
    assert "Tôi chưa hiểu" in await mai.say("đã nhận")  # nothing waits for a receipt any more
    for missing in ("/danhan 2", "/danhan 99999999999999999999"):  # no such announcement: not "already recorded"
        assert "Không có thông báo #" in await mai.say(missing)
    assert "Không có thông báo #1 nào gửi tới anh/chị" in await admin.say("/danhan 1")  # not in its audience
    status = await admin.say("/thongbao 1")
    assert "2 người nhận — đã gửi 2" in status and "đã xác nhận 1" in status and "Chưa xác nhận: Phan Văn Vân" in status
    assert "Đã gửi lại cho 1 người" in await admin.say("gửi lại cho người chưa xác nhận")
    assert "Thông báo của Quản Trị" in van.out[-1]
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(BroadcastRecipient)) == 2
    assert "Không có thông báo #1" in await (await member(app, "khac", unit_code=HAI_VAN, role=Role.SUPERVISOR,
                                                          name="Lê Khác")).say("/thongbao 1")  # fmt: skip


async def test_replies_are_claimed_before_bulk(app: App) -> None:
    now = utcnow()
    async with app.db.transaction() as session:
        await outbox.enqueue(session, [outbox.Outgoing("telegram", str(1000 + i), None, {"text": "bulk"}, priority=1)
                                       for i in range(600)], now)  # fmt: skip
        await outbox.enqueue(session, [outbox.Outgoing("telegram", "42", None, {"text": "reply"})], now)
    async with app.db.transaction() as session:
        claimed = await outbox.claim(session, ["telegram"], "w", now, timedelta(seconds=60), 10)
    assert claimed[0].chat_id == "42" and len(claimed) == 10
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 601


def test_plans_and_broadcasts_from_the_command_line(tmp_path: Path) -> None:
    seed = SEEDS / "ke-hoach-tam-ky-2024.txt"
    parsed = caunoi(tmp_path, "plan", "parse", str(seed))
    data = json.loads(parsed.stdout)
    assert set(data) >= {"issuer", "number", "place", "issued_on", "doc_type", "title", "basis", "sections", "excerpts",
                         "dates", "recipients", "signer"}  # fmt: skip
    assert data["issued_on"] == "2024-03-22" and {d["kind"] for d in data["dates"]} >= {
        "deadline",
        "citation",
        "rhythm",
    }
    assert "→ Ban Thường trực Ủy ban MTTQ Việt Nam các xã, phường" in caunoi(tmp_path, "plan", "parse", str(seed),
                                                                             "--format", "text").stdout  # fmt: skip
    assert caunoi(tmp_path, "units", "import-vn", "--province", "48").returncode == 0
    imported = caunoi(tmp_path, "plan", "import", str(seed), "--schedules", "--unit", "48")
    assert "plan #1 published" in imported.stdout and imported.stdout.count("schedule: ") == 2, imported.stderr
    dry = caunoi(tmp_path, "broadcast", "send", "--unit", "48", "--level", "commune", "--text", "Xin chào", "--dry-run")
    assert "0 person(s) would receive it" in dry.stdout
    sent = caunoi(tmp_path, "broadcast", "send", "--text", "Xin chào", "--file", str(seed))
    assert "broadcast #1" in sent.stdout, sent.stderr
    assert "Thông báo #1: 0 người nhận" in caunoi(tmp_path, "broadcast", "status", "1").stdout
    assert caunoi(tmp_path, "plan", "parse", str(tmp_path / "missing.txt")).returncode != 0
