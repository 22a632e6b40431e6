"""End to end over real HTTP: the real bot process against the fake Bot API server, by polling and by webhook."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app import App
from handlers.announcements import broadcasts
from storage.models import ActivityReport, AuditEntry, ChannelIdentity, OutboxMessage
from tests.fake_telegram import FakeTelegram
from tests.helpers import BotProcess, BotTask, eventually, free_port, invite, seed_units

OFFICER = 777001


def bot_env(telegram: FakeTelegram, database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "CAUNOI_TELEGRAM_BOT_TOKEN": telegram.token,
        "CAUNOI_TELEGRAM_API_URL": telegram.url,
        "CAUNOI_DATABASE_URL": database_url,
        "CAUNOI_DATA_DIR": str(tmp_path / "data"),
        "CAUNOI_LOG_LEVEL": "INFO",
        "CAUNOI_TELEGRAM_CHAT_RATE_PER_SECOND": "100",
        "CAUNOI_TELEGRAM_CHAT_BURST": "20",
        **extra,
    }


class Chat:
    """One officer's phone: send, tap, and wait for the bot's answer."""

    def __init__(self, telegram: FakeTelegram, user_id: int) -> None:
        self.telegram, self.user_id = telegram, user_id
        telegram.user(user_id, "Lan")

    @property
    def seen(self) -> int:
        return len(self.telegram.messages_to(self.user_id))

    async def send(self, text: str, expect: str) -> str:
        mark = self.seen
        await self.telegram.send_text(self.user_id, text)
        return (await self.telegram.wait_for(self.user_id, expect, after=mark)).text

    async def tap(self, label: str, expect: str) -> str:
        mark = self.seen
        await self.telegram.press(self.user_id, label)
        return (await self.telegram.wait_for(self.user_id, expect, after=mark)).text

    async def photo(self, expect: str) -> str:
        mark = self.seen
        await self.telegram.send_photo(self.user_id, "AgACAgPHOTO")
        return (await self.telegram.wait_for(self.user_id, expect, after=mark)).text


async def outbox_drained(app: App) -> None:
    """Waits until every reply is marked sent, so a kill lands between steps rather than mid-send."""

    async def drained() -> bool | None:
        async with app.db.transaction() as session:
            return not await session.scalar(select(func.count()).where(OutboxMessage.status == "pending")) or None

    await eventually(drained, "the outbox drained")


@pytest.fixture
async def polling_bot(
    app: App, telegram: FakeTelegram, database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[BotProcess, str]]:
    """`caunoi run` polling the fake server, over a database with real units; yields it and a fresh invite code.
    In the test's own loop, or as a real process for tests marked ``process`` (a kill)."""
    await seed_units(app)
    code = await invite(app)
    kind = BotProcess if request.node.get_closest_marker("process") else BotTask
    bot = kind(bot_env(telegram, database_url, tmp_path), tmp_path)
    await bot.start()
    yield bot, code
    await bot.stop()


async def count(app: App, model: type) -> int:
    async with app.db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.process
async def test_join_report_with_mistakes_and_survive_a_kill(
    app: App, telegram: FakeTelegram, polling_bot: tuple[BotProcess, str]
) -> None:
    bot, code = polling_bot
    chat = Chat(telegram, OFFICER)
    await chat.send("/start", "mã mời")
    await chat.send("/baocao", "mã mời")  # nobody may report before joining
    await chat.send("ABCD-EFGH", "không đúng")
    await chat.send(f"/start {code[:4]}-{code[4:]}", "Họ và tên")
    await chat.send("Nguyễn Thị Lan", "Cảm ơn Nguyễn Thị Lan")
    assert set(telegram.commands) == {None, "vi", "en"}
    strangers = {command["command"] for command in telegram.commands[None]}
    assert "start" in strangers and not {"baocao", "duyet", "thongbao", "tiendo"} & strangers
    await telegram.wait_until(lambda: OFFICER in telegram.chat_commands)  # the officer's own menu, set on joining
    own = [command["command"] for command in telegram.chat_commands[OFFICER]]
    assert own[0] == "baocao" and "cuatoi" in own and not {"duyet", "thongbao", "tiendo", "nhactre"} & set(own)

    await chat.send("/baocao", "Hoạt động thuộc loại nào")
    await chat.tap("Giao lưu hữu nghị", "diễn ra ngày nào")
    await chat.send("31/2", "Không có ngày này")
    await chat.send("hôm qua", "Tiêu đề")
    await chat.send("Giao lưu <b>hữu nghị</b> & kết nghĩa với Hủa Phăn", "diễn ra ở đâu")

    await outbox_drained(app)
    bot.kill()  # a crash in the middle of the form
    await bot.process.wait()  # type: ignore[union-attr]
    mark = chat.seen
    await telegram.send_text(OFFICER, "Nhà văn hóa phường Tam Kỳ")  # typed while the bot is down
    await bot.start()
    await telegram.wait_for(OFFICER, "bao nhiêu người tham gia", after=mark)

    await chat.send("50-60", "một con số")
    await chat.send("khoảng 50", "Thêm chi tiết")
    await chat.tap("Thêm chi tiết", "Mô tả")
    await chat.tap("Bỏ qua", "nước nào")
    await chat.send("Nước X", "không nhận ra quốc gia")
    await chat.send("lao", "Tổ chức hoặc địa phương")
    await chat.tap("Bỏ qua", "người nước ngoài")
    await chat.send("80", "lớn hơn tổng số 50")
    await chat.send("12", "vận động")
    await chat.send("5tr", "ảnh minh chứng")
    await chat.photo("Đã nhận ảnh thứ 1")
    await chat.tap("Xong", "kiểm tra lại")
    await chat.tap("Sửa", "sửa mục nào")
    await chat.tap("Tiêu đề", "Tiêu đề ngắn")
    review = await chat.send("Giao lưu hữu nghị với tỉnh Hủa Phăn", "kiểm tra lại")
    assert "5.000.000 đồng" in review and "Lào" in review and "1 ảnh" in review

    confirm = telegram.last_with_buttons(OFFICER)
    await chat.tap("Xác nhận", "Đã lưu")
    await telegram.press(OFFICER, "Xác nhận", confirm)  # a double tap on the old message
    await telegram.wait_until(lambda: all(q["answered"] for q in telegram.callbacks.values()))
    assert any(q["text"] and "tin nhắn cũ" in q["text"] for q in telegram.callbacks.values())

    await chat.send("/cuatoi", "Báo cáo của tôi")
    mine = [button["text"] for button in telegram.last_with_buttons(OFFICER).buttons()]
    assert any("Giao lưu hữu nghị với tỉnh Hủa Phăn" in text for text in mine), mine
    await chat.tap("Giao lưu hữu nghị", "Báo cáo #1")  # opened, with its correction button
    assert any("Sửa" in button["text"] for button in telegram.last_with_buttons(OFFICER).buttons())

    await outbox_drained(app)
    async with app.db.transaction() as session:
        reports = (await session.scalars(select(ActivityReport))).all()
        assert len(reports) == 1
        report = reports[0]
        assert (report.kind_code, report.partner_country, report.partner_org) == ("giao_luu_huu_nghi", "LA", None)
        assert (report.participants, report.foreign_participants, report.money_vnd) == (50, 12, 5_000_000)
        assert report.description is None and report.place == "Nhà văn hóa phường Tam Kỳ"
        assert [photo.file_ref for photo in report.photos] == ["AgACAgPHOTO"]
        actions = set((await session.scalars(select(AuditEntry.action))).all())
        assert {"invite.failed", "invite.redeemed", "activity.created"} <= actions
        unsent = await session.scalar(select(func.count()).where(OutboxMessage.status != "sent"))
        assert unsent == 0
    html_sent = [m.html for m in telegram.messages_to(OFFICER)]
    assert any("&lt;b&gt;hữu nghị&lt;/b&gt; &amp; kết nghĩa" in text for text in html_sent)
    assert not telegram.errors, telegram.errors


async def test_back_skip_cancel_and_stale_buttons(
    app: App, telegram: FakeTelegram, polling_bot: tuple[BotProcess, str]
) -> None:
    _, code = polling_bot
    chat = Chat(telegram, OFFICER)
    await chat.send(f"/start {code}", "Họ và tên")
    await chat.send("Trần Văn Bình", "Cảm ơn")
    await chat.send("/baocao", "loại nào")
    first_screen = telegram.last_with_buttons(OFFICER)
    await chat.send("tap huan", "ngày nào")
    await chat.tap("Quay lại", "loại nào")
    await telegram.press(OFFICER, "Giao lưu", first_screen)  # a button from an earlier message
    await telegram.wait_for(OFFICER, "tin nhắn cũ", after=chat.seen - 1)
    await chat.send("2", "ngày nào")
    await chat.send("bỏ qua", "không thể bỏ qua")
    await chat.send("/huy", "Hủy báo cáo hoạt động này")
    await chat.tap("Không, tiếp tục", "ngày nào")
    await chat.send("hủy", "Hủy báo cáo hoạt động này")
    await chat.tap("Có, hủy", "Đã hủy")
    await telegram.send_sticker(OFFICER)
    await telegram.wait_for(OFFICER, "chỉ đọc được chữ và ảnh")
    await chat.send("/ngonngu", "Language set to English")
    await telegram.wait_until(lambda: telegram.chat_commands[OFFICER][0]["description"] == "Report an activity")
    await chat.send("/baocao", "What kind of activity")
    assert await count(app, ActivityReport) == 0
    assert not telegram.errors, telegram.errors


async def test_webhook_refuses_bad_secret_and_dedups_redelivery(
    app: App, telegram: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    await seed_units(app)
    code = await invite(app)
    port = free_port()
    env = bot_env(
        telegram, database_url, tmp_path,
        CAUNOI_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/webhook", CAUNOI_WEBHOOK_SECRET="s3cret-Token_1",
        CAUNOI_WEBHOOK_PORT=str(port),
    )  # fmt: skip
    bot = BotTask(env, tmp_path)
    await bot.start()
    try:
        await bot.wait_webhook_ready(port)
        await telegram.wait_until(lambda: telegram.webhook is not None)
        chat = Chat(telegram, OFFICER)
        await chat.send(f"/start {code}", "Họ và tên")

        forged = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": OFFICER, "type": "private"},
                                              "from": {"id": OFFICER, "is_bot": False, "first_name": "X"}, "text": "/baocao"}}  # fmt: skip
        async with aiohttp.ClientSession() as session:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with session.post(f"http://127.0.0.1:{port}/telegram/webhook", json=forged, headers=headers) as r:
                    assert r.status == 403

        await chat.send("Phạm Thu Hà", "Cảm ơn")
        update_id = await telegram.send_text(OFFICER, "/baocao")
        await telegram.wait_for(OFFICER, "loại nào", after=chat.seen - 1)
        mark = chat.seen
        await telegram.redeliver(update_id)
        await telegram.wait_until(lambda: not telegram.updates)
        await chat.send("/cuatoi", "chưa báo cáo")
        await telegram.wait_for(OFFICER, "loại nào", after=mark)
        await asyncio.sleep(0.5)
        after = [m.text for m in telegram.messages_to(OFFICER)[mark:]]
        assert len(after) == 2, after  # the /cuatoi answer and the form shown again; nothing for the redelivery
    finally:
        await bot.stop()
    async with app.db.transaction() as session:
        identities = (await session.scalars(select(ChannelIdentity))).all()
        assert len(identities) == 1 and identities[0].person_id is not None
    assert 403 not in telegram.webhook_statuses


async def test_webhook_mode_needs_a_secret(telegram: FakeTelegram, tmp_path: Path) -> None:
    env = bot_env(telegram, f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}", tmp_path,
                  CAUNOI_WEBHOOK_URL="https://example.invalid/hook")  # fmt: skip
    bot = BotProcess(env, tmp_path)
    await bot.start()
    assert await bot.process.wait() != 0  # type: ignore[union-attr]
    assert "CAUNOI_WEBHOOK_SECRET" in bot.log.read_text()
    assert not telegram.calls


async def test_blocked_user_is_marked_unreachable_and_flood_is_retried(
    app: App, telegram: FakeTelegram, polling_bot: tuple[BotProcess, str]
) -> None:
    _, code = polling_bot
    chat = Chat(telegram, OFFICER)
    telegram.flood(OFFICER, retry_after=1)
    await chat.send(f"/start {code}", "Họ và tên")  # arrives after the 429 and retry_after
    assert any("Too Many Requests" in error for _, error in telegram.errors)
    telegram.block(OFFICER)
    await telegram.send_text(OFFICER, "Lê Minh")

    async def unreachable() -> bool | None:
        """Both the person and the reply to "Lê Minh" (the block's my_chat_member may mark the person first, and
        their message then marks them reachable again until the reply meets the 403: wait for the end of it)."""
        async with app.db.transaction() as session:
            identity = await session.scalar(select(ChannelIdentity))
            statuses = set((await session.scalars(select(OutboxMessage.status))).all())
        return (identity is not None and identity.unreachable_at is not None and "unreachable" in statuses) or None

    await eventually(unreachable, "the blocked user and the reply to them marked unreachable")
    forbidden = [error for _, error in telegram.errors if error.startswith("Forbidden")]
    assert len(forbidden) <= 1  # learnt from the one 403, or from the block's my_chat_member first; never retried


async def test_a_person_who_blocks_the_bot_is_unreachable_before_any_send(
    app: App, telegram: FakeTelegram, polling_bot: tuple[BotProcess, str]
) -> None:
    """Telegram tells the bot when it is blocked (``my_chat_member``): the person is marked at once, leaves the
    audiences that count the reachable, and costs no failed send; unblocking makes them reachable again."""
    _, code = polling_bot
    chat = Chat(telegram, OFFICER)
    await chat.send(f"/start {code}", "Họ và tên")
    await chat.send("Lê Minh", "Cảm ơn")

    async def unreachable(expected: bool) -> bool | None:
        async with app.db.transaction() as session:
            identity = await session.scalar(select(ChannelIdentity))
            return True if identity is not None and (identity.unreachable_at is not None) == expected else None

    await outbox_drained(app)  # the welcome's last message is out before the block
    seen = len(telegram.sent)
    telegram.block(OFFICER)
    await eventually(lambda: unreachable(True), "the blocked person marked unreachable")
    async with app.db.transaction() as session:
        targets = await broadcasts.recipients(session, broadcasts.Audience())
    assert [target.identity for target in targets] == [None]  # counted in the audience, with nobody to reach
    assert len(telegram.sent) == seen and not telegram.errors  # nothing was sent, nothing failed
    telegram.unblock(OFFICER)
    await eventually(lambda: unreachable(False), "the person reachable again")
