"""The baseline for bench/webhook_bench.py: a bare aiogram 3 echo bot in webhook mode, configured like `caunoi run`.

It answers each text inside the webhook request (no database, no outbox): the framework's own cost per update.
With ``ECHO_WITH_FIXES=1`` it also gets the two process-level fixes ``caunoi run`` applies to aiogram and Python (the
pinned ``Response`` models of ``bot.channels.telegram`` and the young GC generation of ``bot.runtime``), so that the
benchmark can tell what they are worth to the framework alone.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]


async def main() -> None:
    env = os.environ
    if env.get("ECHO_WITH_FIXES") == "1":
        sys.path.insert(0, str(ROOT))
        import bot.channels.telegram  # pins aiogram's Response models on import
        from bot.runtime import tune_gc

        tune_gc()
    session = AiohttpSession(api=TelegramAPIServer.from_base(env["CAUNOI_TELEGRAM_API_URL"]))
    bot = Bot(env["CAUNOI_TELEGRAM_BOT_TOKEN"], session=session)
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    app = web.Application()
    SimpleRequestHandler(
        dispatcher, bot, handle_in_background=False, secret_token=env["CAUNOI_WEBHOOK_SECRET"]
    ).register(app, path="/telegram/webhook")
    app.router.add_get("/healthz", lambda request: web.json_response({"ok": True}))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(env["CAUNOI_WEBHOOK_PORT"])).start()
    await bot.set_webhook(env["CAUNOI_WEBHOOK_URL"], secret_token=env["CAUNOI_WEBHOOK_SECRET"])
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
