"""The per-update hot path: de-duplication key, identity upsert and lock, conversation state, all as statements
built once with bind parameters (building SQLAlchemy statements per update cost more than running them).

The conversation is a plain dataclass written back with one UPDATE, not an ORM object: it changes on every update,
and the ORM unit of work is the most expensive way to write one row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from storage.models import ChannelIdentity, Conversation, Person, ProcessedUpdate

IDENTITIES = ChannelIdentity.__table__
CONVERSATIONS = Conversation.__table__


@dataclass
class ConversationState:
    """Where a chat stands: the open flow, its draft (JSON) and the number of the screen whose buttons are live."""

    identity_id: int
    flow: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    screen: int = 0
    is_new: bool = False


@cache
def _statements(dialect: str) -> dict[str, Executable]:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
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
    return {
        "seen": insert(ProcessedUpdate.__table__)
        .values(channel=bindparam("channel"), key=bindparam("key"), created_at=bindparam("now"))
        .on_conflict_do_nothing(),
        "identity": select(ChannelIdentity).from_statement(upsert.returning(*IDENTITIES.c)),
        "conversation": select(
            CONVERSATIONS.c.flow, CONVERSATIONS.c.state, CONVERSATIONS.c.screen, Person
        )
        .select_from(CONVERSATIONS)
        .outerjoin(Person, Person.id == bindparam("person_id"))
        .where(CONVERSATIONS.c.identity_id == bindparam("identity_id")),
        "create": insert(CONVERSATIONS).values(
            identity_id=bindparam("identity_id"), flow=None, state={}, screen=0, updated_at=bindparam("now")
        ),
        "save": update(CONVERSATIONS)
        .where(CONVERSATIONS.c.identity_id == bindparam("id"))
        .values(flow=bindparam("flow"), state=bindparam("state"), screen=bindparam("screen"),
                updated_at=bindparam("now")),
    }  # fmt: skip


def _sql(session: AsyncSession, name: str) -> Executable:
    return _statements(session.bind.dialect.name)[name]


async def first_delivery(session: AsyncSession, channel: str, key: str, now: datetime) -> bool:
    """Records the update key; False when it was recorded before (a redelivery)."""
    result = await session.execute(_sql(session, "seen"), {"channel": channel, "key": key[:96], "now": now})
    return result.rowcount == 1  # type: ignore[attr-defined]


async def lock_identity(
    session: AsyncSession, channel: str, external_id: str, chat_id: str, display_name: str | None, now: datetime
) -> tuple[ChannelIdentity, ConversationState, Person | None]:
    """Gets or creates the identity with its conversation and person, holding the identity's row lock.

    The upsert inserts a new identity or updates an existing one (last seen, chat, reachable again); on PostgreSQL
    that takes the row lock that keeps two workers off the same person's updates. On SQLite the transaction's write
    lock (BEGIN IMMEDIATE) does the same.
    """
    params = {"channel": channel, "external_id": external_id, "chat_id": chat_id, "now": now,
              "display_name": display_name[:255] if display_name else None}  # fmt: skip
    identity = (
        await session.scalars(_sql(session, "identity"), params, execution_options={"populate_existing": True})
    ).one()
    row = (
        await session.execute(
            _sql(session, "conversation"), {"identity_id": identity.id, "person_id": identity.person_id}
        )
    ).first()
    if row is None:
        await session.execute(_sql(session, "create"), {"identity_id": identity.id, "now": now})
        person = await session.get(Person, identity.person_id) if identity.person_id else None
        return identity, ConversationState(identity.id, is_new=True), person
    return identity, ConversationState(identity.id, row.flow, row.state or {}, row.screen), row.Person


async def save(session: AsyncSession, conversation: ConversationState, now: datetime) -> None:
    await session.execute(
        _sql(session, "save"),
        {"id": conversation.identity_id, "flow": conversation.flow, "state": conversation.state,
         "screen": conversation.screen, "now": now},
    )  # fmt: skip
