"""Appending to the audit log: who did or looked at what, and when — chained, so a removed or altered row shows.

Every entry carries the hash of the entry before it and its own hash over its content and that link (SHA-256).
The chain is sealed as entries are flushed, under a transaction-scoped advisory lock on PostgreSQL (two workers
never link to the same predecessor; SQLite has one writer). Database triggers already refuse UPDATE, DELETE and (on
PostgreSQL) TRUNCATE; the chain is what shows it if someone with the database's own rights went around them:
``caunoi audit verify`` walks it. Removing the newest rows leaves an intact shorter chain — keep the head that
``verify`` prints (in the operations log, a ticket) to compare with later.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state

from storage.models import AuditEntry, Person
from storage.types import utcnow

CHAIN_LOCK = 0x43415544  # "CAUD": the advisory lock that orders appends on PostgreSQL


def record(
    session: AsyncSession,
    action: str,
    *,
    actor: Person | None = None,
    actor_label: str | None = None,
    object_type: str | None = None,
    object_id: object | None = None,
    **details: Any,
) -> AuditEntry:
    """Adds an entry to the caller's transaction, so the record and its audit line commit together."""
    entry = AuditEntry(
        action=action,
        actor_id=actor.id if actor else None,
        actor_label=actor_label or (actor.full_name if actor else None),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=details,
    )
    session.add(entry)
    return entry


def digest(entry: AuditEntry, previous: str) -> str:
    """The entry's hash: its content as canonical JSON, after its predecessor's hash."""
    content = {
        "at": entry.at.isoformat(timespec="microseconds") if entry.at else None,
        "actor_id": entry.actor_id, "actor_label": entry.actor_label, "action": entry.action,
        "object_type": entry.object_type, "object_id": entry.object_id, "details": entry.details or {},
    }  # fmt: skip
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()


@event.listens_for(Session, "before_flush")
def _seal(session: Session, _context: object, _instances: object) -> None:
    """Links the entries about to be inserted to the chain's head, in the order they were added."""
    new = sorted((o for o in session.new if isinstance(o, AuditEntry)), key=lambda o: instance_state(o).insert_order)
    if not new:
        return
    with session.no_autoflush:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
        previous = session.scalar(select(AuditEntry.hash).where(AuditEntry.hash.is_not(None))
                                  .order_by(AuditEntry.id.desc()).limit(1)) or ""  # fmt: skip
    for entry in new:
        entry.at = entry.at or utcnow()
        entry.details = entry.details or {}
        entry.prev_hash = previous
        entry.hash = previous = digest(entry, previous)


@dataclass
class Verified:
    entries: int = 0
    unchained: int = 0  # rows from before the chain began (written before it existed)
    head: str = ""
    head_id: int | None = None
    problems: list[str] = field(default_factory=list)


async def verify(session: AsyncSession, *, batch: int = 2000) -> Verified:
    """Walks the log in id order: each chained row must link to the row before it and hash to what it says."""
    result = Verified()
    previous: str | None = None
    last_id = 0
    while True:
        rows = (await session.scalars(select(AuditEntry).where(AuditEntry.id > last_id)
                                      .order_by(AuditEntry.id).limit(batch))).all()  # fmt: skip
        if not rows:
            break
        for entry in rows:
            result.entries += 1
            last_id = entry.id
            if entry.hash is None:
                if previous is not None:
                    result.problems.append(f"#{entry.id}: no hash after the chain began (inserted around it)")
                result.unchained += 1
                continue
            link = previous if previous is not None else ""
            if entry.prev_hash != link:
                result.problems.append(f"#{entry.id}: does not follow the row before it (rows removed or inserted)")
            if digest(entry, entry.prev_hash or "") != entry.hash:
                result.problems.append(f"#{entry.id}: its content does not match its hash (altered)")
            previous, result.head, result.head_id = entry.hash, entry.hash, entry.id
        session.expunge_all()
    return result
