"""What an operator sees, on SQLite and PostgreSQL: /healthz says whether the database answers, the delivery
worker runs and the outbox moves (503 with the reason when not); /metrics counts updates, their handling time and
deliveries, and the outbox's backlog, for this machine or the holder of the metrics token only."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.observability import add_routes
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
        healthy = await client.get("/healthz")
        body = await healthy.json()
        assert healthy.status == 200 and body["ok"] and body["outbox_pending"] == 0
        metrics = await (await client.get("/metrics")).text()
        assert 'caunoi_updates_total{channel="console",outcome="handled"}' in metrics
        assert "caunoi_update_seconds_count" in metrics and "caunoi_outbox_pending 0.0" in metrics
        assert 'caunoi_deliveries_total{channel="console",outcome="sent"}' in metrics
        async with app.db.transaction() as session:  # a message due 20 minutes ago and still not sent
            await outbox.enqueue(session, [outbox.Outgoing("telegram", "42", None, {"text": "x"})],
                                 app.clock() - timedelta(minutes=20))  # fmt: skip
        stuck = await client.get("/healthz")
        assert stuck.status == 503 and "outbox stuck" in (await stuck.json())["problems"][0]
    finally:
        await client.close()
    stopped = await _client(app, alive=False)
    try:
        answer = await stopped.get("/healthz")
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
