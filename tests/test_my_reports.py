"""/cuatoi after sending: a report opened by its reporter only, corrected through the same form and review within
the window, every change kept with who and when, the supervisors told when it had been counted — and nothing after
the window closes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.config import Settings
from storage.models import ActivityChange, ActivityReport, AuditEntry
from storage.people import Role
from tests.helpers import DA_NANG, activity_lines, member
from tests.test_reminders import season


async def test_open_correct_and_the_supervisor_told(settings: Settings, database_url: str) -> None:
    app, clock, _schedule = await season(settings, database_url)
    try:
        clock.set(date(2026, 6, 2), 9)
        mai = await member(app, "mai")
        supervisor = await member(app, "tinh", unit_code=DA_NANG, role=Role.SUPERVISOR, name="Trần Văn Tỉnh")
        for line in activity_lines("tuyen truyen", "1/6", "Tuyên truyền Chỉ thị 12", "Hội trường", "40"):
            await mai.say(line)
        assert "Đã lưu" in await mai.say("xác nhận")
        await mai.say("/baocaoky")
        for line in ("1", "Tổ chức 1 hoạt động", "bỏ qua", "bỏ qua", "xác nhận"):  # the half-year report counts it
            await mai.say(line)

        listed = await mai.say("/cuatoi")
        assert "1. #1 · 1/6/2026 · Tuyên truyền Chỉ thị 12" in listed
        opened = await mai.say("1")
        assert (
            "Tuyên truyền Chỉ thị 12" in opened
            and "40 người tham gia" in opened
            and "sửa đến hết ngày 9/6/2026" in opened
        )
        assert "Vui lòng kiểm tra lại" in await mai.say("1")  # "Correct it": the form opens at its review
        assert "bao nhiêu người" in await mai.say("sửa số người tham gia")
        await mai.say("35")
        before = len(supervisor.out)
        done = await mai.say("1")
        assert "Đã sửa báo cáo #1 (1 thay đổi)" in done and "đã được tính vào Báo cáo 6 tháng" in done
        told = "\n".join(supervisor.out[before:])
        assert "Đỗ Thị Mai đã sửa báo cáo hoạt động #1 (số người tham gia)" in told

        async with app.db.transaction() as session:
            report = (await session.scalars(select(ActivityReport))).one()
            change = (await session.scalars(select(ActivityChange))).one()
            actions = (await session.scalars(select(AuditEntry.action))).all()
        assert report.participants == 35 and change.changes == {"participants": [40, 35]}
        assert change.actor_id == report.reporter_id and "activity.corrected" in actions
        assert "Đã sửa 1 lần" in await mai.say("/cuatoi 1")

        lan = await member(app, "lan", name="Lê Thị Lan")  # the same unit, but not her report
        assert "không có báo cáo #1" in await lan.say("/cuatoi 1")
        assert "không có báo cáo #1" in await lan.say("/cuatoi sua 1")

        clock.set(date(2026, 6, 10), 9)  # the window (7 days from sending) has closed
        assert "Sửa báo cáo" not in await mai.say("/cuatoi 1")
        assert "quá hạn sửa" in await mai.say("/cuatoi sua 1")
    finally:
        await app.close()


async def test_a_correction_confirmed_after_the_window_is_refused(settings: Settings, database_url: str) -> None:
    app, clock, _schedule = await season(settings, database_url)
    try:
        clock.set(date(2026, 6, 2), 9)
        mai = await member(app, "mai")
        for line in [*activity_lines("tap huan", "hôm nay", "Tập huấn", "Hội trường", "20"), "xác nhận"]:
            await mai.say(line)
        await mai.say("/cuatoi sua 1")
        await mai.say("sửa tiêu đề")
        await mai.say("Tập huấn nghiệp vụ")
        clock.set(date(2026, 6, 20), 9)  # the draft stayed open past the window
        assert "quá hạn sửa" in await mai.say("1")
        async with app.db.transaction() as session:
            assert (await session.scalars(select(ActivityReport))).one().title == "Tập huấn"
    finally:
        await app.close()
