"""Telegram's webhook: an aiohttp route that refuses requests without the secret and answers 200 only when done.

Telegram retries any update that did not get a 2xx, so answering after the commit (not before) is what makes
"durably handled" true; redeliveries are absorbed by the processed-update keys.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.channels.telegram import handle_update
from bot.channels.webhooks import checked_secret, json_body, secret_matches
from bot.config import Settings
from bot.pipeline import UpdatePipeline

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def add_telegram_route(app: web.Application, bot: Bot, service: UpdatePipeline, settings: Settings) -> None:
    secret = checked_secret(settings.webhook_secret, "CAUNOI_WEBHOOK_SECRET")

    async def receive(request: web.Request) -> web.Response:
        if not secret_matches(request, SECRET_HEADER, secret):
            return web.Response(status=403, text="forbidden")
        body = await json_body(request)
        if not isinstance(body, dict):
            return web.Response(status=400, text="bad update")
        try:
            update = Update.model_validate(body, context={"bot": bot})
        except (ValueError, ValidationError, RecursionError):
            return web.Response(status=400, text="bad update")
        try:
            await handle_update(bot, service, update)
        except Exception:
            log.exception("update %s could not be stored; Telegram will retry it", update.update_id)
            return web.Response(status=500, text="retry")
        return web.Response(status=200)

    app.router.add_post(settings.webhook_path, receive)
