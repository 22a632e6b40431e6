"""The platform budget: one per process in memory, or one shared by every worker in Redis (real Redis on
127.0.0.1, each test under keys of its own); and a 429 never makes the outbox give up a message."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.delivery import DeliveryWorker, RetryLater
from bot.engine.replies import Reply
from bot.pacing import LocalPacer, Pace, RedisPacer
from storage import outbox
from storage.models import OutboxMessage
from storage.types import utcnow
from tests.conftest import REDIS_URL, needs_redis

SLOW = Pace(per_second=1.0, per_chat_per_second=1.0, chat_burst=1)  # a second apart: the test never waits that long
CHATTY = Pace(per_second=1e6, per_chat_per_second=1.0, chat_burst=2)


@pytest.fixture
async def pacers() -> AsyncIterator[tuple[RedisPacer, RedisPacer]]:
    """Two workers' pacers on one Redis, as two `caunoi run` processes would have."""
    prefix = f"caunoi-test-{secrets.token_hex(6)}"
    paces = {"slow": SLOW, "chatty": CHATTY}
    first, second = RedisPacer.from_url(REDIS_URL, paces, prefix), RedisPacer.from_url(REDIS_URL, paces, prefix)
    yield first, second
    keys = [key async for key in first.redis.scan_iter(f"{prefix}:*")]
    if keys:
        await first.redis.delete(*keys)
    await first.close()
    await second.close()


@needs_redis
async def test_workers_share_the_channel_budget(pacers: tuple[RedisPacer, RedisPacer]) -> None:
    first, second = pacers
    assert await first.try_channel("slow", urgent=True) == 0
    waited = await second.try_channel("slow", urgent=True)  # another worker: the platform's one budget is spent
    assert 0.5 < waited <= 1.0
    assert await second.try_channel("slow", urgent=True) > 0  # asking again spends nothing and still waits


@needs_redis
async def test_workers_share_each_chats_budget_and_its_burst(pacers: tuple[RedisPacer, RedisPacer]) -> None:
    first, second = pacers
    await first.take("chatty", "7")
    await second.take("chatty", "7")  # a burst of two per chat
    assert await first.chat_wait("chatty", "7") > 0.5
    assert await second.chat_wait("chatty", "8") == 0  # another chat is not held up


@needs_redis
async def test_a_waiting_reply_holds_back_every_workers_broadcast(pacers: tuple[RedisPacer, RedisPacer]) -> None:
    first, second = pacers
    assert await first.try_channel("slow", urgent=False) == 0
    wait = await second.try_channel("slow", urgent=True)
    assert wait > 0  # a reply waits for the next slot, and says so
    await asyncio.sleep(wait)
    assert await first.try_channel("slow", urgent=False) > 0  # the slot is free, but a reply is waiting for it
    assert await second.try_channel("slow", urgent=True) == 0


@needs_redis
async def test_a_429_pauses_the_channel_for_every_worker(pacers: tuple[RedisPacer, RedisPacer]) -> None:
    first, second = pacers
    await first.pause("chatty", 3.0)
    assert 2.5 < await second.try_channel("chatty", urgent=True) <= 3.0
    await second.pause("chatty", 1.0)  # a shorter pause never shortens a longer one
    assert await first.try_channel("chatty", urgent=False) > 2.0
    assert await first.try_channel("slow", urgent=True) == 0  # other platforms go on


@needs_redis
async def test_budget_keys_expire(pacers: tuple[RedisPacer, RedisPacer]) -> None:
    first, _ = pacers
    await first.take("chatty", "11")
    ttls = [await first.redis.pttl(first._key("chatty", what)) for what in ("all", "chat:11")]
    assert all(0 < ttl <= 2100 for ttl in ttls), ttls  # a second after the budget is whole again


async def test_local_pacer_pauses_the_channel() -> None:
    pacer = LocalPacer({"chatty": CHATTY})
    await pacer.pause("chatty", 5.0)
    bucket = pacer._channels["chatty"]
    assert bucket.delay() > 4.0


class Flooded:
    """A platform that answers 429 a dozen times, more than the outbox's attempts, then takes the message."""

    channel = "telegram"
    pace = Pace(per_second=1000.0, per_chat_per_second=1000.0, chat_burst=10)

    def __init__(self, floods: int) -> None:
        self.floods = floods
        self.sent: list[str] = []

    async def send(self, chat_id: str, reply: Reply) -> None:
        if self.floods:
            self.floods -= 1
            raise RetryLater("Too Many Requests: retry after 0.01", after=0.01)
        self.sent.append(reply.text)


async def test_a_message_is_never_given_up_for_429s(app: App) -> None:
    now = utcnow()
    async with app.db.transaction() as session:
        await outbox.enqueue(session, [outbox.Outgoing("telegram", "5", None, Reply(text="Nhắc báo cáo").to_json())],
                             now)  # fmt: skip
    sender = Flooded(floods=12)
    clock = [now]
    worker = DeliveryWorker(app.db, [sender], max_attempts=3, clock=lambda: clock[0])
    for _ in range(20):
        clock[0] += timedelta(seconds=1)
        await worker.deliver_once()
    await worker.close()
    assert sender.sent == ["Nhắc báo cáo"]
    async with app.db.transaction() as session:
        message = await session.scalar(select(OutboxMessage))
    assert message is not None and message.status == outbox.SENT and message.attempts == 1
