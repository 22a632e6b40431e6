"""Appending to the audit log: who did or looked at what, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Person


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
