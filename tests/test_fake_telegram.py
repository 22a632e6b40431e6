"""The fake Bot API server refuses what the real one refuses; otherwise the end-to-end tests would prove little."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from tests.fake_telegram import FakeTelegram


async def call(telegram: FakeTelegram, method: str, token: str | None = None, **params: Any) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{telegram.url}/bot{token or telegram.token}/{method}", data=params) as response,
    ):
        return response.status, await response.json()


@pytest.mark.parametrize(("method", "params", "status", "message"), [
    ("sendMessage", {"chat_id": "1", "text": "<b>bold</b>"}, 200, ""),
    ("sendMesage", {"chat_id": "1", "text": "x"}, 404, "Not Found"),
    ("sendMessage", {"text": "x"}, 400, "chat_id"),
    ("sendMessage", {"chat_id": "1"}, 400, "text"),
    ("sendMessage", {"chat_id": "1", "text": "x", "disable_notification": "maybe"}, 400, "disable_notification"),
    ("sendMessage", {"chat_id": "1", "text": "a < b", "parse_mode": "HTML"}, 400, "can't parse entities"),
    ("sendMessage", {"chat_id": "1", "text": "Tom & Jerry", "parse_mode": "HTML"}, 400, "can't parse entities"),
    ("sendMessage", {"chat_id": "1", "text": "<script>x</script>", "parse_mode": "HTML"}, 400, "Unsupported"),
    ("sendMessage", {"chat_id": "1", "text": "<b>x</i>", "parse_mode": "HTML"}, 400, "can't parse entities"),
    ("sendMessage", {"chat_id": "1", "text": "x" * 4097}, 400, "too long"),
    ("sendMessage", {"chat_id": "1", "text": "<b>" + "x" * 4096 + "</b>", "parse_mode": "HTML"}, 200, ""),
    ("sendMessage", {"chat_id": "999", "text": "x"}, 400, "chat not found"),
    ("sendMessage", {"chat_id": "1", "text": "x", "reply_markup": json.dumps(
        {"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]})}, 400, "BUTTON_DATA_INVALID"),
    ("sendMessage", {"chat_id": "1", "text": "x", "reply_markup": json.dumps({"inline_keyboard": [[{"callback_data": "x"}]]})},
     400, "reply_markup"),
    ("answerCallbackQuery", {"callback_query_id": "nope"}, 400, "query is too old"),
    ("setMyCommands", {"commands": json.dumps([{"command": "Bao-Cao", "description": "x"}])}, 400, "BOT_COMMAND_INVALID"),
])  # fmt: skip
async def test_strictness(
    telegram: FakeTelegram, method: str, params: dict[str, str], status: int, message: str
) -> None:
    telegram.user(1)
    code, body = await call(telegram, method, **params)
    assert code == status, body
    assert message in body.get("description", "")


async def test_wrong_token_blocked_user_and_flood(telegram: FakeTelegram) -> None:
    assert (await call(telegram, "getMe", token="1:bad"))[0] == 401
    telegram.user(2)
    telegram.flood(2, retry_after=3)
    code, body = await call(telegram, "sendMessage", chat_id="2", text="x")
    assert code == 429 and body["parameters"]["retry_after"] == 3
    telegram.block(2)
    code, body = await call(telegram, "sendMessage", chat_id="2", text="x")
    assert code == 403 and "blocked by the user" in body["description"]


async def test_get_updates_conflicts_with_a_webhook(telegram: FakeTelegram) -> None:
    assert (await call(telegram, "setWebhook", url="http://127.0.0.1:9/hook", secret_token="ok_1"))[0] == 200
    code, body = await call(telegram, "getUpdates")
    assert code == 409 and "webhook is active" in body["description"]
    assert (await call(telegram, "setWebhook", url="http://127.0.0.1:9/hook", secret_token="no spaces"))[0] == 400
