"""A plan's tasks followed to done, on SQLite and PostgreSQL: the admin sends a Word plan, sees the tasks it will
follow, corrects a deadline read wrongly and publishes in one tap; every commune's officers get their part and their
tasks, are reminded before each deadline (once, whatever the workers), close a task by tapping or typing; the
supervisor sees which communes are done in /tiendo and /viec, and nobody closes another unit's task."""

from __future__ import annotations

import calendar
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.app import App
from bot.config import Settings
from handlers.plans.tasks import remind_tasks
from storage.models import PlanTask, PlanTaskUnit, Unit
from storage.people import Role
from storage.types import utcnow
from tests.golden import FrozenClock
from tests.helpers import DA_NANG, HAI_VAN, TAM_KY, member, seed_units
from tests.test_plan_formats import word_plan
from tests.test_plan_reader import SEEDS

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=ZONE)


async def test_a_plan_s_tasks_are_pushed_reminded_and_closed(settings: Settings, database_url: str,
                                                              tmp_path: Path) -> None:  # fmt: skip
    clock = FrozenClock(utcnow())  # the tests' pinned instant, whichever it is: the invites are made on it
    app = App(settings, database_url=database_url, clock=clock)
    await app.migrate()
    try:
        await _season(app, clock, tmp_path)
    finally:
        await app.close()


async def _season(app: App, clock: FrozenClock, tmp_path: Path) -> None:
    year = clock.now.astimezone(ZONE).year + 1  # the plan's year: all its deadlines ahead of the pinned instant
    feb = calendar.monthrange(year, 2)[1]  # "Tháng 02": due on its last day, the 29th in a leap year
    before, after = f"{year}-02-{feb - 3:02d}", f"{year}-03-01"
    await seed_units(app)
    admin = await member(app, "admin", unit_code=DA_NANG, role=Role.ADMIN, name="Quản Trị")
    supervisor = await member(app, "tinh", unit_code=DA_NANG, role=Role.SUPERVISOR, name="Trần Văn Tỉnh")
    mai = await member(app, "mai", unit_code=TAM_KY, name="Đỗ Thị Mai")
    van = await member(app, "van", unit_code=HAI_VAN, name="Phan Văn Vân")
    plan_file = tmp_path / "Kế hoạch đối ngoại.docx"
    plan_file.write_bytes(word_plan(year))

    preview = await admin.say(f"!file {plan_file}")
    assert "Việc sẽ theo dõi (3):" in preview
    assert f"1. Ban Thường trực Ủy ban MTTQ các xã, phường — {feb}/2/{year}" in preview  # "Tháng 02": its last day
    assert f"2. Ban Công tác Mặt trận các thôn — 30/6/{year}" in preview  # "Quý II"
    assert f"3. Ban Thường trực Ủy ban MTTQ các xã, phường — 15/6/{year}" in preview
    corrected = await admin.say(f"/kehoach han 1 2 20/06/{year}")  # the admin knows better than the reader
    assert (
        f"Việc số 2 nay có hạn 20/6/{year}" in corrected
        and f"2. Ban Công tác Mặt trận các thôn — 20/6/{year}" in corrected
    )
    assert "Kế hoạch này không có việc số 9" in await admin.say(f"/kehoach han 1 9 20/06/{year}")
    assert "ngày/tháng/năm" in await admin.say("/kehoach han 1 2 ba mươi")
    published = await admin.say("ban hành và gửi phần việc cho từng đơn vị")
    async with app.db.transaction() as session:
        communes = await session.scalar(select(func.count()).select_from(Unit).where(Unit.level == "commune"))
        shares = await session.scalar(select(func.count()).select_from(PlanTaskUnit))
        dues = sorted(str(task.due) for task in (await session.scalars(select(PlanTask))).all())
    assert "Đã ban hành kế hoạch (#1)" in published and "3 việc cần theo dõi, đã gửi tới 2 tài khoản" in published
    assert shares == 3 * communes and dues == [f"{year}-02-{feb}", f"{year}-06-15", f"{year}-06-20"]
    tasks_message = mai.out[-1]
    assert "Việc của đơn vị theo kế hoạch 12/KH-MTTQ:" in tasks_message and "✅ Đã hoàn thành việc 1" in tasks_message
    assert f"Gặp mặt kiều bào dịp Tết — hạn {feb}/2/{year}" in tasks_message
    assert any("Thông báo của Quản Trị" in text and "Gặp mặt kiều bào dịp Tết" in text for text in mai.out)
    again = await admin.say("/kehoach gui 1")  # publishing again sends no task twice
    assert "việc cần theo dõi" not in again

    async with app.db.transaction() as session:
        mine = (await session.scalars(select(PlanTaskUnit).join(Unit, Unit.id == PlanTaskUnit.unit_id)
                                      .where(Unit.code == TAM_KY).order_by(PlanTaskUnit.id))).all()  # fmt: skip
    assert "Đơn vị anh/chị không có việc" in await van.say(f"/viec xong {mine[0].id}")  # not Hải Vân's task
    assert "Đã ghi nhận hoàn thành: Gặp mặt kiều bào dịp Tết" in await mai.say("xong 1")  # typed, as on Zalo
    assert "đã được ghi nhận hoàn thành trước đó" in await mai.say(f"/viec xong {mine[0].id}")
    assert "đã được ghi nhận hoàn thành trước đó" in await mai.say(f"/tasks done {mine[0].id}")  # the English words
    noted = await mai.say(f"/viec ketqua {mine[0].id} Đã gặp mặt 30 kiều bào và thân nhân")
    assert "đã thêm ghi chú" in noted
    todo = await mai.say("/nhacviec")
    assert "Việc theo kế hoạch:" in todo and "Báo cáo kết quả 6 tháng" in todo and "Gặp mặt kiều bào" not in todo

    async def remind(when: datetime) -> int:
        clock.now = when  # the worker delivers what is due by its own clock
        sent = await remind_tasks(app.db, app.settings, when)
        await app.worker.drain()
        return sent

    # three days before the first deadline: Hải Vân (open) is reminded, Tam Kỳ (done) is not; once only
    assert await remind(at(before)) == 1
    assert (
        f"Gặp mặt kiều bào dịp Tết: hạn {feb}/2/{year} (còn 3 ngày). Đơn vị anh/chị chưa báo hoàn thành" in van.out[-1]
    )
    assert "✅ Đã hoàn thành" in van.out[-1]
    assert not any("chưa báo hoàn thành" in text for text in mai.out)
    assert await remind(at(before, 15)) == 0  # a second worker, later that day
    assert await remind(at(f"{year}-02-{feb}", 22)) == 0  # night: nothing
    assert await remind(at(f"{year}-02-{feb}", 7)) == 1  # the day itself, in the morning
    assert f"hạn {feb}/2/{year} (hạn là hôm nay)" in van.out[-1]
    assert await remind(at(after, 8)) == 1 and "(quá hạn 1 ngày)" in van.out[-1]
    assert await remind(at(f"{year}-03-02", 8)) == 0  # then /tiendo shows it late; no fourth message

    clock.now = at(f"{year}-03-02")
    progress = await supervisor.say("/tiendo")
    assert "Việc theo kế hoạch:" in progress and "Gặp mặt kiều bào dịp Tết — 1/" in progress
    assert "Trễ hạn:" in progress and "Hải Vân" in progress and "Tam Kỳ" not in progress.split("Trễ hạn:")[1][:300]
    listed = await supervisor.say("/viec")
    assert "Gặp mặt kiều bào dịp Tết" in listed
    details = await supervisor.say("1")
    assert "Chưa xong:" in details and "Kết quả đã báo:\n• Đã gặp mặt 30 kiều bào" in details


async def test_a_plan_pasted_into_the_chat_is_read_like_a_file(app: App) -> None:
    await seed_units(app)
    admin = await member(app, "admin", unit_code=DA_NANG, role=Role.ADMIN, name="Quản Trị")
    officer = await member(app, "mai")
    pasted = (SEEDS / "ke-hoach-tam-ky-2024.txt").read_text(encoding="utf-8")
    preview = await admin.say(pasted)  # as if copied from the portal into Telegram
    assert "Xem trước kế hoạch" in preview and "KẾ HOẠCH — 22/3/2024" in preview
    assert "Xem trước kế hoạch" not in await officer.say(pasted)  # an officer's long message is not a plan
