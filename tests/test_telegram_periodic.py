"""Periodic reports end to end on the fake Bot API server: a reminder with a button that still works later, filing
with pre-filled figures, and the supervisor's return → correction → resubmission → approval."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.config import Settings
from storage import schedules
from storage.models import PeriodicReport, PeriodicReportEvent
from storage.people import Role
from storage.types import utcnow
from storage.units import by_code
from tests.fake_telegram import FakeTelegram
from tests.helpers import DA_NANG, TAM_KY, BotTask, invite, seed_units
from tests.test_telegram_e2e import Chat, bot_env

OFFICER, SUPERVISOR = 779001, 779002


@pytest.fixture
async def periodic_bot(
    app: App, settings: Settings, telegram: FakeTelegram, database_url: str, tmp_path: Path
) -> AsyncIterator[BotTask]:
    await seed_units(app)
    async with app.db.transaction() as session:
        province = await by_code(session, DA_NANG)
        assert province is not None
        await schedules.save(session, "dnnd-thang", create=True, now=utcnow(), name="Báo cáo tháng đối ngoại",
                             period_type="month", level="commune", root_unit_id=province.id, deadline_days_after=7,
                             remind_before=[40], remind_after=[])  # fmt: skip
    env = bot_env(telegram, database_url, tmp_path, CAUNOI_REMINDER_HOURS="[0, 24]", CAUNOI_REMINDER_SWEEP_SECONDS="1")
    bot = BotTask(env, tmp_path)
    await bot.start()
    yield bot
    await bot.stop()


async def test_remind_file_return_resubmit_approve(app: App, telegram: FakeTelegram, periodic_bot: BotTask) -> None:
    officer, boss = Chat(telegram, OFFICER), Chat(telegram, SUPERVISOR)
    await officer.send(f"/start {await invite(app, TAM_KY)}", "Họ và tên")
    mark = officer.seen
    await officer.send("Nguyễn Thị Lan", "Cảm ơn")
    reminder = await telegram.wait_for(OFFICER, "Đơn vị anh/chị chưa nộp", after=mark)
    reminded = re.search(r"Báo cáo tháng đối ngoại — (tháng \d+/\d+)", reminder.text)
    assert reminded is not None, reminder.text  # a deadline day has two periods within reach: file the one reminded

    await officer.send("/trogiup", "báo cáo")  # the conversation moves on; the reminder's button still works
    mark = officer.seen
    await telegram.press(OFFICER, "Nộp báo cáo ngay", reminder)
    opened = await telegram.wait_for(OFFICER, "Kết quả chủ yếu", after=mark)
    assert "chưa có hoạt động nào" in "\n".join(m.text for m in telegram.messages_to(OFFICER)[mark:])
    assert opened.buttons()
    await officer.send("Tuyên truyền Chỉ thị 12 tại 5 tổ dân phố", "Khó khăn")
    await officer.tap("Bỏ qua", "Đề xuất")
    review = await officer.tap("Bỏ qua", "kiểm tra lại")
    assert "• Số hoạt động: 0" in review
    await officer.tap("Nộp báo cáo", "Đã nộp")

    await boss.send(f"/start {await invite(app, DA_NANG, Role.SUPERVISOR)}", "Họ và tên")
    await boss.send("Trần Văn Tỉnh", "Cảm ơn")
    summary = await boss.send("/tiendo", "đúng hạn")
    assert "1/94 đã nộp" in summary
    await boss.tap(f"Báo cáo tháng đối ngoại — {reminded[1]}", "chờ duyệt 1")
    shown = await boss.tap("Duyệt: Phường Tam Kỳ", "Lịch sử")
    assert "Tuyên truyền Chỉ thị 12" in shown
    await boss.tap("Trả lại kèm nhận xét", "Đơn vị cần sửa gì")
    await boss.send("Ghi rõ số người tham gia", "kiểm tra lại")
    mark = officer.seen
    await boss.tap("Trả lại báo cáo", "Đã trả lại")
    returned = await telegram.wait_for(OFFICER, "bị trả lại", after=mark)
    assert "Ghi rõ số người tham gia" in returned.text

    mark = officer.seen
    await telegram.press(OFFICER, "Sửa báo cáo", returned)
    await telegram.wait_for(OFFICER, "kiểm tra lại", after=mark)
    await officer.send("sửa 2", "Số người tham gia")
    await officer.send("khoảng 150", "kiểm tra lại")
    mark = boss.seen
    await officer.tap("Nộp báo cáo", "Đã nộp")
    back = await telegram.wait_for(SUPERVISOR, "đã sửa và nộp lại", after=mark)
    mark = boss.seen
    await telegram.press(SUPERVISOR, "Xem và duyệt", back)
    await telegram.wait_for(SUPERVISOR, "người tham gia: 150", after=mark)
    mark = officer.seen
    await boss.tap("Duyệt", "Đã duyệt")
    await telegram.wait_for(OFFICER, "đã được duyệt", after=mark)

    async with app.db.transaction() as session:
        report = (await session.scalars(select(PeriodicReport))).one()
        actions = (await session.scalars(select(PeriodicReportEvent.action).order_by(PeriodicReportEvent.id))).all()
    assert report.status == "approved" and report.figures["participants"] == 150
    assert actions == ["submitted", "returned", "resubmitted", "approved"]
