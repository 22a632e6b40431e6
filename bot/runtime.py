"""``caunoi run``: the Telegram bot in polling or webhook mode, with the delivery worker and housekeeping."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web

from bot.app import App
from bot.channels.telegram import ALLOWED_UPDATES, TelegramSender, fetcher, make_bot, poll, register_commands
from bot.channels.telegram_webhook import make_webhook_app, webhook_secret
from bot.config import Settings
from bot.reminders import sweep
from storage.types import utcnow

log = logging.getLogger(__name__)
HOUSEKEEPING_EVERY = 3600
CHECKPOINT_EVERY = 1.0


async def run_telegram(settings: Settings) -> None:
    """Runs until SIGINT/SIGTERM; every piece of state it needs is in the database, so a restart resumes."""
    secret = webhook_secret(settings) if settings.webhook_url else None
    bot = make_bot(settings)
    app = App(settings)
    app.add_sender(TelegramSender(bot, settings))
    app.service.fetchers["telegram"] = fetcher(bot)
    await app.migrate()
    gc.collect()
    gc.freeze()  # start-up objects (models, catalogs, compiled queries) live forever: keep them out of GC passes
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    tasks = _background(app, stop)
    runner: web.AppRunner | None = None
    try:
        await register_commands(bot, app.registry)
        if secret is not None:
            runner = web.AppRunner(make_webhook_app(bot, app.service, settings))
            await runner.setup()
            await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
            await bot.set_webhook(settings.webhook_url or "", secret_token=secret, allowed_updates=ALLOWED_UPDATES)
            log.info("webhook mode on %s:%s%s", settings.webhook_host, settings.webhook_port, settings.webhook_path)
            await stop.wait()
        else:
            log.info("long polling %s", settings.telegram_api_url)
            await poll(bot, app.service, stop)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        if runner is not None:
            await runner.cleanup()
        await bot.session.close()
        await app.close()


async def _every(seconds: float, stop: asyncio.Event, job: Callable[[], Awaitable[object]], name: str) -> None:
    """Runs ``job`` now and then every ``seconds`` until ``stop``; a failure is logged and the next run still comes."""
    while not stop.is_set():
        try:
            await job()
        except Exception:
            log.exception("%s failed", name)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)


def _background(app: App, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    """Delivery; the reminder sweep (every worker runs it; the reminder log keeps each reminder single); forgetting
    processed-update keys after the retention period (platforms stop redelivering long
    before); and on SQLite, keeping the write-ahead log short off the request path (see storage.db)."""

    async def prune() -> None:
        await app.service.prune_processed(utcnow() - timedelta(days=app.settings.processed_update_retention_days))

    async def remind() -> None:
        result = await sweep(app.db, app.settings, app.service.clock())
        if result.messages:
            log.info("reminders: %d unit(s), %d digest(s), %d message(s)", result.reminded_units, result.digests,
                     result.messages)  # fmt: skip
            app.worker.wake()

    tasks = [
        asyncio.create_task(app.worker.run(stop)),
        asyncio.create_task(_every(HOUSEKEEPING_EVERY, stop, prune, "pruning processed updates")),
        asyncio.create_task(_every(app.settings.reminder_sweep_seconds, stop, remind, "reminder sweep")),
    ]
    if app.db.is_sqlite:
        tasks.append(asyncio.create_task(_every(CHECKPOINT_EVERY, stop, app.db.checkpoint, "SQLite checkpoint")))
    return tasks
