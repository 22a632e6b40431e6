"""The life of an officer after the invite: listed with their last activity and messengers, moved to another unit,
given another role, deactivated when they leave (their records stay; the bot no longer takes their word, their web
sessions end) and reactivated. Each change is one function here, audited by its caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import api_tokens, web_access
from storage.models import ActivityReport, ChannelIdentity, Person, Unit
from storage.people import Role
from storage.units import Scope


@dataclass(frozen=True)
class Officer:
    person: Person
    unit: Unit | None
    messengers: tuple[str, ...]
    last_seen: datetime | None
    last_report: datetime | None


async def listed(session: AsyncSession, scope: Scope, *, unit_id: int | None = None) -> list[Officer]:
    """The people of the scope's units (or of one unit), by unit then name, with what shows they are active."""
    query = select(Person, Unit).outerjoin(Unit, Unit.id == Person.unit_id).where(scope.clause(Person.unit_id))
    if unit_id is not None:
        query = query.where(Person.unit_id == unit_id)
    rows = (await session.execute(query.order_by(Unit.name, Person.full_name, Person.id).limit(5000))).all()
    ids = [person.id for person, _ in rows]
    seen: dict[int, tuple[list[str], datetime | None]] = {}
    for person_id, channel, last in (await session.execute(
        select(ChannelIdentity.person_id, ChannelIdentity.channel, ChannelIdentity.last_seen_at)
        .where(ChannelIdentity.person_id.in_(ids))
    )).all():  # fmt: skip
        channels, latest = seen.setdefault(person_id, ([], None))
        channels.append(channel)
        seen[person_id] = (channels, max(filter(None, (latest, last)), default=None))
    reported = dict((await session.execute(
        select(ActivityReport.reporter_id, func.max(ActivityReport.created_at))
        .where(ActivityReport.reporter_id.in_(ids)).group_by(ActivityReport.reporter_id)
    )).all())  # fmt: skip
    return [Officer(person, unit, tuple(sorted(seen.get(person.id, ([], None))[0])),
                    seen.get(person.id, ([], None))[1], reported.get(person.id)) for person, unit in rows]  # fmt: skip


async def in_scope(session: AsyncSession, scope: Scope, person_id: int | None) -> Person | None:
    """The person, if they belong to a unit of the scope (a supervisor manages their subtree's people only)."""
    if person_id is None:
        return None
    return await session.scalar(select(Person).where(Person.id == person_id, scope.clause(Person.unit_id)))


async def move(session: AsyncSession, person: Person, unit: Unit) -> None:
    person.unit_id = unit.id


async def set_role(session: AsyncSession, person: Person, role: Role, now: datetime) -> None:
    """A new role; a person no longer supervising loses their web sessions and API tokens."""
    person.role = role.value
    if role is Role.OFFICER:
        await web_access.revoke(session, person.id, now)
        await api_tokens.revoke(session, person.id, now)


async def deactivate(session: AsyncSession, person: Person, now: datetime) -> None:
    person.deactivated_at = now
    await web_access.revoke(session, person.id, now)
    await api_tokens.revoke(session, person.id, now)


async def reactivate(session: AsyncSession, person: Person) -> None:
    person.deactivated_at = None
