"""What an operator watches: ``/healthz`` (the database answers, the delivery worker runs, the outbox is not stuck)
and ``/metrics`` in Prometheus' text format (updates handled and how long they took, deliveries by outcome, the
outbox's backlog, messages queued by background jobs), through prometheus-client. Counters are this process's;
the outbox figures are the database's, shared by every worker.

``/metrics`` answers requests from this machine, or any request carrying ``Authorization: Bearer
CAUNOI_METRICS_TOKEN`` when that is set: nothing personal is in it, but it is nobody else's business either.
"""

from __future__ import annotations

import asyncio
import hmac
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select, text

from storage.models import OutboxMessage
from storage.outbox import PENDING

if TYPE_CHECKING:
    from bot.app import App

REGISTRY = CollectorRegistry()  # this process's, not the library's global one with its default collectors
UPDATES = Counter("caunoi_updates_total", "Inbound updates, by channel and outcome", ["channel", "outcome"],
                  registry=REGISTRY)  # fmt: skip
UPDATE_SECONDS = Histogram("caunoi_update_seconds", "Time to handle one update (lock, transaction, routing)",
                           ["channel"], registry=REGISTRY,
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))  # fmt: skip
DELIVERIES = Counter("caunoi_deliveries_total", "Outbox sends, by channel and outcome", ["channel", "outcome"],
                     registry=REGISTRY)  # fmt: skip
JOB_MESSAGES = Counter("caunoi_job_messages_total", "Messages queued by background jobs", ["job"], registry=REGISTRY)
OUTBOX_PENDING = Gauge("caunoi_outbox_pending", "Messages waiting in the outbox (all workers)", registry=REGISTRY)
OUTBOX_OLDEST = Gauge("caunoi_outbox_oldest_pending_seconds", "Age of the oldest message due and not yet sent",
                      registry=REGISTRY)  # fmt: skip
STUCK_AFTER = 900.0  # seconds: a message due this long and not sent makes /healthz fail


async def outbox_backlog(app: App, now: datetime) -> tuple[int, float]:
    """(messages pending, seconds the oldest due one has waited)."""
    async with app.db.transaction() as session:
        pending, oldest = (await session.execute(
            select(func.count(), func.min(OutboxMessage.not_before))
            .where(OutboxMessage.status == PENDING, OutboxMessage.not_before <= now)
        )).one()  # fmt: skip
    return int(pending or 0), max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0


def add_routes(site: web.Application, app: App, worker_alive: object, token: str | None) -> None:
    """``worker_alive()`` says whether the delivery worker's task still runs."""

    async def health(request: web.Request) -> web.Response:
        problems: list[str] = []
        pending = oldest = None
        try:
            async with asyncio.timeout(3):
                async with app.db.transaction() as session:
                    await session.execute(text("SELECT 1"))
                pending, oldest = await outbox_backlog(app, app.clock())
        except Exception as error:  # the database is down or too slow: say so, do not raise
            problems.append(f"database: {type(error).__name__}")
        if not worker_alive():  # type: ignore[operator]
            problems.append("delivery worker stopped")
        if oldest is not None and oldest > STUCK_AFTER:
            problems.append(f"outbox stuck: oldest due message waiting {oldest:.0f} s")
        body = {"ok": not problems, "problems": problems, "outbox_pending": pending,
                "oldest_pending_seconds": None if oldest is None else round(oldest, 1)}  # fmt: skip
        return web.json_response(body, status=200 if not problems else 503)

    async def metrics(request: web.Request) -> web.Response:
        given = request.headers.get("Authorization", "")
        allowed = request.remote in ("127.0.0.1", "::1") if token is None else hmac.compare_digest(
            given.encode(), f"Bearer {token}".encode())  # fmt: skip
        if not allowed:
            return web.Response(status=403, text="forbidden\n")
        try:
            pending, oldest = await outbox_backlog(app, app.clock())
            OUTBOX_PENDING.set(pending)
            OUTBOX_OLDEST.set(oldest)
        except Exception:  # still serve the process's counters
            OUTBOX_PENDING.set(float("nan"))
        return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})

    site.router.add_get("/healthz", health)
    site.router.add_get("/metrics", metrics)
