"""The reminder scheduler over a fake clock, on SQLite and PostgreSQL: a whole reporting season in seconds — exact
reminders to exactly the right people at the right local times, none after submission, none at night, none twice
after a restart or with two workers, and a changed schedule taking over from the old one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.app import App
from bot.config import Settings
from handlers.reports.reminders import sweep
from storage import periodic, schedules
from storage.models import ChannelIdentity, OutboxMessage, ReportSchedule, Unit
from storage.people import Role
from storage.units import by_code
from tests.helpers import DA_NANG, HAI_VAN, TAM_KY, member, seed_units

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def set(self, day: date, hour: int, minute: int = 0) -> datetime:
        self.now = datetime(day.year, day.month, day.day, hour, minute, tzinfo=VN).astimezone(UTC)
        return self.now


async def season(settings: Settings, database_url: str) -> tuple[App, Clock, ReportSchedule]:
    clock = Clock(datetime(2026, 5, 20, 1, tzinfo=UTC))
    app = App(settings, database_url=database_url, clock=clock)
    await app.migrate()
    await seed_units(app)
    async with app.db.transaction() as session:
        province = await by_code(session, DA_NANG)
        assert province is not None
        schedule = await schedules.save(
            session, "dnnd-6thang", create=True, now=clock.now, name="Báo cáo 6 tháng công tác đối ngoại nhân dân",
            period_type="half", level="commune", root_unit_id=province.id, deadline_day=10, deadline_month=6,
            only_periods=[1],
        )  # fmt: skip
    return app, clock, schedule


async def pushed(app: App) -> list[tuple[str, str, datetime]]:
    """(chat, text, local time) of every message the scheduler queued, oldest first."""
    async with app.db.transaction() as session:
        rows = (await session.execute(select(OutboxMessage.chat_id, OutboxMessage.payload, OutboxMessage.created_at)
                                      .order_by(OutboxMessage.id))).all()  # fmt: skip
    return [(chat, payload["text"], at.astimezone(VN)) for chat, payload, at in rows
            if payload.get("title") in ("Nhắc việc", "📊 Tiến độ báo cáo")]  # fmt: skip


async def test_a_reporting_season(settings: Settings, database_url: str) -> None:
    app, clock, schedule = await season(settings, database_url)
    try:
        await member(app, "mai")  # two officers in Phường Tam Kỳ, one in Phường Hải Vân, a supervisor for the city
        await member(app, "lan", name="Lê Thị Lan")
        await member(app, "van", unit_code=HAI_VAN, name="Phan Văn Vân")
        await member(app, "tinh", unit_code=DA_NANG, role=Role.SUPERVISOR, name="Trần Văn Tỉnh")
        day = date(2026, 5, 25)
        while day <= date(2026, 6, 20):
            for hour, minute in ((0, 0), (6, 59), (7, 0), (12, 0), (20, 59), (21, 0), (23, 30)):
                await sweep(app.db, app.settings, clock.set(day, hour, minute))
            if day == date(2026, 6, 8):  # Tam Kỳ files its report after the −3 reminder
                async with app.db.transaction() as session:
                    tam_ky = await by_code(session, TAM_KY)
                    assert tam_ky is not None
                    await periodic.submit(session, schedule, "2026-H1", tam_ky.id, {"results": "Tốt"},
                                          person_id=1, actor_label="Đỗ Thị Mai", deadline=date(2026, 6, 10),
                                          today=day, now=clock.now)  # fmt: skip
            day += timedelta(days=1)
        messages = await pushed(app)
        assert {at.hour for _, _, at in messages} == {7}  # every reminder at the first morning sweep, none at night
        by_chat: dict[str, list[datetime]] = {}
        for chat, _, at in messages:
            by_chat.setdefault(chat, []).append(at)
        days = {chat: [at.date().day for at in ats] for chat, ats in by_chat.items()}
        assert days == {
            "mai": [3, 7],
            "lan": [3, 7],  # −7 and −3; nothing after they submitted
            "van": [3, 7, 9, 10, 11, 13],  # −7, −3, −1, on the day, +1, +3
            "tinh": [10, 11, 13],  # the digest on the day and after
        }
        van = [text for chat, text, _ in messages if chat == "van"]
        assert "còn 7 ngày" in van[0] and "hạn là hôm nay" in van[3] and "quá hạn 3 ngày" in van[5]
        assert "6 tháng đầu năm 2026" in van[0] and "10/6/2026" in van[0]
        digest = next(text for chat, text, _ in messages if chat == "tinh")
        assert "1/94 đơn vị đã nộp" in digest and "Phường Hải Vân" in digest and "Phường Tam Kỳ" not in digest

        again = App(settings, database_url=database_url, clock=clock)  # a restart, and two workers at once
        await asyncio.gather(sweep(again.db, again.settings, clock.set(date(2026, 6, 13), 9)),
                             sweep(app.db, app.settings, clock.now))  # fmt: skip
        await again.close()
        assert len(await pushed(app)) == len(messages)
        clock.set(date(2026, 6, 13), 9)  # a clock that jumps back a week repeats nothing either
        await sweep(app.db, app.settings, clock.set(date(2026, 6, 6), 9))
        assert len(await pushed(app)) == len(messages)
    finally:
        await app.close()


async def test_a_changed_deadline_replaces_the_old_reminders(settings: Settings, database_url: str) -> None:
    app, clock, schedule = await season(settings, database_url)
    try:
        await member(app, "van", unit_code=HAI_VAN, name="Phan Văn Vân")
        await sweep(app.db, app.settings, clock.set(date(2026, 6, 3), 8))
        async with app.db.transaction() as session:
            await schedules.save(session, schedule.code, create=False, now=clock.now, deadline_day=20, deadline_month=6)
        for day in range(4, 22):
            await sweep(app.db, app.settings, clock.set(date(2026, 6, day), 8))
        texts = [(at.day, text) for _, text, at in await pushed(app)]
        assert [day for day, _ in texts] == [3, 13, 17, 19, 20, 21]  # old −7, then the new series for 20/6
        assert all("20/6/2026" in text for _, text in texts[1:])
    finally:
        await app.close()


async def test_blocked_and_moved_units(settings: Settings, database_url: str) -> None:
    app, clock, _schedule = await season(settings, database_url)
    try:
        await member(app, "van", unit_code=HAI_VAN, name="Phan Văn Vân")
        await member(app, "tinh", unit_code=DA_NANG, role=Role.SUPERVISOR, name="Trần Văn Tỉnh")
        boss = await member(app, "quan", unit_code=TAM_KY, role=Role.SUPERVISOR, name="Ngô Quận")
        async with app.db.transaction() as session:  # Hải Vân now answers to Tam Kỳ (a made-up district level)
            hai_van, tam_ky = await by_code(session, HAI_VAN), await by_code(session, TAM_KY)
            assert hai_van is not None and tam_ky is not None
            hai_van.parent_id = tam_ky.id
            await session.execute(update(ChannelIdentity).where(ChannelIdentity.external_id == "van")
                                  .values(unreachable_at=clock.now))  # fmt: skip
        await sweep(app.db, app.settings, clock.set(date(2026, 6, 10), 8))
        chats = [chat for chat, _, _ in await pushed(app)]
        assert "van" not in chats  # blocked the bot: nothing queued for them
        assert chats.count("quan") == 1 and chats.count("tinh") == 1  # each parent gets the digest of its own units
        progress = await boss.say("/tiendo")
        assert "0/2 đã nộp" in progress  # its own commune-level unit and Hải Vân, now below it
        details = await boss.say("1")
        assert "Phường Hải Vân⛔" in details and "⛔ đã chặn bot" in details
        async with app.db.transaction() as session:
            assert await session.scalar(select(Unit.parent_id).where(Unit.code == HAI_VAN)) == tam_ky.id
    finally:
        await app.close()


async def test_no_reminder_for_a_period_that_has_not_begun(settings: Settings, database_url: str) -> None:
    """Reminders 40 days ahead of a monthly deadline on the 7th would reach into next month on the last days of
    this one: only the period that can be filed (begun) is reminded, at the end of a leap February and of a year."""
    clock = Clock(datetime(2028, 2, 1, 1, tzinfo=UTC))
    app = App(settings, database_url=database_url, clock=clock)
    await app.migrate()
    try:
        await seed_units(app)
        async with app.db.transaction() as session:
            province = await by_code(session, DA_NANG)
            assert province is not None
            await schedules.save(session, "dnnd-thang", create=True, now=clock.now, name="Báo cáo tháng",
                                 period_type="month", level="commune", root_unit_id=province.id,
                                 deadline_days_after=7, remind_before=[40], remind_after=[])  # fmt: skip
        await member(app, "mai")
        for day in (date(2028, 2, 29), date(2028, 12, 31)):
            await sweep(app.db, app.settings, clock.set(day, 9))
        texts = [text for chat, text, _ in await pushed(app) if chat == "mai"]
        assert len(texts) == 2, texts
        assert "tháng 2/2028" in texts[0] and "tháng 12/2028" in texts[1]
        assert not any("tháng 3/2028" in text or "tháng 1/2029" in text for text in texts)
    finally:
        await app.close()
