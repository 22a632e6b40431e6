"""What an operator sees, on SQLite and PostgreSQL: /healthz says whether the process is alive (its delivery worker
runs), /readyz whether the database answers and the outbox moves (503 with the reason when not); /metrics counts updates, their handling time and
deliveries, and the outbox's backlog, for this machine or the holder of the metrics token only."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import ValidationError

from bot.app import App
from bot.config import Settings
from bot.log_format import JsonFormatter
from bot.observability import REGISTRY, add_routes
from bot.runtime import _every
from storage import outbox
from tests.helpers import Transcript, invite, seed_units


async def _client(app: App, *, alive: bool = True, token: str | None = None) -> TestClient:
    site = web.Application()
    add_routes(site, app, lambda: alive, token)
    client = TestClient(TestServer(site))
    await client.start_server()
    return client


async def test_health_and_metrics(app: App) -> None:
    await seed_units(app)
    chat = Transcript(app, "mai")
    await chat.say("xin chào")
    await chat.say(await invite(app))
    client = await _client(app)
    try:
        assert (await client.get("/healthz")).status == 200
        ready = await client.get("/readyz")
        body = await ready.json()
        assert ready.status == 200 and body["ok"] and body["outbox_pending"] == 0
        metrics = await (await client.get("/metrics")).text()
        assert 'caunoi_updates_total{channel="console",outcome="handled"}' in metrics
        assert "caunoi_update_seconds_count" in metrics
        assert (
            'caunoi_outbox_pending{kind="reply"} 0.0' in metrics and 'caunoi_outbox_pending{kind="bulk"} 0.0' in metrics
        )
        assert 'caunoi_deliveries_total{channel="console",outcome="sent"}' in metrics
        assert 'caunoi_jobs{status="queued"} 0.0' in metrics and 'caunoi_jobs{status="running"} 0.0' in metrics
        async with app.db.transaction() as session:  # a message due 20 minutes ago and still not sent
            await outbox.enqueue(session, [outbox.Outgoing("telegram", "42", None, {"text": "x"})],
                                 app.clock() - timedelta(minutes=20))  # fmt: skip
        stuck = await client.get("/readyz")
        assert stuck.status == 503 and "outbox stuck" in (await stuck.json())["problems"][0]
        assert (await client.get("/healthz")).status == 200  # alive all the same: a restart would not help
        metrics = await (await client.get("/metrics")).text()
        assert 'caunoi_outbox_pending{kind="reply"} 1.0' in metrics
        assert 'caunoi_outbox_oldest_pending_seconds{kind="reply"} 1' in metrics  # 1200 s and a little
    finally:
        await client.close()
    stopped = await _client(app, alive=False)
    try:
        for path in ("/healthz", "/readyz"):
            answer = await stopped.get(path)
            assert answer.status == 503 and "delivery worker stopped" in (await answer.json())["problems"]
    finally:
        await stopped.close()


async def test_metrics_need_the_token_when_one_is_set(app: App) -> None:
    client = await _client(app, token="s3cret-token")
    try:
        assert (await client.get("/metrics")).status == 403
        assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status == 403
        allowed = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
        assert allowed.status == 200 and "caunoi_outbox_pending" in await allowed.text()
    finally:
        await client.close()


async def test_periodic_jobs_are_timed_and_their_failures_counted() -> None:
    stop = asyncio.Event()
    runs: list[int] = []

    async def job() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("the first run fails")
        stop.set()

    await _every(0, stop, job, "test job")
    assert runs == [0, 1]  # the failure did not stop the next run
    assert REGISTRY.get_sample_value("caunoi_periodic_failures_total", {"periodic": "test job"}) == 1
    assert REGISTRY.get_sample_value("caunoi_periodic_seconds_count", {"periodic": "test job"}) == 2


def test_json_logs_are_one_object_per_line() -> None:
    formatter = JsonFormatter()
    try:
        raise ValueError("hỏng")
    except ValueError:
        record = logging.LogRecord("bot.delivery", logging.ERROR, __file__, 1, "round %s failed", ("7",),
                                   sys.exc_info())  # fmt: skip
    line = formatter.format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert (parsed["level"], parsed["logger"], parsed["message"]) == ("ERROR", "bot.delivery", "round 7 failed")
    assert parsed["time"].endswith("+00:00") and "ValueError: hỏng" in parsed["exception"]
    with pytest.raises(ValidationError):
        Settings(log_format="yaml", _env_file=None)  # type: ignore[call-arg]
