"""Telegram's webhook: an aiohttp route that refuses requests without the secret and answers 200 only when done.

Telegram retries any update that did not get a 2xx, so answering after the commit (not before) is what makes
"durably handled" true; redeliveries are absorbed by the processed-update keys.
"""

from __future__ import annotations

import hmac
import logging

from aiogram import Bot
from aiogram.types import Update
from aiohttp import web
from pydantic import SecretStr, ValidationError

from bot.channels.telegram import handle_update
from bot.config import Settings
from bot.conversation import ConversationService

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def checked_secret(value: SecretStr | None, variable: str) -> str:
    """A configured webhook secret; webhook mode does not start without one."""
    if value is None or not value.get_secret_value():
        raise SystemExit(f"{variable} must be set to run in webhook mode.")
    secret = value.get_secret_value()
    if not 8 <= len(secret) <= 256 or not all(ch.isalnum() or ch in "_-" for ch in secret):
        raise SystemExit(f"{variable} must be 8-256 characters of A-Z, a-z, 0-9, _ and -.")
    return secret


def secret_matches(request: web.Request, header: str, secret: str) -> bool:
    return hmac.compare_digest(request.headers.get(header, "").encode(), secret.encode())


def add_telegram_route(app: web.Application, bot: Bot, service: ConversationService, settings: Settings) -> None:
    secret = checked_secret(settings.webhook_secret, "CAUNOI_WEBHOOK_SECRET")

    async def receive(request: web.Request) -> web.Response:
        if not secret_matches(request, SECRET_HEADER, secret):
            return web.Response(status=403, text="forbidden")
        try:
            update = Update.model_validate(await request.json(), context={"bot": bot})
        except (ValueError, ValidationError):
            return web.Response(status=400, text="bad update")
        try:
            await handle_update(bot, service, update)
        except Exception:
            log.exception("update %s could not be stored; Telegram will retry it", update.update_id)
            return web.Response(status=500, text="retry")
        return web.Response(status=200)

    app.router.add_post(settings.webhook_path, receive)
