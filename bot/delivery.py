"""Sending what the outbox holds, paced to each platform's limits, with retries and in order per chat."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.engine.replies import Reply
from bot.observability import DELIVERIES
from storage import outbox
from storage.db import Database
from storage.models import OutboxMessage
from storage.types import utcnow

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """A temporary failure (flood control, network, server error); ``after`` seconds is the platform's hint."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after


class Unreachable(Exception):
    """The person blocked the bot or deleted the chat: no retry will help."""


class Undeliverable(Exception):
    """The platform rejected the message itself; retrying the same request cannot succeed."""


@dataclass(frozen=True)
class Pace:
    """A platform's limits: messages per second overall, and per chat with a small burst."""

    per_second: float
    per_chat_per_second: float
    chat_burst: int


class Sender(Protocol):
    channel: str
    pace: Pace

    async def send(self, chat_id: str, reply: Reply) -> None: ...


class TokenBucket:
    """Classic token bucket; ``take`` waits until a token is there."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.capacity, self.clock = rate, burst, clock
        self.tokens, self.stamp = burst, clock()
        self.paused_until = 0.0

    def delay(self) -> float:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        wait = max(0.0, self.paused_until - now)
        if self.tokens < 1:
            wait = max(wait, (1 - self.tokens) / self.rate)
        return wait

    async def take(self) -> None:
        wait = self.delay()
        while wait > 0:
            await asyncio.sleep(wait)
            wait = self.delay()
        self.tokens -= 1

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self.clock() + seconds)


def backoff(attempt: int) -> float:
    """1 s, 2 s, 4 s … capped at 10 minutes."""
    return float(min(600, 2 ** max(0, attempt)))


class DeliveryWorker:
    """Leases outbox messages and hands them to the channel senders; wakes at once when new ones are written."""

    def __init__(
        self,
        db: Database,
        senders: list[Sender],
        *,
        max_attempts: int = 10,
        batch: int = 100,
        lease: timedelta = timedelta(seconds=60),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.senders = {sender.channel: sender for sender in senders}
        self.max_attempts = max_attempts
        self.batch = batch
        self.lease = lease
        self.clock = clock
        self.worker_id = f"{uuid.uuid4().hex[:12]}"
        self._wake = asyncio.Event()
        # No burst overall: a full bucket at start-up would double the rate in the first second, and platforms
        # count per sliding second (Telegram answers 429 above about 30 messages in any one second).
        self._channel_buckets = {name: TokenBucket(s.pace.per_second, 1.0) for name, s in self.senders.items()}
        self._chat_buckets: dict[tuple[str, str], TokenBucket] = {}

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event, idle: float = 1.0, gather: float = 0.005) -> None:
        """Delivers until ``stop``; after a wake-up it waits ``gather`` seconds so one round takes many messages."""
        while not stop.is_set():
            await asyncio.sleep(gather)
            try:
                sent = await self.deliver_once()
            except Exception:
                log.exception("outbox delivery round failed")
                sent = 0
            if sent == 0:
                self._wake.clear()
                waiter = asyncio.ensure_future(self._wake.wait())
                stopper = asyncio.ensure_future(stop.wait())
                await asyncio.wait({waiter, stopper}, timeout=idle, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                stopper.cancel()

    async def deliver_once(self) -> int:
        """One round: lease a batch, send it chat by chat (chats in parallel), record the results. Returns #handled.

        Results are recorded in one transaction per round; a crash before it means those messages go out again once
        their lease expires (delivery is at-least-once).
        """
        if not self.senders:
            return 0
        async with self.db.begin() as tx:
            messages = await outbox.claim(tx, list(self.senders), self.worker_id, self.clock(), self.lease, self.batch)
        if not messages:
            return 0
        by_chat: dict[tuple[str, str], list[OutboxMessage]] = defaultdict(list)
        for message in messages:
            by_chat[(message.channel, message.chat_id)].append(message)
        bulk = {chat: queue for chat, queue in by_chat.items() if queue[0].priority > 0}

        async def one_by_one() -> list[Result]:
            """Bulk messages go out one at a time, each recorded as sent before the next: a crash repeats at most
            the one in flight. Replies to conversations are sent in parallel beside them."""
            done: list[Result] = []
            for chat, queue in bulk.items():
                done.extend(await self._deliver_chat(chat, queue))
            return done

        rounds = await asyncio.gather(
            *(self._deliver_chat(chat, queue) for chat, queue in by_chat.items() if chat not in bulk), one_by_one()
        )
        results = [result for chat_results in rounds for result in chat_results]
        await self._record(results, messages)
        return len(results)

    async def drain(self, rounds: int = 50) -> None:
        """Delivers until nothing is due (console and tests)."""
        for _ in range(rounds):
            if await self.deliver_once() == 0:
                return

    def _chat_bucket(self, chat: tuple[str, str]) -> TokenBucket:
        bucket = self._chat_buckets.get(chat)
        if bucket is None:
            pace = self.senders[chat[0]].pace
            bucket = TokenBucket(pace.per_chat_per_second, pace.chat_burst)
            if len(self._chat_buckets) > 50_000:
                self._chat_buckets.clear()
            self._chat_buckets[chat] = bucket
        return bucket

    async def _deliver_chat(self, chat: tuple[str, str], queue: list[OutboxMessage]) -> list[Result]:
        """Sends a chat's messages in order; stops at the first one that must wait, so none overtakes it."""
        sender = self.senders[chat[0]]
        results = []
        for message in queue:
            await self._chat_bucket(chat).take()
            await self._channel_buckets[chat[0]].take()
            result = await self._send_one(sender, message)
            if result.outcome == "sent" and message.priority > 0:
                await self._record_sent(result)
            results.append(result)
            if result.outcome in ("retry", "unreachable"):
                break
        return results

    async def _send_one(self, sender: Sender, message: OutboxMessage) -> Result:
        try:
            await sender.send(message.chat_id, Reply.from_json(message.payload))
        except Unreachable as error:
            log.info("chat %s/%s is unreachable: %s", message.channel, message.chat_id, error)
            return Result(message, "unreachable", str(error))
        except RetryLater as error:
            if message.attempts + 1 >= self.max_attempts:
                log.warning(
                    "giving up on outbox message %s after %s attempts: %s", message.id, message.attempts + 1, error
                )
                return Result(message, "failed", str(error))
            delay = error.after if error.after is not None else backoff(message.attempts + 1)
            if error.after is not None:
                self._chat_bucket((message.channel, message.chat_id)).pause(error.after)
            return Result(message, "retry", str(error), delay)
        except Undeliverable as error:
            log.error("outbox message %s rejected by %s: %s", message.id, message.channel, error)
            return Result(message, "failed", str(error))
        except Exception as error:  # a bug in a renderer must not stall the queue forever
            log.exception("unexpected error sending outbox message %s", message.id)
            return Result(message, "retry", repr(error), backoff(message.attempts + 1))
        return Result(message, "sent")

    async def _record_sent(self, result: Result) -> None:
        async with self.db.begin() as tx:
            await outbox.mark_sent(tx, [result.message.id], self.clock())
        result.recorded = True

    async def _record(self, results: list[Result], claimed: list[OutboxMessage]) -> None:
        now = self.clock()
        attempted = {result.message.id for result in results}
        for result in results:
            DELIVERIES.labels(result.message.channel, result.outcome).inc()
        async with self.db.begin() as tx:  # the ORM session only for the rare outcomes other than "sent"
            sent = [r.message.id for r in results if r.outcome == "sent" and not r.recorded]
            await outbox.mark_sent(tx, sent, now)
            for result in results:
                message = result.message
                if result.outcome == "retry":
                    await outbox.mark_retry(tx.session, message.id, now + timedelta(seconds=result.delay), result.error)
                elif result.outcome == "failed":
                    await outbox.mark_failed(tx.session, message.id, result.error)
                elif result.outcome == "unreachable":
                    await outbox.mark_unreachable(tx.session, message.channel, message.chat_id, now, result.error)
            unused = [m.id for m in claimed if m.id not in attempted]
            if unused:
                await outbox.release(tx.session, unused)


@dataclass
class Result:
    message: OutboxMessage
    outcome: str
    error: str = ""
    delay: float = 0.0
    recorded: bool = False
