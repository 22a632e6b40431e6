"""The per-update hot path: de-duplication key, identity upsert and lock, conversation state, as statements compiled
once and run on the driver's connection (``storage.driver``: SQLAlchemy's execution layer cost more than the SQL).

The conversation is a plain dataclass written back with one UPDATE, not an ORM object: it changes on every update,
and the ORM unit of work is the most expensive way to write one row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, exists, func, inspect, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.sql import Executable

from storage.driver import Prepared, Transaction, prepare, transaction_of
from storage.models import ChannelIdentity, Conversation, Person, ProcessedUpdate

IDENTITIES = ChannelIdentity.__table__
CONVERSATIONS = Conversation.__table__
PEOPLE = Person.__table__
T = TypeVar("T")


@dataclass
class ConversationState:
    """Where a chat stands: the open flow, its draft (JSON) and the number of the screen whose buttons are live."""

    identity_id: int
    flow: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    screen: int = 0
    is_new: bool = False


@cache
def _statements(dialect: Dialect) -> dict[str, Prepared]:
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    statements: dict[str, Executable] = {
        "seen": _seen(insert),
        "identity": _upserted(insert(IDENTITIES).values(**_identity_values())).returning(*IDENTITIES.c),
        "conversation": select(CONVERSATIONS.c.flow, CONVERSATIONS.c.state, CONVERSATIONS.c.screen, *PEOPLE.c)
        .select_from(CONVERSATIONS)
        .outerjoin(PEOPLE, PEOPLE.c.id == bindparam("person_id"))
        .where(CONVERSATIONS.c.identity_id == bindparam("identity_id")),
        "person": select(*PEOPLE.c).where(PEOPLE.c.id == bindparam("person_id")),
        "create": insert(CONVERSATIONS).values(
            identity_id=bindparam("identity_id"), flow=None, state={}, screen=0, updated_at=bindparam("now")
        ),
        "save": update(CONVERSATIONS)
        .where(CONVERSATIONS.c.identity_id == bindparam("id"))
        .values(flow=bindparam("flow"), state=bindparam("state"), screen=bindparam("screen"),
                updated_at=bindparam("now")),
    }  # fmt: skip
    if dialect.name == "postgresql":
        statements["open"] = _opening()
    return {name: prepare(statement, dialect) for name, statement in statements.items()}


def _seen(insert: Any) -> Any:
    table = ProcessedUpdate.__table__
    return (
        insert(table)
        .values(channel=bindparam("channel"), key=bindparam("key"), created_at=bindparam("now"))
        .on_conflict_do_nothing()
        .returning(table.c.key)
    )


def _identity_values() -> dict[str, Any]:
    columns = IDENTITIES.c
    return {
        "channel": bindparam("channel", type_=columns.channel.type),
        "external_id": bindparam("external_id", type_=columns.external_id.type),
        "chat_id": bindparam("chat_id", type_=columns.chat_id.type),
        "display_name": bindparam("display_name", type_=columns.display_name.type),
        "code_failures": literal(0, columns.code_failures.type),
        "created_at": bindparam("now", type_=columns.created_at.type),
        "last_seen_at": bindparam("now", type_=columns.last_seen_at.type),
    }


def _upserted(insert: Any) -> Any:
    """A new identity, or the existing one seen again: last seen, chat, reachable again."""
    return insert.on_conflict_do_update(
        index_elements=["channel", "external_id"],
        set_={
            "last_seen_at": insert.excluded.last_seen_at,
            "chat_id": insert.excluded.chat_id,
            "unreachable_at": None,
            "display_name": func.coalesce(insert.excluded.display_name, IDENTITIES.c.display_name),
        },
    )


def _opening() -> Executable:
    """PostgreSQL: the update key and the identity upsert (which takes the identity's row lock) in one statement,
    one round trip instead of two. A redelivery inserts no key, which leaves the upsert nothing to insert and the
    statement no row to return. The conversation is read by the next statement: one statement reads the tables as
    they were when it began, before it waited for the lock, so it could miss what the lock's holder just wrote."""
    seen = _seen(postgresql.insert).cte("seen")
    values = _identity_values()
    source = select(*values.values()).where(exists(select(seen.c.key)))
    upsert = _upserted(postgresql.insert(IDENTITIES).from_select(list(values), source))
    return upsert.returning(*IDENTITIES.c)


def _loaded(tx: Transaction, model: type[T], row: dict[str, Any]) -> T:
    """An ORM object for a row read here, adopted by the transaction as if a session had loaded it: changes that
    handlers make to it (a language, a binding to a person) are flushed at commit like any other. The values go in
    as loaded state, as the ORM's own loading does (the constructor would record each one as a change)."""
    instance = inspect(model).class_manager.new_instance()
    instance.__dict__.update(row)
    make_transient_to_detached(instance)
    tx.adopt(instance)
    return instance


async def first_delivery(source: AsyncSession | Transaction, channel: str, key: str, now: datetime) -> bool:
    """Records the update key; False when it was recorded before (a redelivery)."""
    db = transaction_of(source).driver
    return bool(await db.fetch(_statements(db.dialect)["seen"], _seen_params(channel, key, now)))


def _seen_params(channel: str, key: str, now: datetime) -> dict[str, Any]:
    return {"channel": channel, "key": key[:96], "now": now}


async def lock_identity(
    source: AsyncSession | Transaction,
    channel: str,
    external_id: str,
    chat_id: str,
    display_name: str | None,
    now: datetime,
) -> tuple[ChannelIdentity, ConversationState, Person | None]:
    """Gets or creates the identity with its conversation and person, holding the identity's row lock.

    The upsert inserts a new identity or updates an existing one (last seen, chat, reachable again); on PostgreSQL
    that takes the row lock that keeps two workers off the same person's updates. On SQLite the transaction's write
    lock (BEGIN IMMEDIATE) does the same.
    """
    tx = transaction_of(source)
    params = _identity_params(channel, external_id, chat_id, display_name, now)
    rows = await tx.driver.fetch(_statements(tx.driver.dialect)["identity"], params)
    return await _with_conversation(tx, _loaded(tx, ChannelIdentity, rows[0]), now)


def _identity_params(
    channel: str, external_id: str, chat_id: str, display_name: str | None, now: datetime
) -> dict[str, Any]:
    return {"channel": channel, "external_id": external_id, "chat_id": chat_id, "now": now,
            "display_name": display_name[:255] if display_name else None}  # fmt: skip


async def _with_conversation(
    tx: Transaction, identity: ChannelIdentity, now: datetime
) -> tuple[ChannelIdentity, ConversationState, Person | None]:
    """The locked identity's conversation (created if it has none yet) and person."""
    db = tx.driver
    sql = _statements(db.dialect)
    rows = await db.fetch(sql["conversation"], {"identity_id": identity.id, "person_id": identity.person_id})
    if rows:
        row = rows[0]
        flow, state, screen = row.pop("flow"), row.pop("state"), row.pop("screen")
        person = _loaded(tx, Person, row) if row["id"] is not None else None
        return identity, ConversationState(identity.id, flow, state or {}, screen), person
    await db.execute(sql["create"], {"identity_id": identity.id, "now": now})
    people = await db.fetch(sql["person"], {"person_id": identity.person_id}) if identity.person_id else []
    person = _loaded(tx, Person, people[0]) if people else None
    return identity, ConversationState(identity.id, is_new=True), person


async def open_update(
    tx: Transaction, channel: str, key: str, external_id: str, chat_id: str, display_name: str | None, now: datetime
) -> tuple[ChannelIdentity, ConversationState, Person | None] | None:
    """``first_delivery`` then ``lock_identity``; None for a redelivery. On PostgreSQL one round trip fewer."""
    db = tx.driver
    if db.dialect.name != "postgresql":
        if not await first_delivery(tx, channel, key, now):
            return None
        return await lock_identity(tx, channel, external_id, chat_id, display_name, now)
    params = _identity_params(channel, external_id, chat_id, display_name, now) | _seen_params(channel, key, now)
    rows = await db.fetch(_statements(db.dialect)["open"], params)
    return await _with_conversation(tx, _loaded(tx, ChannelIdentity, rows[0]), now) if rows else None


async def is_member(session: AsyncSession, channel: str, external_id: str) -> bool:
    """Whether this messenger account belongs to someone who has joined (a quick read, outside any update)."""
    found = await session.scalar(
        select(ChannelIdentity.person_id).where(ChannelIdentity.channel == channel,
                                                ChannelIdentity.external_id == external_id)
    )  # fmt: skip
    return found is not None


async def save(source: AsyncSession | Transaction, conversation: ConversationState, now: datetime) -> None:
    db = transaction_of(source).driver
    await db.execute(
        _statements(db.dialect)["save"],
        {"id": conversation.identity_id, "flow": conversation.flow, "state": conversation.state,
         "screen": conversation.screen, "now": now},
    )  # fmt: skip


async def prune_processed(session: AsyncSession, older_than: datetime) -> int:
    """Forgets update keys older than the retention period (platforms stop redelivering long before)."""
    result = await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.created_at < older_than))
    return result.rowcount  # type: ignore[attr-defined]
