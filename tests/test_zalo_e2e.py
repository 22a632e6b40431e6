"""The bot on Zalo, end to end over real HTTP against the fake Zalo Bot API: everything typed (no buttons there),
long polling and webhook, duplicate deliveries, 2,000-character plain text, signed download links, linking a
second messenger, and the same transcript giving the same record on Telegram, Zalo and the console."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.channels.zalo import ZaloClient, poll
from bot.engine.events import Inbound
from handlers.announcements import broadcasts
from storage.models import ActivityReport, ChannelIdentity, OverseasRecord
from storage.types import utcnow
from tests.fake_platform import WAIT
from tests.fake_telegram import FakeTelegram
from tests.fake_zalo import FakeZalo
from tests.helpers import BotTask, free_port, invite, member, seed_units
from tests.test_telegram_e2e import Chat, bot_env

OFFICER = "a1b2c3d4e5f60001"


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZalo]:
    server = FakeZalo()
    await server.start()
    yield server
    await server.stop()


def zalo_env(zalo: FakeZalo, database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"CAUNOI_ZALO_BOT_TOKEN": zalo.token, "CAUNOI_ZALO_API_URL": zalo.url, "CAUNOI_DATABASE_URL": database_url,
            "CAUNOI_DATA_DIR": str(tmp_path / "data"), "CAUNOI_ZALO_CHAT_RATE_PER_SECOND": "100",
            "CAUNOI_ZALO_CHAT_BURST": "50", "CAUNOI_ZALO_RATE_PER_SECOND": "100", **extra}  # fmt: skip


class ZaloChat:
    def __init__(self, zalo: FakeZalo, user_id: str) -> None:
        self.zalo, self.user_id = zalo, user_id

    @property
    def seen(self) -> int:
        return len(self.zalo.messages_to(self.user_id))

    async def send(self, text: str, expect: str) -> str:
        mark = self.seen
        await self.zalo.send_text(self.user_id, text)
        return (await self.zalo.wait_for(self.user_id, expect, after=mark)).text


def assert_plain(zalo: FakeZalo) -> None:
    """Nothing sent to Zalo is over 2,000 characters or carries markup; no call had keyboard parameters."""
    assert not zalo.errors, zalo.errors
    for message in zalo.sent:
        assert 1 <= len(message.text) <= 2000
        words = re.sub(r"https?://\S+", "", message.text)  # a link's random name may hold "__": it is not markup
        assert not re.search(r"</?[a-z]+>|\*\*|__|&lt;|&amp;", words), message.text
    assert all(set(params) <= {"chat_id", "text", "timeout", "url", "secret_token"} for _, params in zalo.calls)


REPORT_TYPED = [
    ("/baocao", "Hoạt động thuộc loại nào"), ("giao luu huu nghi", "diễn ra ngày nào"), ("31/2", "Không có ngày này"),
    ("hom qua", "Tiêu đề"), ("Giao lưu hữu nghị với tỉnh Hủa Phăn", "ở đâu"), ("Nhà văn hóa phường", "bao nhiêu người"),
    ("khoang 120", "Thêm chi tiết"), ("1", "Mô tả"), ("bo qua", "nước nào"), ("quay lai", "Mô tả"),
    ("Hai bên trao đổi kinh nghiệm", "nước nào"), ("Lao", "tổ chức"), ("Tỉnh Hủa Phăn", "người nước ngoài"),
    ("30", "Tiền"), ("15 trieu", "ảnh minh chứng"),
]  # fmt: skip


async def test_zalo_officer_joins_reports_and_keeps_the_register(
    app: App, zalo: FakeZalo, database_url: str, tmp_path: Path
) -> None:
    await seed_units(app)
    code = await invite(app)
    bot = BotTask(zalo_env(zalo, database_url, tmp_path), tmp_path)
    await bot.start()
    try:
        chat = ZaloChat(zalo, OFFICER)
        await chat.send("xin chao", "mã mời")
        await chat.send(code.lower(), "Họ và tên")
        await chat.send("Nguyễn Thị Lan", "Cảm ơn")
        for text, expect in REPORT_TYPED:
            photos = await chat.send(text, expect)
        assert "gõ “xong”" in photos and "bấm" not in photos  # nothing can be pressed on Zalo
        mark = chat.seen
        await zalo.send_sticker(OFFICER)
        await zalo.wait_for(OFFICER, "chỉ đọc được chữ và ảnh", after=mark)
        mark = chat.seen
        await zalo.send_image(OFFICER)
        await zalo.wait_for(OFFICER, "Đã nhận ảnh thứ 1", after=mark)
        review = await chat.send("xong", "kiểm tra lại")
        assert "1. ✅ Xác nhận và gửi" in review and "“sửa " in review and "bấm" not in review
        await chat.send("sua tieu de", "Tiêu đề")
        await chat.send("Giao lưu hữu nghị Việt – Lào", "kiểm tra lại")
        sent = await chat.send("xac nhan", "Đã lưu")
        assert "#1" in sent
        again = await zalo.send_text(OFFICER, "xac nhan")  # and the same message delivered twice: one effect
        mark = chat.seen
        await zalo.redeliver(again)
        await zalo.wait_for(OFFICER, "Anh/chị muốn làm gì", after=mark)

        await chat.send("/kieubao them", "Họ và tên của người")
        for text, expect in [("tran van hung", "Giới tính"), ("1", "Năm sinh"), ("1978", "nước nào"),
                             ("han", "Thành phố"), ("bo qua", "từ năm nào"), ("bo qua", "Nghề nghiệp"),
                             ("lao dong", "hội đoàn"), ("bo qua", "liên lạc"), ("bo qua", "thân nhân"),
                             ("Trần Thị Hoa", "quan hệ"), ("vo", "Thôn"), ("thon 2", "di động"),
                             ("0905 111 222", "hội viên"), ("khong", "Đóng góp")]:  # fmt: skip
            await chat.send(text, expect)
        for _ in range(3):
            await chat.send("bo qua", "?")
        await chat.send("bo qua", "kiểm tra lại")
        await chat.send("xac nhan", "Đã lưu thành hồ sơ #1")
        # searched as people type on Zalo: no diacritics, capitals, a hyphen, words out of order, a slip on the way
        await chat.send("/kieubao tim", "có dấu hay không dấu đều được")
        await chat.send("...", "Không tìm thấy ai khớp với “...”")  # punctuation only: nothing, not everyone
        assert "Có 1 hồ sơ" in await chat.send("/kieubao tim TRAN-van", "hồ sơ khớp")
        assert "Tran Van Hung" in await chat.send("1", "Tình trạng")  # the typed number opens the first result
        assert "Có 1 hồ sơ" in await chat.send("/kieubao tim hung tran", "hồ sơ khớp")
        await chat.send("/kieubao tim hoa", "Tran Van Hung")  # the relative's name finds the record too
        await chat.send("/kieubao tim ung", "Không tìm thấy")  # the middle of a word is not the start of one
        await chat.send("/kieubao mau", "Zalo không gửi được tệp")
        async with app.db.transaction() as session:  # an announcement reaches Zalo too, and is acknowledged by typing
            audience = broadcasts.Audience()
            targets = await broadcasts.recipients(session, audience)
            await broadcasts.send(session, audience, targets, "Họp giao ban ngày 25/11", None, sender_id=None,
                                  sender_label="Ban Thường trực", now=utcnow())  # fmt: skip
        announced = await zalo.wait_for(OFFICER, "Họp giao ban")
        assert "1. ✅ Đã nhận" in announced.text and "/danhan 1" in announced.text
        await chat.send("/danhan 1", "đã ghi nhận")
        assert_plain(zalo)
    finally:
        await bot.stop()
    async with app.db.transaction() as session:
        report = (await session.scalars(select(ActivityReport))).one()
        record = (await session.scalars(select(OverseasRecord))).one()
    assert (report.title, report.participants, report.money_vnd, report.partner_country) == (
        "Giao lưu hữu nghị Việt – Lào", 120, 15_000_000, "LA")  # fmt: skip
    assert (record.full_name, record.country) == ("Tran Van Hung", "KR")
    photo = report.photos[0]
    assert photo.channel == "zalo" and photo.file_ref.startswith("media:")  # downloaded: Zalo's links expire
    assert (tmp_path / "data" / "media" / photo.file_ref.removeprefix("media:")).read_bytes().startswith(b"\xff\xd8")


async def test_zalo_webhook_and_signed_downloads(app: App, zalo: FakeZalo, database_url: str, tmp_path: Path) -> None:
    await seed_units(app)
    code = await invite(app)
    port = free_port()
    env = zalo_env(zalo, database_url, tmp_path, CAUNOI_ZALO_WEBHOOK_URL=f"http://127.0.0.1:{port}/zalo/webhook",
                   CAUNOI_ZALO_WEBHOOK_SECRET="zalo-secret-123", CAUNOI_WEBHOOK_PORT=str(port),
                   CAUNOI_PUBLIC_URL=f"http://127.0.0.1:{port}", CAUNOI_LINK_SECRET="a-long-link-signing-secret")  # fmt: skip
    bot = BotTask(env, tmp_path)
    await bot.start()
    try:
        await bot.wait_webhook_ready(port)
        async with aiohttp.ClientSession() as http:
            update = {"event_name": "message.text.received", "message": {"message_id": "x1", "text": "hi",
                      "chat": {"id": "evil", "chat_type": "PRIVATE"}, "from": {"id": "evil"}}}  # fmt: skip
            for headers in ({}, {"X-Bot-Api-Secret-Token": "wrong-secret"}):
                async with http.post(f"http://127.0.0.1:{port}/zalo/webhook", json=update, headers=headers) as answer:
                    assert answer.status == 403
            chat = ZaloChat(zalo, OFFICER)
            await chat.send(code, "Họ và tên")
            await chat.send("Nguyễn Thị Lan", "Cảm ơn")
            text = await chat.send("/kieubao mau", "Tải tệp")
            link = re.search(r"(http://\S+)", text)
            assert link is not None and "sig=" in link.group(1)
            async with http.get(link.group(1)) as answer:
                assert answer.status == 200 and (await answer.read())[:2] == b"PK"  # an .xlsx (zip) file
            async with http.get(link.group(1).replace("sig=", "sig=0")) as answer:
                assert answer.status == 403
        assert "evil" not in {message.chat_id for message in zalo.sent}
        assert all(status == 200 for status in zalo.webhook_statuses)
        assert_plain(zalo)
    finally:
        await bot.stop()


async def test_same_transcript_same_record_on_every_channel_and_linking(
    app: App, zalo: FakeZalo, telegram: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    await seed_units(app)
    env = {**bot_env(telegram, database_url, tmp_path), **zalo_env(zalo, database_url, tmp_path)}
    bot = BotTask(env, tmp_path)
    await bot.start()
    try:
        on_zalo, on_telegram = ZaloChat(zalo, OFFICER), Chat(telegram, 780001)
        await on_zalo.send(await invite(app), "Họ và tên")
        await on_zalo.send("Lê Văn Zalo", "Cảm ơn")
        await on_telegram.send(f"/start {await invite(app)}", "Họ và tên")
        await on_telegram.send("Lê Văn Telegram", "Cảm ơn")
        console = await member(app, "console-officer", name="Lê Văn Console")
        for text, expect in [*REPORT_TYPED, ("xong", "kiểm tra lại"), ("xac nhan", "Đã lưu")]:
            await on_zalo.send(text, expect)
            await on_telegram.send(text, expect)
            assert expect.lower() in (await console.say(text)).lower()

        code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", await on_telegram.send("/lienket", "trong vòng 15 phút"))
        assert code is not None
        second = ZaloChat(zalo, "b2c3d4e5f6a70002")  # the Telegram officer's own Zalo account, new to the bot
        assert "Đã liên kết. Lê Văn Telegram" in await second.send(code.group(0).lower(), "Đã liên kết")
        assert "Lê Văn Telegram" in await second.send("/start", "Xin chào")
        stranger = ZaloChat(zalo, "c3d4e5f6a7b80003")
        assert "không đúng" in await stranger.send(code.group(0), "không đúng")  # a link code works once
    finally:
        await bot.stop()
    async with app.db.transaction() as session:
        reports = (await session.scalars(select(ActivityReport).order_by(ActivityReport.id))).all()
        persons = await session.scalar(select(func.count(func.distinct(ChannelIdentity.person_id))))
    fields: list[dict[str, Any]] = [
        {key: getattr(r, key) for key in ("kind_code", "activity_date", "title", "description", "place",
                                          "partner_country", "partner_org", "participants", "foreign_participants",
                                          "money_vnd", "unit_id", "form_version")}
        for r in reports
    ]  # fmt: skip
    assert len(fields) == 3 and fields[0] == fields[1] == fields[2]
    assert persons == 3  # the linked Zalo account belongs to the Telegram officer's person (and so is one of three)


async def test_an_idle_long_poll_is_not_a_failure(caplog: pytest.LogCaptureFixture) -> None:
    """Zalo ends an idle long poll with ``"ok": false`` and 408; the bot polls again at once and warns nobody, so
    the first message after a quiet hour is answered as fast as any other."""
    server = FakeZalo()
    await server.start()
    handled: list[Inbound] = []
    arrived = asyncio.Event()

    class Recorder:
        async def handle(self, event: Inbound) -> None:
            handled.append(event)
            arrived.set()

    stop = asyncio.Event()
    try:
        async with aiohttp.ClientSession() as session:
            client = ZaloClient(server.url, server.token, session)
            assert await client.get_updates(1) == []
            with caplog.at_level(logging.WARNING, logger="bot.channels.zalo"):
                task = asyncio.create_task(poll(client, Recorder(), stop, poll_seconds=1))  # type: ignore[arg-type]
                await asyncio.sleep(3.5)  # three idle polls
                started = asyncio.get_running_loop().time()
                await server.send_text("u-idle", "xin chào")
                await asyncio.wait_for(arrived.wait(), WAIT)
                latency = asyncio.get_running_loop().time() - started
                stop.set()
                await task
        assert handled and handled[0].text == "xin chào"
        assert latency < 1.5, latency  # the poll was waiting, not backing off
        assert not [r for r in caplog.records if "getUpdates failed" in r.getMessage()]
    finally:
        await server.stop()
