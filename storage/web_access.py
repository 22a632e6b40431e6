"""Signing in to the web console without a new password: a one-time link from the chat, then a session.

Only hashes of the link and session tokens are stored, so a copy of the database opens nothing. A link is good
once, for LINK_MINUTES; a session ends after its idle or absolute time, or when revoked (by the person, an admin, or
the person's deactivation)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person, WebLink, WebSession

LINK_MINUTES = 10


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_link(session: AsyncSession, person: Person, now: datetime) -> str:
    """A sign-in token for ``person``, valid once within LINK_MINUTES."""
    token = secrets.token_urlsafe(32)
    session.add(WebLink(token_hash=_hash(token), person_id=person.id, created_at=now,
                        expires_at=now + timedelta(minutes=LINK_MINUTES)))  # fmt: skip
    await session.flush()
    return token


async def redeem_link(session: AsyncSession, token: str, now: datetime) -> Person | None:
    """The person the link signs in, marking it used; None when it is unknown, used already, or expired."""
    if not token or len(token) > 100:
        return None
    link = await session.scalar(select(WebLink).where(WebLink.token_hash == _hash(token)).with_for_update())
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    link.used_at = now
    return await session.get(Person, link.person_id)


async def open_session(
    session: AsyncSession, person: Person, now: datetime, lifetime: timedelta, agent: str
) -> tuple[str, str]:
    """A new session: (its cookie token, its CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    session.add(WebSession(token_hash=_hash(token), person_id=person.id, csrf=csrf, created_at=now,
                           last_seen_at=now, expires_at=now + lifetime, agent=agent[:255]))  # fmt: skip
    await session.flush()
    return token, csrf


async def find_session(
    session: AsyncSession, token: str, now: datetime, idle: timedelta
) -> tuple[WebSession, Person] | None:
    """The live session for a cookie token (touched: its idle time starts again), with its person."""
    if not token or len(token) > 100:
        return None
    found = await session.scalar(select(WebSession).where(WebSession.token_hash == _hash(token)))
    if found is None or found.revoked_at is not None or found.expires_at <= now or found.last_seen_at + idle <= now:
        return None
    person = await session.get(Person, found.person_id)
    if person is None:
        return None
    found.last_seen_at = now
    return found, person


async def sessions_of(session: AsyncSession, person_id: int, now: datetime) -> Sequence[WebSession]:
    return (await session.scalars(
        select(WebSession).where(WebSession.person_id == person_id, WebSession.revoked_at.is_(None),
                                 WebSession.expires_at > now).order_by(WebSession.created_at.desc())
    )).all()  # fmt: skip


async def revoke(session: AsyncSession, person_id: int, now: datetime, session_id: int | None = None) -> int:
    """Ends one of the person's sessions, or all of them; returns how many."""
    query = update(WebSession).where(WebSession.person_id == person_id, WebSession.revoked_at.is_(None))
    if session_id is not None:
        query = query.where(WebSession.id == session_id)
    result = await session.execute(query.values(revoked_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
