"""What an operator watches: ``/healthz`` (the process is alive: it answers, and its delivery worker runs),
``/readyz`` (it can do its work: the database answers and the outbox is not stuck) and ``/metrics`` in Prometheus'
text format (updates handled and how long they took, deliveries by outcome, the outbox's backlog for replies and for
messages to many, periodic work's durations and failures and what it queued, background jobs waiting and running,
how long they took and how they ended), through prometheus-client.
Counters are this process's; the outbox figures are the database's, shared by every worker.

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
from sqlalchemy import func, select

from storage import jobs
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
PERIODIC_MESSAGES = Counter("caunoi_periodic_messages_total", "Messages queued by periodic work", ["periodic"],
                            registry=REGISTRY)  # fmt: skip
PERIODIC_SECONDS = Histogram("caunoi_periodic_seconds", "Time one run of periodic work took (reminder sweep, "
                             "housekeeping)", ["periodic"], registry=REGISTRY,
                             buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300))  # fmt: skip
PERIODIC_FAILURES = Counter("caunoi_periodic_failures_total", "Runs of periodic work that failed", ["periodic"],
                            registry=REGISTRY)  # fmt: skip
JOBS = Gauge("caunoi_jobs", "Background jobs (files being made) by status: queued, running (all workers)",
             ["status"], registry=REGISTRY)  # fmt: skip
JOB_RESULTS = Counter("caunoi_jobs_finished_total", "Background jobs this process finished, by kind and result "
                      "(done, retry, failed)", ["kind", "result"], registry=REGISTRY)  # fmt: skip
JOB_SECONDS = Histogram("caunoi_job_seconds", "Time a background job took to make its files", ["kind"],
                        registry=REGISTRY, buckets=(0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600))  # fmt: skip
OUTBOX_PENDING = Gauge("caunoi_outbox_pending", "Messages due in the outbox (all workers), by kind", ["kind"],
                       registry=REGISTRY)  # fmt: skip
OUTBOX_OLDEST = Gauge("caunoi_outbox_oldest_pending_seconds", "Age of the oldest message due and not yet sent",
                      ["kind"], registry=REGISTRY)  # fmt: skip
KINDS = {0: "reply", 1: "bulk"}  # outbox priorities: replies to conversations, messages to many
STUCK_AFTER = 900.0  # seconds: a message due this long and not sent makes /healthz fail


async def outbox_backlog(app: App, now: datetime) -> dict[str, tuple[int, float]]:
    """For replies and for messages to many: (messages due, seconds the oldest of them has waited)."""
    async with app.db.transaction() as session:
        rows = (await session.execute(
            select(OutboxMessage.priority, func.count(), func.min(OutboxMessage.not_before))
            .where(OutboxMessage.status == PENDING, OutboxMessage.not_before <= now)
            .group_by(OutboxMessage.priority)
        )).all()  # fmt: skip
    backlog = {kind: (0, 0.0) for kind in KINDS.values()}
    for priority, pending, oldest in rows:
        backlog[KINDS.get(priority, "bulk")] = (int(pending), max(0.0, (now - oldest).total_seconds()))
    return backlog


def add_routes(site: web.Application, app: App, worker_alive: object, token: str | None) -> None:
    """``worker_alive()`` says whether the delivery worker's task still runs."""

    async def health(request: web.Request) -> web.Response:
        alive = bool(worker_alive())  # type: ignore[operator]
        body = {"ok": alive, "problems": [] if alive else ["delivery worker stopped"]}
        return web.json_response(body, status=200 if alive else 503)

    async def ready(request: web.Request) -> web.Response:
        problems: list[str] = []
        backlog: dict[str, tuple[int, float]] = {}
        try:
            async with asyncio.timeout(3):
                backlog = await outbox_backlog(app, app.clock())
        except Exception as error:  # the database is down or too slow: say so, do not raise
            problems.append(f"database: {type(error).__name__}")
        if not worker_alive():  # type: ignore[operator]
            problems.append("delivery worker stopped")
        oldest = max((age for _, age in backlog.values()), default=0.0)
        if oldest > STUCK_AFTER:
            problems.append(f"outbox stuck: oldest due message waiting {oldest:.0f} s")
        body = {"ok": not problems, "problems": problems,
                "outbox_pending": sum(count for count, _ in backlog.values()) if backlog else None,
                "oldest_pending_seconds": round(oldest, 1) if backlog else None}  # fmt: skip
        return web.json_response(body, status=200 if not problems else 503)

    async def metrics(request: web.Request) -> web.Response:
        given = request.headers.get("Authorization", "")
        allowed = request.remote in ("127.0.0.1", "::1") if token is None else hmac.compare_digest(
            given.encode(), f"Bearer {token}".encode())  # fmt: skip
        if not allowed:
            return web.Response(status=403, text="forbidden\n")
        try:
            for kind, (pending, oldest) in (await outbox_backlog(app, app.clock())).items():
                OUTBOX_PENDING.labels(kind).set(pending)
                OUTBOX_OLDEST.labels(kind).set(oldest)
            async with app.db.transaction() as session:
                for status, count in (await jobs.counts(session)).items():
                    JOBS.labels(status).set(count)
        except Exception:  # still serve the process's counters
            for kind in KINDS.values():
                OUTBOX_PENDING.labels(kind).set(float("nan"))
        return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})

    site.router.add_get("/healthz", health)
    site.router.add_get("/readyz", ready)
    site.router.add_get("/metrics", metrics)
