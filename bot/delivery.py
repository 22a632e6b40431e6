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
from bot.pacing import LocalPacer, Pace, Pacer, RedisPacer
from storage import jobs, outbox
from storage.db import Database
from storage.models import OutboxMessage
from storage.types import utcnow

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """A temporary failure (flood control, network, server error); ``after`` seconds is the platform's hint.

    ``flood`` (a 429, with or without ``retry_after``) says the message itself is fine and only the pace was wrong: it
    is retried for as long as it takes and never counts towards giving up."""

    def __init__(self, reason: str, after: float | None = None, *, flood: bool = False) -> None:
        super().__init__(reason)
        self.after = after
        self.flood = flood or after is not None


class Unreachable(Exception):
    """The person blocked the bot or deleted the chat: no retry will help."""


class Undeliverable(Exception):
    """The platform rejected the message itself; retrying the same request cannot succeed."""


class Sender(Protocol):
    """Sends one reply; returns the platform's id of the (last) message sent, where it has one. A sender that can
    change a message it sent also has ``edit(chat_id, ref, reply)``; on others, a progress message is sent once."""

    channel: str
    pace: Pace

    async def send(self, chat_id: str, reply: Reply) -> str | None: ...


FLOOD_PAUSE = 1.0  # seconds, after a 429 that did not say how long (Zalo's)


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
        redis_url: str | None = None,
        redis_prefix: str = "caunoi",
        round_seconds: float = 2.0,
    ) -> None:
        self.db = db
        self.senders = {sender.channel: sender for sender in senders}
        self.max_attempts = max_attempts
        self.batch = batch
        self.lease = lease
        self.clock = clock
        self.round_seconds = round_seconds
        self.worker_id = f"{uuid.uuid4().hex[:12]}"
        self._wake = asyncio.Event()
        paces = {name: sender.pace for name, sender in self.senders.items()}
        self.pacer: Pacer = RedisPacer.from_url(redis_url, paces, redis_prefix) if redis_url else LocalPacer(paces)

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
            the one in flight. Replies to conversations are sent in parallel beside them. After ``round_seconds``
            the rest go back to the queue, so the round's replies are recorded and the next claim comes soon (a
            chat's next reply waits for that record)."""
            done: list[Result] = []
            ends = time.monotonic() + self.round_seconds
            for chat, queue in bulk.items():
                if time.monotonic() > ends:
                    break
                done.extend(await self._deliver_chat(chat, queue))
            return done

        rounds = await asyncio.gather(
            *(self._deliver_chat(chat, queue) for chat, queue in by_chat.items() if chat not in bulk), one_by_one()
        )
        results = [result for chat_results in rounds for result in chat_results]
        await self._record(results, messages)
        return len(results)

    async def close(self) -> None:
        await self.pacer.close()

    async def drain(self, rounds: int = 50) -> None:
        """Delivers until nothing is due (console and tests)."""
        for _ in range(rounds):
            if await self.deliver_once() == 0:
                return

    async def _deliver_chat(self, chat: tuple[str, str], queue: list[OutboxMessage]) -> list[Result]:
        """Sends a chat's messages in order; stops at the first one that must wait, so none overtakes it."""
        sender = self.senders[chat[0]]
        results = []
        for message in queue:
            await self.pacer.take(*chat, urgent=message.priority == 0)
            result = await self._send_one(sender, message)
            if result.outcome == "sent" and message.priority > 0:
                await self._record_sent(result)
            results.append(result)
            if result.outcome in ("retry", "unreachable"):
                break
        return results

    async def _send_one(self, sender: Sender, message: OutboxMessage) -> Result:
        try:
            reply = Reply.from_json(message.payload)
            if reply.progress is None:
                await sender.send(message.chat_id, reply)
            else:
                await self._send_progress(sender, message.chat_id, reply, reply.progress)
        except Unreachable as error:
            log.info("chat %s/%s is unreachable: %s", message.channel, message.chat_id, error)
            return Result(message, "unreachable", str(error))
        except RetryLater as error:
            if error.flood:  # the pace, not the message: wait as asked, every worker, and never give up
                delay = error.after if error.after is not None else FLOOD_PAUSE
                await self.pacer.pause(message.channel, delay)
                return Result(message, "retry", str(error), delay, flood=True)
            if message.attempts + 1 >= self.max_attempts:
                log.warning(
                    "giving up on outbox message %s after %s attempts: %s", message.id, message.attempts + 1, error
                )
                return Result(message, "failed", str(error))
            return Result(message, "retry", str(error), backoff(message.attempts + 1))
        except Undeliverable as error:
            log.error("outbox message %s rejected by %s: %s", message.id, message.channel, error)
            return Result(message, "failed", str(error))
        except Exception as error:  # a bug in a renderer must not stall the queue forever
            log.exception("unexpected error sending outbox message %s", message.id)
            return Result(message, "retry", repr(error), backoff(message.attempts + 1))
        return Result(message, "sent")

    async def _send_progress(self, sender: Sender, chat_id: str, reply: Reply, job_id: int) -> None:
        """A background job's progress: its first message is sent and its platform id kept on the job; later ones
        edit that message, or are left out where the channel cannot edit (one message, not ten)."""
        async with self.db.transaction() as session:
            ref = await jobs.progress_ref(session, job_id)
        edit = getattr(sender, "edit", None)
        if ref is None:
            sent = await sender.send(chat_id, reply)
            async with self.db.transaction() as session:
                await jobs.set_progress_ref(session, job_id, sent if sent and edit is not None else jobs.NO_EDITS)
        elif ref != jobs.NO_EDITS and edit is not None:
            await edit(chat_id, ref, reply)

    async def _record_sent(self, result: Result) -> None:
        async with self.db.begin() as tx:
            await outbox.mark_sent(tx, [result.message.id], self.clock())
        result.recorded = True

    async def _record(self, results: list[Result], claimed: list[OutboxMessage]) -> None:
        now = self.clock()
        attempted = {result.message.id for result in results}
        for result in results:
            DELIVERIES.labels(result.message.channel, "429" if result.flood else result.outcome).inc()
        async with self.db.begin() as tx:  # the ORM session only for the rare outcomes other than "sent"
            sent = [r.message.id for r in results if r.outcome == "sent" and not r.recorded]
            await outbox.mark_sent(tx, sent, now)
            for result in results:
                message = result.message
                if result.outcome == "retry":
                    await outbox.mark_retry(tx.session, message.id, now + timedelta(seconds=result.delay), result.error,
                                            counted=not result.flood)  # fmt: skip
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
    flood: bool = False
    recorded: bool = False
