"""The durable outbox: messages are written with what caused them and leased by senders, in order per chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, insert, literal_column, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from storage.driver import Driver, Prepared, Transaction, prepare, transaction_of
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


@lru_cache(maxsize=8)
def _scan(dialect: Dialect, channels: int, window: int) -> Prepared:
    """The first pending messages in claiming order. On PostgreSQL they are locked for this transaction, and rows
    another worker's claim has locked are skipped rather than waited for (``FOR UPDATE SKIP LOCKED``); SQLite has
    one writer at a time and no such clause."""
    table = OutboxMessage.__table__
    return prepare(
        select(table.c.id, table.c.channel, table.c.chat_id, table.c.not_before, table.c.claimed_until)
        .where(table.c.status == PENDING, table.c.channel.in_([bindparam(f"c{i}") for i in range(channels)]))
        .order_by(table.c.priority, table.c.id)
        .limit(window)
        .with_for_update(skip_locked=True),
        dialect,
    )


@cache
def _queued(dialect: Dialect) -> Prepared:
    """Every pending message of some chats, in claiming order, locked or not (PostgreSQL only: an array parameter)."""
    table = OutboxMessage.__table__
    return prepare(
        select(table.c.id, table.c.channel, table.c.chat_id)
        .where(table.c.status == PENDING, table.c.chat_id == any_(bindparam("chats", type_=ARRAY(String))))
        .order_by(table.c.priority, table.c.id),
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
    source: AsyncSession | Transaction,
    channels: list[str],
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    window: int = SCAN_WINDOW,
) -> list[OutboxMessage]:
    """Leases due messages without overtaking: a chat's message is taken only if every earlier one is taken too.

    Several workers may claim at once (PostgreSQL): the scan skips what another claim has locked, and a chat is
    taken only as far as its queue, read whole and regardless of locks, agrees with what this claim holds — else a
    worker could take a chat's second message while another takes its first. Runs on the driver
    (``storage.driver``): on SQLite the delivery worker holds the one write lock meanwhile, and every reply waits
    behind it. The messages returned belong to no session."""
    db = transaction_of(source).driver
    dialect = db.dialect
    params = {f"c{i}": channel for i, channel in enumerate(channels)}
    rows = await db.fetch(_scan(dialect, len(channels), window), params)
    blocked: set[tuple[str, str]] = set()
    wanted: dict[int, tuple[str, str]] = {}
    for row in rows:
        chat = (row["channel"], row["chat_id"])
        if chat in blocked:
            continue
        free = row["claimed_until"] is None or row["claimed_until"] <= now
        if row["not_before"] > now or not free:
            blocked.add(chat)
            continue
        wanted[row["id"]] = chat
        if len(wanted) >= limit:
            break
    if wanted and dialect.name == "postgresql":
        wanted = await _in_queue_order(db, wanted)
    if not wanted:
        return []
    params = {"now": now, "worker": worker, "until": now + lease} | {f"m{i}": id_ for i, id_ in enumerate(wanted)}
    claimed = [OutboxMessage(**row) for row in await db.fetch(_lease(dialect, len(wanted)), params)]
    return sorted(claimed, key=lambda message: (message.priority, message.id))


async def _in_queue_order(db: Driver, wanted: dict[int, tuple[str, str]]) -> dict[int, tuple[str, str]]:
    """What is left of ``wanted`` once each chat is cut where its queue has a message not in ``wanted`` (one that
    another worker holds, or that was beyond the scan)."""
    queued = await db.fetch(_queued(db.dialect), {"chats": sorted({chat_id for _, chat_id in wanted.values()})})
    chats = set(wanted.values())
    cut: set[tuple[str, str]] = set()
    kept: dict[int, tuple[str, str]] = {}
    for row in queued:
        chat = (row["channel"], row["chat_id"])
        if chat not in chats or chat in cut:
            continue
        if row["id"] in wanted:
            kept[row["id"]] = chat
        else:
            cut.add(chat)
    return kept


async def mark_sent(source: AsyncSession | Transaction, message_ids: list[int], now: datetime) -> None:
    if message_ids:
        rows = [{"message_id": message_id, "now": now} for message_id in message_ids]
        db = transaction_of(source).driver
        await db.execute_many(_sent(db.dialect), rows)


async def mark_retry(
    session: AsyncSession, message_id: int, not_before: datetime, error: str, *, counted: bool = True
) -> None:
    """Due again at ``not_before``; ``counted`` False for a 429, which never brings a message nearer to giving up."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            not_before=not_before,
            claimed_until=None,
            claimed_by=None,
            last_error=error[:2000],
            attempts=OutboxMessage.attempts + int(counted),
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
