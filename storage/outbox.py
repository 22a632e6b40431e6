"""The durable outbox: messages are written with what caused them and leased by senders, in order per chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, literal_column, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from storage.driver import Prepared, Transaction, prepare, transaction_of
from storage.models import ChannelIdentity, OutboxMessage

PENDING, SENT, FAILED, UNREACHABLE = "pending", "sent", "failed", "unreachable"
# What a message holds once it was delivered or given up: nothing. Its text (names, phone numbers, notes shown to an
# officer) is not kept past delivery; id, chat, status and times stay for receipts and delivery figures.
CLEARED = literal_column("'{}'")
SCAN_WINDOW = 500
ROWS_PER_INSERT = 50
BULK = 1  # the priority of messages to many people at once
_GIVEN = ("channel", "chat_id", "identity_id", "payload", "priority")  # per message; the rest is common to all


@dataclass(frozen=True)
class Outgoing:
    channel: str
    chat_id: str
    identity_id: int | None
    payload: dict[str, Any]
    priority: int = 0  # BULK for broadcasts and plan tasks: claimed after every waiting reply


@lru_cache(maxsize=ROWS_PER_INSERT * 2)
def _insert(dialect: Dialect, count: int) -> Prepared:
    """One multi-row INSERT for ``count`` messages: asyncpg sends it in one socket write, executemany in two."""
    table = OutboxMessage.__table__
    now = bindparam("now", type_=table.c.created_at.type)
    rows = [
        {**{name: bindparam(f"{name}_{i}", type_=table.c[name].type) for name in _GIVEN}, "not_before": now,
         "created_at": now, "status": PENDING, "attempts": 0}
        for i in range(count)
    ]  # fmt: skip
    return prepare(insert(table).values(rows), dialect)


async def enqueue(source: AsyncSession | Transaction, messages: list[Outgoing], now: datetime) -> None:
    """Adds messages in the caller's transaction (so they commit with what caused them), in as few driver calls as
    possible: every update enqueues its replies, so this is on the hot path (``storage.driver``)."""
    db = transaction_of(source).driver
    for start in range(0, len(messages), ROWS_PER_INSERT):
        chunk = messages[start : start + ROWS_PER_INSERT]
        params: dict[str, Any] = {"now": now}
        for i, m in enumerate(chunk):
            params |= {f"channel_{i}": m.channel, f"chat_id_{i}": m.chat_id, f"identity_id_{i}": m.identity_id,
                       f"payload_{i}": m.payload, f"priority_{i}": m.priority}  # fmt: skip
        await db.execute(_insert(db.dialect, len(chunk)), params)


@cache
def _scan(dialect: Dialect, channels: int) -> Prepared:
    table = OutboxMessage.__table__
    return prepare(
        select(table.c.id, table.c.channel, table.c.chat_id, table.c.not_before, table.c.claimed_until)
        .where(table.c.status == PENDING, table.c.channel.in_([bindparam(f"c{i}") for i in range(channels)]))
        .order_by(table.c.priority, table.c.id)
        .limit(SCAN_WINDOW),
        dialect,
    )


@lru_cache(maxsize=256)
def _lease(dialect: Dialect, count: int) -> Prepared:
    table = OutboxMessage.__table__
    free = table.c.claimed_until.is_(None) | (table.c.claimed_until <= bindparam("now"))
    return prepare(
        update(table)
        .where(table.c.id.in_([bindparam(f"m{i}") for i in range(count)]), table.c.status == PENDING, free)
        .values(claimed_by=bindparam("worker"), claimed_until=bindparam("until"))
        .returning(*table.c),
        dialect,
    )


@cache
def _sent(dialect: Dialect) -> Prepared:
    table = OutboxMessage.__table__
    return prepare(
        update(table)
        .where(table.c.id == bindparam("message_id"))
        .values(
            status=SENT, sent_at=bindparam("now"), claimed_until=None, attempts=table.c.attempts + 1, payload=CLEARED
        ),
        dialect,
    )


async def claim(
    source: AsyncSession | Transaction, channels: list[str], worker: str, now: datetime, lease: timedelta, limit: int
) -> list[OutboxMessage]:
    """Leases due messages without overtaking: a chat's message is taken only if every earlier one is taken too.

    Runs on the driver (``storage.driver``): on SQLite the delivery worker holds the one write lock meanwhile, and
    every reply waits behind it. The messages returned belong to no session."""
    db = transaction_of(source).driver
    dialect = db.dialect
    rows = await db.fetch(_scan(dialect, len(channels)), {f"c{i}": channel for i, channel in enumerate(channels)})
    blocked: set[tuple[str, str]] = set()
    wanted: list[int] = []
    for row in rows:
        chat = (row["channel"], row["chat_id"])
        if chat in blocked:
            continue
        free = row["claimed_until"] is None or row["claimed_until"] <= now
        if row["not_before"] > now or not free:
            blocked.add(chat)
            continue
        wanted.append(row["id"])
        if len(wanted) >= limit:
            break
    if not wanted:
        return []
    params = {"now": now, "worker": worker, "until": now + lease} | {f"m{i}": id_ for i, id_ in enumerate(wanted)}
    claimed = [OutboxMessage(**row) for row in await db.fetch(_lease(dialect, len(wanted)), params)]
    return sorted(claimed, key=lambda message: (message.priority, message.id))


async def mark_sent(source: AsyncSession | Transaction, message_ids: list[int], now: datetime) -> None:
    if message_ids:
        rows = [{"message_id": message_id, "now": now} for message_id in message_ids]
        db = transaction_of(source).driver
        await db.execute_many(_sent(db.dialect), rows)


async def mark_retry(session: AsyncSession, message_id: int, not_before: datetime, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            not_before=not_before,
            claimed_until=None,
            claimed_by=None,
            last_error=error[:2000],
            attempts=OutboxMessage.attempts + 1,
        )
    )


async def release(session: AsyncSession, message_ids: list[int]) -> None:
    """Gives back leases not used (a chat stopped early to keep its order)."""
    if message_ids:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(message_ids)).values(claimed_until=None, claimed_by=None)
        )


async def mark_failed(session: AsyncSession, message_id: int, error: str, status: str = FAILED) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            status=status,
            claimed_until=None,
            last_error=error[:2000],
            attempts=OutboxMessage.attempts + 1,
            payload=CLEARED,
        )
    )


async def mark_unreachable(session: AsyncSession, channel: str, chat_id: str, now: datetime, error: str) -> None:
    """The person blocked the bot: stop trying this chat and flag the identity for their supervisor to see."""
    await session.execute(
        update(ChannelIdentity)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.chat_id == chat_id)
        .values(unreachable_at=now)
    )
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id, OutboxMessage.status == PENDING)
        .values(status=UNREACHABLE, claimed_until=None, last_error=error[:2000], payload=CLEARED)
    )
