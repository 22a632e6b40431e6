"""Webhooks out, over real HTTP to a receiver in the test: an admin registers a URL (its secret printed once); each
new report reaches it as signed JSON through the outbox — retried after a 500, given up after a 400, never with a
reporter's name —, and a removed URL is sent nothing more."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import re
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.app import App
from bot.channels.webhook import WebhookSender
from storage.models import AuditEntry, OutboxMessage, Webhook
from tests.helpers import TAM_KY, activity_lines, free_port, member, seed_units


class Receiver:
    """Another system's endpoint: answers each request with the next status given, then 200."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self.port = free_port()

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.read()))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def __aenter__(self) -> Receiver:
        site = web.Application()
        site.router.add_post("/caunoi", self.handle)
        self.runner = web.AppRunner(site)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.runner.cleanup()


async def verb(app: App, action: str, **options: Any) -> None:
    await app.registry.cli_verbs[("webhook", action)].run(app, argparse.Namespace(action=action, **options))


async def test_reports_reach_a_registered_url_signed_and_retried(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    await seed_units(app)
    mai = await member(app, "mai")
    sender = WebhookSender(app.db, app.cipher)
    app.add_sender(sender)
    async with Receiver() as receiver:
        await verb(app, "add", url=f"http://127.0.0.1:{receiver.port}/caunoi", unit=None)
        printed = capsys.readouterr().out
        secret = re.search(r"secret[^:]*: ([0-9a-f]{64})", printed).group(1)  # type: ignore[union-attr]
        with pytest.raises(SystemExit):
            await verb(app, "add", url="http://example.org/hook", unit=None)  # plain HTTP elsewhere is refused

        receiver.statuses = [500]  # the receiver is down for a moment
        for line in [*activity_lines("tuyen truyen", "hôm qua", "Tuyên truyền biển đảo", "Nhà văn hóa", "45"),
                     "xác nhận"]:  # fmt: skip
            await mai.say(line)
        await app.worker.drain()
        assert len(receiver.requests) == 1
        await asyncio.sleep(2.2)  # the first retry comes after 2 s
        await app.worker.drain()
        assert len(receiver.requests) == 2 and receiver.requests[0][1] == receiver.requests[1][1]
        headers, body = receiver.requests[1]
        expected = hmac.new(secret.encode(), headers["X-CauNoi-Timestamp"].encode() + b"." + body, hashlib.sha256)
        assert headers["X-CauNoi-Signature"] == "sha256=" + expected.hexdigest()
        assert headers["X-CauNoi-Event"] == "activity.created"
        sent = json.loads(body)
        assert sent["event"] == "activity.created" and sent["data"]["unit_code"] == TAM_KY
        assert sent["data"]["title"] == "Tuyên truyền biển đảo" and sent["data"]["participants"] == 45
        assert "Đỗ Thị Mai" not in body.decode()  # ids and codes, never the reporter's name

        receiver.statuses = [400]  # the receiver refuses this one: given up, not retried forever
        for line in [*activity_lines("tuyen truyen", "hôm nay", "Tuyên truyền lần hai", "Nhà văn hóa", "30"),
                     "xác nhận"]:  # fmt: skip
            await mai.say(line)
        await app.worker.drain()
        async with app.db.transaction() as session:
            failed = await session.scalar(select(func.count()).where(OutboxMessage.channel == "webhook",
                                                                      OutboxMessage.status == "failed"))  # fmt: skip
        assert failed == 1 and len(receiver.requests) == 3

        await verb(app, "list")
        assert f"127.0.0.1:{receiver.port}/caunoi" in capsys.readouterr().out
        await verb(app, "remove", id=1)
        for line in [*activity_lines("tuyen truyen", "hôm nay", "Tuyên truyền lần ba", "Nhà văn hóa", "20"),
                     "xác nhận"]:  # fmt: skip
            await mai.say(line)
        await app.worker.drain()
        assert len(receiver.requests) == 3  # removed: nothing more
    await sender.close()
    async with app.db.transaction() as session:
        actions = (await session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("webhook.%")))).all()
    assert list(actions) == ["webhook.added", "webhook.removed"]


async def test_an_admin_adds_a_webhook_for_one_unit_in_the_web_console(reporting) -> None:  # type: ignore[no-untyped-def]
    """The *Webhook* page: admins only; a bad address refused politely; the secret shown on the answer only; a hook
    for Hải Vân is sent Hải Vân's reports and not Tam Kỳ's; a stopped one is sent nothing more."""
    from storage.people import Role
    from tests.helpers import DA_NANG, HAI_VAN
    from tests.web_client import Console, token_in

    app, _clock, people = reporting
    admin = await member(app, "qt", unit_code=DA_NANG, role=Role.ADMIN, name="Võ Quản Trị")
    async with Console(app) as office, Console(app) as city:
        assert await office.sign_in(token_in(await admin.say("/web"))) == 303
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert (await city.request("GET", "/web/webhook"))[0] == 403  # supervisors do not add webhooks
        csrf = await office.csrf("/web/webhook")
        _, _, response = await office.request("POST", "/web/webhook/them", csrf=csrf, url="http://example.org/x")
        assert "https://" in (await office.request("GET", response.headers["Location"]))[1]
        status, page, _ = await office.request("POST", "/web/webhook/them", csrf=csrf,
                                               url="https://tinh.example.vn/caunoi", unit=HAI_VAN)  # fmt: skip
        assert status == 200
        secret = re.search(r'id="secret">[^<]*<br><code>([0-9a-f]{64})</code>', page)
        assert secret is not None and "Phường Hải Vân" in page
        _, again, _ = await office.request("GET", "/web/webhook")
        assert secret.group(1) not in again and "tinh.example.vn" in again  # shown that once only
        async with app.db.transaction() as session:
            stored = (await session.scalars(select(Webhook.secret))).all()
        assert secret.group(1) not in stored and all(len(value) > 64 for value in stored)  # encrypted at rest
        hook_id = re.search(r'id="webhook-(\d+)"', again).group(1)  # type: ignore[union-attr]

        async def sent() -> list[str]:
            async with app.db.transaction() as session:
                rows = (await session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook"))).all()
            return [json.loads(row.payload["text"])["data"]["unit_code"] for row in rows]

        for who, title in (("mai", "Giao lưu ở Tam Kỳ"), ("van", "Giao lưu ở Hải Vân")):
            for line in [*activity_lines("tuyen truyen", "2/6", title, "Nhà văn hóa", "20"), "xác nhận"]:
                reply = await people[who].say(line)
        assert await sent() == [HAI_VAN], reply
        _, _, response = await office.request("POST", "/web/webhook/bo", csrf=csrf, id=hook_id)
        assert response.status == 303
        assert (await office.request("POST", "/web/webhook/bo", csrf=csrf, id=hook_id))[0] == 404
        for line in [*activity_lines("tuyen truyen", "2/6", "Lần nữa ở Hải Vân", "Nhà văn hóa", "20"), "xác nhận"]:
            await people["van"].say(line)
        assert await sent() == [HAI_VAN]
    async with app.db.transaction() as session:
        actions = (await session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("webhook.%")))).all()
    assert sorted(actions) == ["webhook.added", "webhook.removed"]
