"""Several workers on one PostgreSQL database. Without a shared limiter only one sends the outbox — a second `caunoi
run` that would send too refuses to start and says why, one started with CAUNOI_DELIVERY=false takes updates beside
it. With Redis, three send together within one platform budget."""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.app import App
from handlers.announcements import broadcasts
from storage import schedules
from storage.models import ActivityReport, OutboxMessage
from storage.types import utcnow
from storage.units import by_code
from tests.conftest import DATABASES, REDIS_URL, needs_redis
from tests.fake_telegram import FakeTelegram
from tests.helpers import HAI_VAN, BotProcess, eventually, free_port, many_officers, seed_units
from tests.test_telegram_e2e import bot_env


@pytest.mark.process
@pytest.mark.parametrize("database_url", [DATABASES[1]], indirect=True)  # the rule is PostgreSQL's: one process
async def test_a_second_sender_refuses_to_start(app: App, telegram: FakeTelegram, database_url: str,
                                                tmp_path: Path) -> None:  # fmt: skip
    await seed_units(app)
    first = BotProcess(bot_env(telegram, database_url, tmp_path / "a"), tmp_path)
    second = BotProcess(bot_env(telegram, database_url, tmp_path / "b"), tmp_path / "b")
    receiver = BotProcess(bot_env(telegram, database_url, tmp_path / "c", CAUNOI_DELIVERY="false"), tmp_path / "c")
    for folder in ("b", "c"):
        (tmp_path / folder).mkdir(exist_ok=True)
    await first.start()
    try:
        await telegram.wait_until(lambda: any(call[0] == "getUpdates" for call in telegram.calls), timeout=60)
        await second.start()
        assert await second.process.wait() != 0  # type: ignore[union-attr]
        assert "already delivers messages from this database" in second.log.read_text()
        await receiver.start()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(receiver.process.wait(), 3)  # type: ignore[union-attr]  # runs: it takes updates
    finally:
        await receiver.stop()
        await first.stop()


class RoundRobin:
    """A load balancer in front of the workers' webhook servers: each update to the next worker; a worker that does
    not answer (killed) gets 502, and the platform sends the update again, to the next one."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.turn = itertools.count()
        self.runner: web.AppRunner | None = None
        self.port = free_port()

    async def start(self) -> None:
        site = web.Application()
        site.router.add_post("/telegram/webhook", self.forward)
        self.runner = web.AppRunner(site, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        self.session = aiohttp.ClientSession()

    async def forward(self, request: web.Request) -> web.Response:
        port = self.ports[next(self.turn) % len(self.ports)]
        body = await request.read()
        try:
            async with self.session.post(f"http://127.0.0.1:{port}/telegram/webhook", data=body,
                                         headers={k: v for k, v in request.headers.items() if k.startswith("X-")} |
                                         {"Content-Type": "application/json"}) as answer:  # fmt: skip
                return web.Response(status=answer.status, body=await answer.read())
        except aiohttp.ClientError:
            return web.Response(status=502)

    async def stop(self) -> None:
        await self.session.close()
        if self.runner is not None:
            await self.runner.cleanup()


BROADCAST = "Thông báo: đề nghị các đồng chí nghiên cứu kế hoạch số 183-KH/MTTQ-BTT."
REPORT = "Tuyên truyền biển đảo tại nhà văn hóa thôn {n} hôm qua có {people} người tham gia"


@pytest.mark.process
@needs_redis
@pytest.mark.parametrize("database_url", [DATABASES[1]], indirect=True)
async def test_three_workers_share_one_budget(app: App, database_url: str, tmp_path: Path) -> None:
    """Three `caunoi run` workers on one PostgreSQL and one Redis, behind a load balancer, against the fake Bot API
    with Telegram's flood control (30 messages/s, one per second per chat): a broadcast to 3,000 officers, a
    reminder sweep every few seconds and 50 officers sending reports at the same time, and one worker killed half-way.
    No 429; every recipient has the announcement exactly once (one more at most, from the killed worker), each
    reminder once; replies never wait behind the broadcast; nothing is lost."""
    telegram = FakeTelegram(limits=(30.0, 1.0))
    await telegram.start()
    await seed_units(app)
    async with app.db.transaction() as session:
        commune = await by_code(session, HAI_VAN)
        assert commune is not None
        await schedules.save(session, "thang", create=True, now=utcnow(), name="Báo cáo tháng", period_type="month",
                             level="commune", root_unit_id=commune.id, deadline_days_after=7,
                             remind_before=list(range(40)), remind_after=[])  # fmt: skip
    readers = await many_officers(app, 3000, 7_000_000)
    reporters = await many_officers(app, 50, 8_000_000, unit_code=HAI_VAN)
    for user in readers + reporters:
        telegram.user(user)
    async with app.db.transaction() as session:
        targets = await broadcasts.recipients(session, broadcasts.Audience())
        await broadcasts.send(session, broadcasts.Audience(), targets, BROADCAST, None, sender_id=None,
                              sender_label="Ban Thường trực", now=utcnow())  # fmt: skip
    ports = [free_port() for _ in range(3)]
    balancer = RoundRobin(ports)
    await balancer.start()
    prefix = f"caunoi-test-{secrets.token_hex(6)}"
    workers = []
    for n, port in enumerate(ports):
        folder = tmp_path / f"w{n}"
        folder.mkdir()
        env = bot_env(telegram, database_url, folder, CAUNOI_REDIS_URL=REDIS_URL, CAUNOI_REDIS_PREFIX=prefix,
                      CAUNOI_WEBHOOK_URL=f"http://127.0.0.1:{balancer.port}/telegram/webhook",
                      CAUNOI_WEBHOOK_SECRET="cluster_secret", CAUNOI_WEBHOOK_PORT=str(port),
                      CAUNOI_TELEGRAM_CHAT_RATE_PER_SECOND="0.8", CAUNOI_TELEGRAM_CHAT_BURST="1",
                      CAUNOI_REMINDER_SWEEP_SECONDS="3")  # fmt: skip
        workers.append(BotProcess(env, folder))

    def announced() -> Counter[int]:
        return Counter(m.chat_id for m in telegram.sent if BROADCAST in m.text)

    async def report(user: int, n: int) -> float:
        began, mark = time.monotonic(), len(telegram.messages_to(user))
        await telegram.send_text(user, REPORT.format(n=n, people=20 + n))
        review = await telegram.wait_for(user, "kiểm tra lại thông tin", after=mark)
        answered = time.monotonic()
        mark = len(telegram.messages_to(user))
        await telegram.press(user, "Xác nhận và gửi", review)  # the reminder may have come in between
        await telegram.wait_for(user, "Đã lưu", after=mark)
        return max(answered - began, time.monotonic() - answered)

    try:
        for worker, port in zip(workers, ports, strict=True):
            await worker.start()
            await worker.wait_webhook_ready(port)
        waits = await asyncio.gather(*(report(user, n) for n, user in enumerate(reporters)))
        await telegram.wait_until(lambda: len(announced()) >= 1000, timeout=300)
        workers[1].kill()
        await telegram.wait_until(lambda: len(announced()) == len(readers) + len(reporters), timeout=400)
        await eventually(lambda: _all_sent(app), "every outbox message sent", timeout=120)
    finally:
        for worker in workers:
            await worker.stop()
        await balancer.stop()
        await telegram.stop()
    assert telegram.throttled == 0
    counts = announced()
    assert sum(counts.values()) - len(counts) <= 1, [chat for chat, seen in counts.items() if seen > 1]
    reminded = Counter((m.chat_id, m.text) for m in telegram.sent if "Báo cáo tháng" in m.text)
    assert {chat for chat, _ in reminded} == set(reporters), reminded  # every reporter's unit is expected
    assert set(reminded.values()) == {1}, reminded  # each reminder (a unit's period, on a day) once
    assert max(waits) < 10, waits  # the broadcast takes two minutes: no reply queued behind it
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(ActivityReport)) == len(reporters)


async def _all_sent(app: App) -> bool | None:
    async with app.db.transaction() as session:
        left = await session.scalar(select(func.count()).where(OutboxMessage.status != "sent"))
    return left == 0 or None
