"""Tokens for the read-only data API. Only a token's SHA-256 is stored, so a copy of the database opens nothing; a
token is shown once, when it is made. It reads exactly what its person may read (the person's scope is looked up on
every call, so a move or a role change applies at once) and ends when revoked, after TOKEN_DAYS, or when its person
is deactivated or stops supervising."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ApiToken, Person

TOKEN_DAYS = 365
PREFIX = "cn_"  # says what the secret is when it turns up in a file or a paste


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create(session: AsyncSession, person: Person, name: str, now: datetime) -> tuple[ApiToken, str]:
    """A new token for ``person``: the stored row and the secret, which is not kept anywhere."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(token_hash=_hash(secret), person_id=person.id, name=name.strip()[:64] or "API",
                     created_at=now, expires_at=now + timedelta(days=TOKEN_DAYS))  # fmt: skip
    session.add(token)
    await session.flush()
    return token, secret


async def find(session: AsyncSession, secret: str, now: datetime) -> tuple[ApiToken, Person] | None:
    """The live token and its active person (its last use noted), or None."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = await session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(secret)))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    person = await session.get(Person, token.person_id)
    if person is None or person.deactivated_at is not None:
        return None
    token.last_used_at = now
    return token, person


async def tokens_of(session: AsyncSession, person_id: int, now: datetime) -> Sequence[ApiToken]:
    return (await session.scalars(
        select(ApiToken).where(ApiToken.person_id == person_id, ApiToken.revoked_at.is_(None),
                               ApiToken.expires_at > now).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )).all()  # fmt: skip


async def revoke(session: AsyncSession, person_id: int, now: datetime, token_id: int | None = None) -> int:
    """Ends one of the person's tokens, or all of them; returns how many."""
    query = update(ApiToken).where(ApiToken.person_id == person_id, ApiToken.revoked_at.is_(None))
    if token_id is not None:
        query = query.where(ApiToken.id == token_id)
    result = await session.execute(query.values(revoked_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
