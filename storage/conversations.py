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

from sqlalchemy import bindparam, func, inspect, select, update
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
    upsert = insert(IDENTITIES).values(
        channel=bindparam("channel"), external_id=bindparam("external_id"), chat_id=bindparam("chat_id"),
        display_name=bindparam("display_name"), code_failures=0, created_at=bindparam("now"),
        last_seen_at=bindparam("now"),
    )  # fmt: skip
    upsert = upsert.on_conflict_do_update(
        index_elements=["channel", "external_id"],
        set_={
            "last_seen_at": upsert.excluded.last_seen_at,
            "chat_id": upsert.excluded.chat_id,
            "unreachable_at": None,
            "display_name": func.coalesce(upsert.excluded.display_name, IDENTITIES.c.display_name),
        },
    )
    statements: dict[str, Executable] = {
        "seen": insert(ProcessedUpdate.__table__)
        .values(channel=bindparam("channel"), key=bindparam("key"), created_at=bindparam("now"))
        .on_conflict_do_nothing()
        .returning(ProcessedUpdate.__table__.c.key),
        "identity": upsert.returning(*IDENTITIES.c),
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
    return {name: prepare(statement, dialect) for name, statement in statements.items()}


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
    return bool(await db.fetch(_statements(db.dialect)["seen"], {"channel": channel, "key": key[:96], "now": now}))


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
    db = tx.driver
    sql = _statements(db.dialect)
    params = {"channel": channel, "external_id": external_id, "chat_id": chat_id, "now": now,
              "display_name": display_name[:255] if display_name else None}  # fmt: skip
    identity = _loaded(tx, ChannelIdentity, (await db.fetch(sql["identity"], params))[0])
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


async def save(source: AsyncSession | Transaction, conversation: ConversationState, now: datetime) -> None:
    db = transaction_of(source).driver
    await db.execute(
        _statements(db.dialect)["save"],
        {"id": conversation.identity_id, "flow": conversation.flow, "state": conversation.state,
         "screen": conversation.screen, "now": now},
    )  # fmt: skip
