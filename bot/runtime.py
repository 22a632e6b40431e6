"""``caunoi run``: Telegram and/or Zalo, each polling or on webhooks, with delivery, reminders and housekeeping."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

import aiohttp
from aiohttp import web

from bot import observability
from bot.app import App
from bot.channels.telegram import ALLOWED_UPDATES, TelegramSender, fetcher, make_bot, poll, register_commands
from bot.channels.telegram_webhook import add_telegram_route
from bot.channels.webhook import WebhookSender
from bot.channels.zalo import ZaloClient, ZaloSender, add_zalo_route
from bot.channels.zalo import poll as zalo_poll
from bot.config import Settings
from bot.downloads import Downloads
from bot.files import ObjectStore
from bot.registry import Periodic
from bot.web.api import DataApi
from bot.web.console import WebConsole
from storage import cluster_runs, jobs, retention
from storage.conversations import prune_processed
from storage.types import utcnow

log = logging.getLogger(__name__)
HOUSEKEEPING_EVERY = 3600
CHECKPOINT_EVERY = 1.0
MAX_BODY = 1024 * 1024
GC_YOUNG_GENERATION = 10_000


def tune_gc() -> None:
    """Called once start-up is done. Start-up objects (models, catalogs, compiled queries) live forever: frozen, they
    are left out of every collection. And with dozens of updates in flight, the default young generation (700
    objects) is collected every few updates, mostly finding objects still in use, which it then promotes and scans
    again in the older generations. At 10,000 the collector's time under the webhook benchmark fell from 0.021 to
    0.004 ms per update, and its longest pause from 2.9 to 2.2 ms."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_GENERATION, 10, 10)


async def run_bot(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Runs every configured channel until SIGINT/SIGTERM (or ``stop`` is set, when the caller owns the process: the
    tests run the real webhook app in theirs); all state is in the database, so a restart resumes.

    Telegram and Zalo each poll, or take webhooks on one shared web server (which also serves signed downloads when
    ``CAUNOI_PUBLIC_URL`` is set); the delivery worker, reminder sweep and housekeeping run beside them.
    """
    if settings.telegram_bot_token is None and settings.zalo_bot_token is None:
        raise SystemExit(
            "Set CAUNOI_TELEGRAM_BOT_TOKEN and/or CAUNOI_ZALO_BOT_TOKEN; use 'caunoi demo' to try the bot without one."
        )
    app = App(settings)
    downloads = Downloads(settings, app.files)
    site = web.Application(client_max_size=MAX_BODY)
    alive: list[asyncio.Task[None]] = []  # the delivery worker's task, once started
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    delivering = settings.delivery
    observability.add_routes(site, app, lambda: not delivering or (bool(alive) and not alive[0].done()), token)
    listening = downloads.enabled or settings.health_server
    if downloads.enabled:
        downloads.add_route(site)
        WebConsole(app).add_routes(site)  # the console's links are built on CAUNOI_PUBLIC_URL too
        DataApi(app).add_routes(site)
    hooks = WebhookSender(app.db, app.cipher)  # other systems told of each new or changed report (caunoi webhook add)
    app.add_sender(hooks)
    bot = make_bot(settings) if settings.telegram_bot_token is not None else None
    if bot is not None:
        app.add_sender(TelegramSender(bot, settings))
        app.pipeline.fetchers["telegram"] = fetcher(bot)
        if settings.webhook_url:
            add_telegram_route(site, bot, app.pipeline, settings)
            listening = True
    zalo_session = aiohttp.ClientSession() if settings.zalo_bot_token is not None else None
    client = None
    zalo_secret = None
    if zalo_session is not None and settings.zalo_bot_token is not None:
        client = ZaloClient(settings.zalo_api_url, settings.zalo_bot_token.get_secret_value(), zalo_session)
        app.add_sender(ZaloSender(client, settings, downloads.link))
        app.pipeline.photo_fetchers["zalo"] = client.download
        if settings.zalo_webhook_url:
            zalo_secret = add_zalo_route(site, app.pipeline, settings)
            listening = True
    await app.migrate()
    held = contextlib.AsyncExitStack()
    shared = settings.redis_url is not None  # with one budget in Redis, any number of workers may send
    if delivering and not shared and not await held.enter_async_context(app.db.exclusive("sender")):
        await held.aclose()
        await app.close()
        raise SystemExit(
            "Another 'caunoi run' already delivers messages from this database. Two senders, each pacing itself, "
            "would together exceed Telegram's and Zalo's limits. Set CAUNOI_REDIS_URL on every worker so they share "
            "one limiter, or start this one with CAUNOI_DELIVERY=false — it then takes updates and queues replies, "
            "which the other sends — or stop the other."
        )
    tune_gc()
    stop = stop or _stop_on_signals()
    tasks = _background(app, stop, downloads, deliver=delivering)
    alive.extend(tasks[:1] if delivering else [])
    runner = web.AppRunner(site, access_log=None) if listening else None
    try:
        if runner is not None:
            await runner.setup()
            await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
            log.info("web server on %s:%s", settings.webhook_host, settings.webhook_port)
        if bot is not None:
            await register_commands(bot, app.registry)
            if settings.webhook_url:
                secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
                await bot.set_webhook(settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
                log.info("Telegram webhook at %s", settings.webhook_path)
            else:
                log.info("Telegram long polling %s", settings.telegram_api_url)
                tasks.append(asyncio.create_task(poll(bot, app.pipeline, stop)))
        if client is not None:
            if zalo_secret is not None:
                await client.call("setWebhook", url=settings.zalo_webhook_url, secret_token=zalo_secret)
                log.info("Zalo webhook at %s", settings.zalo_webhook_path)
            else:
                log.info("Zalo long polling %s", settings.zalo_api_url)
                tasks.append(asyncio.create_task(zalo_poll(client, app.pipeline, stop)))
        await stop.wait()
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await held.aclose()
        if runner is not None:
            await runner.cleanup()
        if bot is not None:
            await bot.session.close()
        if zalo_session is not None:
            await zalo_session.close()
        await hooks.close()
        await app.close()


def _stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM, for a process that owns its loop (the tests pass their own event)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    return stop


async def serve_console(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """``caunoi web serve``: the web console (and /healthz, /metrics) alone, for an instance apart from the bot's;
    what it queues (reminders, notices) is delivered by a ``caunoi run`` on the same database."""
    app = App(settings)
    site = web.Application(client_max_size=MAX_BODY)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    observability.add_routes(site, app, lambda: True, token)
    WebConsole(app).add_routes(site)
    DataApi(app).add_routes(site)
    await app.migrate()
    stop = stop or _stop_on_signals()
    runner = web.AppRunner(site, access_log=None)
    try:
        await runner.setup()
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        log.info("web console on %s:%s", settings.webhook_host, settings.webhook_port)
        await stop.wait()
    finally:
        await runner.cleanup()
        await app.close()


async def _every(seconds: float, stop: asyncio.Event, job: Callable[[], Awaitable[object]], name: str) -> None:
    """Runs ``job`` now and then every ``seconds`` until ``stop``; a failure is logged and counted, and the next run
    still comes. Each run's duration goes to ``caunoi_periodic_seconds``."""
    while not stop.is_set():
        started = time.perf_counter()
        try:
            await job()
        except Exception:
            log.exception("%s failed", name)
            observability.PERIODIC_FAILURES.labels(name).inc()
        observability.PERIODIC_SECONDS.labels(name).observe(time.perf_counter() - started)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _my_turn(app: App, name: str, every: float) -> bool:
    """Whether this worker runs ``name`` now: once per interval across the cluster (``storage.cluster_runs``), on
    real time (a test's clock may stand still)."""
    async with app.db.transaction() as session:
        return await cluster_runs.take_turn(session, name, every, utcnow())


def _background(app: App, stop: asyncio.Event, downloads: Downloads, *, deliver: bool) -> list[asyncio.Task[None]]:
    """Delivery; background jobs (files); every area's periodic work (the reminder sweep) and housekeeping (processed-
    update keys after their retention period, and every retention schedule), each once per interval across the
    cluster — under an advisory lock on PostgreSQL, and only if no worker ran it within the interval (the reminder
    log keeps each reminder single whatever happens); this machine's download files; and on SQLite, keeping the
    write-ahead log short off the request path (see storage.db)."""

    shared_files = isinstance(app.files, ObjectStore)

    async def prune() -> None:
        async with app.db.exclusive("housekeeping") as mine:
            if mine and await _my_turn(app, "housekeeping", HOUSEKEEPING_EVERY):
                await housekeeping()
                if shared_files:  # the object store every worker shares: once per cluster
                    await files_prune()
        if not shared_files:  # this machine's files
            await files_prune()

    async def files_prune() -> None:
        await downloads.prune()
        await app.files.remove_older(jobs.FILES, jobs.FILES_KEPT_HOURS * 3600)

    async def housekeeping() -> None:
        async with app.db.transaction() as session:
            await prune_processed(session, utcnow() - timedelta(days=app.settings.processed_update_retention_days))
            await jobs.prune(session, app.clock())
            swept = await retention.sweep(session, app.clock())
        if swept.total():
            log.info("retention: %d draft(s), %d staged import(s), %d plan draft(s), %d link code(s) removed",
                     swept.drafts, swept.imports, swept.plans, swept.link_codes)  # fmt: skip

    def periodic_task(periodic: Periodic) -> asyncio.Task[None]:
        every = periodic.every(app.settings)

        async def once() -> None:
            async with app.db.exclusive(f"job:{periodic.name}") as mine:  # one worker at a time, once per interval
                if not mine or not await _my_turn(app, periodic.name, every):
                    return
                if queued := await periodic.run(app):
                    observability.PERIODIC_MESSAGES.labels(periodic.name).inc(queued)
                    app.worker.wake()

        return asyncio.create_task(_every(every, stop, once, periodic.name))

    tasks = [
        *([asyncio.create_task(app.worker.run(stop))] if deliver else []),
        asyncio.create_task(app.jobs.run(stop)),
        asyncio.create_task(_every(HOUSEKEEPING_EVERY, stop, prune, "housekeeping (retention)")),
        *(periodic_task(periodic) for periodic in app.registry.periodic),
    ]
    if app.db.is_sqlite:
        tasks.append(asyncio.create_task(_every(CHECKPOINT_EVERY, stop, app.db.checkpoint, "SQLite checkpoint")))
    return tasks
