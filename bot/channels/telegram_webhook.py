"""Webhook mode: an aiohttp endpoint that refuses requests without the secret and answers 200 only when done.

Telegram retries any update that did not get a 2xx, so answering after the commit (not before) is what makes
"durably handled" true; redeliveries are absorbed by the processed-update keys.
"""

from __future__ import annotations

import hmac
import logging

from aiogram import Bot
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.channels.telegram import handle_update
from bot.config import Settings
from bot.conversation import ConversationService

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024


def webhook_secret(settings: Settings) -> str:
    """The configured secret; webhook mode does not start without one."""
    if settings.webhook_secret is None or not settings.webhook_secret.get_secret_value():
        raise SystemExit("CAUNOI_WEBHOOK_SECRET must be set to run in webhook mode (CAUNOI_WEBHOOK_URL is set).")
    secret = settings.webhook_secret.get_secret_value()
    if not 1 <= len(secret) <= 256 or not all(ch.isalnum() or ch in "_-" for ch in secret):
        raise SystemExit("CAUNOI_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -.")
    return secret


def make_webhook_app(bot: Bot, service: ConversationService, settings: Settings) -> web.Application:
    secret = webhook_secret(settings).encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, secret):
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

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(settings.webhook_path, receive)
    app.router.add_get("/healthz", health)
    return app
