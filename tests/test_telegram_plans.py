"""A plan's life on the fake Bot API server, as people would live it: an officer who sends a plan is told who may;
the admin sends a Word plan, taps through the preview, corrects a deadline typed wrongly, publishes; the officer
receives the part and the tasks, taps one done, types another done, and fails to close a task that is not theirs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from storage.people import Role
from tests.fake_telegram import FakeTelegram
from tests.helpers import DA_NANG, TAM_KY, BotTask, invite, seed_units
from tests.test_plan_formats import word_plan
from tests.test_telegram_e2e import Chat, bot_env

ADMIN, OFFICER = 779001, 779002
WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
async def plan_bot(app: App, telegram: FakeTelegram, database_url: str, tmp_path: Path) -> AsyncIterator[BotTask]:
    await seed_units(app)
    bot = BotTask(bot_env(telegram, database_url, tmp_path), tmp_path)
    await bot.start()
    yield bot
    await bot.stop()


async def join(app: App, telegram: FakeTelegram, user_id: int, unit: str, role: Role, name: str) -> Chat:
    chat = Chat(telegram, user_id)
    await chat.send(f"/start {await invite(app, unit, role)}", "Họ và tên")
    await chat.send(name, "Cảm ơn")
    return chat


async def test_a_plan_on_telegram(app: App, telegram: FakeTelegram, plan_bot: BotTask) -> None:
    admin = await join(app, telegram, ADMIN, DA_NANG, Role.ADMIN, "Quản Trị Viên")
    officer = await join(app, telegram, OFFICER, TAM_KY, Role.OFFICER, "Đỗ Thị Mai")
    plan = word_plan(2027)

    mark = officer.seen
    await telegram.send_document(OFFICER, "ke-hoach.docx", plan, WORD)
    await telegram.wait_for(OFFICER, "Chỉ quản trị viên và cán bộ phụ trách", after=mark)

    mark = admin.seen
    await telegram.send_document(ADMIN, "Kế hoạch đối ngoại.docx", plan, WORD)
    preview = (await telegram.wait_for(ADMIN, "Xem trước kế hoạch", after=mark)).text
    assert "Việc sẽ theo dõi (3):" in preview and "30/6/2027" in preview
    assert "ngày/tháng/năm" in await admin.send("/kehoach han 1 2 ba mươi tháng sáu", "ngày/tháng/năm")  # a slip
    mark = admin.seen
    await admin.send("/kehoach han 1 2 20/6/2027", "nay có hạn 20/6/2027")
    await telegram.wait_for(ADMIN, "2. Ban Công tác Mặt trận các thôn — 20/6/2027", after=mark)  # the preview again
    await admin.tap("Ban hành và gửi phần việc cho từng đơn vị", "việc cần theo dõi, đã gửi tới")

    tasks = (await telegram.wait_for(OFFICER, "Việc của đơn vị theo kế hoạch")).text
    assert "Gặp mặt kiều bào dịp Tết" in tasks
    await officer.tap("✅ Đã hoàn thành việc 1", "Đã ghi nhận hoàn thành: Gặp mặt kiều bào dịp Tết")
    await officer.send("xong 1", "Đã ghi nhận hoàn thành")  # typed, as on Zalo: the first of those still open
    await officer.send("/viec xong 999999999", "Đơn vị anh/chị không có việc #999999999")
    left = await officer.send("/viec", "Việc theo kế hoạch đơn vị chưa hoàn thành")
    assert "Gặp mặt kiều bào" not in left and "1." in left
    assert not telegram.errors, telegram.errors  # every call was one the Bot API accepts
