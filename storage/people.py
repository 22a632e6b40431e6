"""People, their messenger identities, and single-use invites that bind one to the other."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, Invite, LinkCode, Person, Unit
from storage.units import Scope

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class Role(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


SUPERVISING = frozenset({Role.SUPERVISOR.value, Role.ADMIN.value})  # the roles that see and review their subtree


def normalise_code(text: str) -> str | None:
    """ "abcd-efgh", "ABCD EFGH" → "ABCDEFGH"; None when it cannot be an invite code."""
    code = "".join(ch for ch in text.upper() if ch not in " -_.")
    if len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code):
        return code
    return None


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


@dataclass(frozen=True)
class NewInvite:
    code: str
    invite: Invite


async def create_invite(
    session: AsyncSession, unit: Unit, role: Role, now: datetime, ttl: timedelta, created_by: Person | None = None
) -> NewInvite:
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    invite = Invite(
        code_hash=hash_code(code),
        unit_id=unit.id,
        role=role.value,
        created_by_id=created_by.id if created_by else None,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(invite)
    await session.flush()
    return NewInvite(code, invite)


class RedeemError(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


async def redeem_invite(session: AsyncSession, code: str, now: datetime) -> Invite | RedeemError:
    """Marks the invite used, atomically: of two people racing for one code, exactly one wins."""
    invite = await session.scalar(select(Invite).where(Invite.code_hash == hash_code(code)))
    if invite is None:
        return RedeemError.UNKNOWN
    if invite.used_at is not None:
        return RedeemError.USED
    if invite.expires_at <= now:
        return RedeemError.EXPIRED
    claimed = await session.execute(
        update(Invite).where(Invite.id == invite.id, Invite.used_at.is_(None)).values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return RedeemError.USED
    invite.used_at = now
    return invite


async def person_of(session: AsyncSession, identity: ChannelIdentity) -> Person | None:
    return await session.get(Person, identity.person_id) if identity.person_id else None


def scope_of(person: Person) -> Scope:
    """Need to know: an officer sees their unit, a supervisor their unit's subtree, an admin everything."""
    if person.role == Role.ADMIN:
        return Scope.everything()
    if person.unit_id is None:
        return Scope(-1)
    return Scope(person.unit_id, subtree=person.role == Role.SUPERVISOR)


async def create_link_code(session: AsyncSession, person: Person, now: datetime, ttl: timedelta) -> str:
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    session.add(LinkCode(code_hash=hash_code(code), person_id=person.id, created_at=now, expires_at=now + ttl))
    await session.flush()
    return code


async def redeem_link_code(session: AsyncSession, code: str, now: datetime) -> Person | None:
    """The person the code was made for, if it is unused and unexpired; marks it used (once, even under a race)."""
    link = await session.scalar(select(LinkCode).where(LinkCode.code_hash == hash_code(code)))
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    claimed = await session.execute(
        update(LinkCode).where(LinkCode.id == link.id, LinkCode.used_at.is_(None)).values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await session.get(Person, link.person_id)
