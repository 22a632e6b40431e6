"""Report schedules and who must report: the units a schedule covers, which of them have submitted, their officers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, PeriodicReport, Person, ReportSchedule, Unit
from storage.periods import DeadlineRule, Period
from storage.types import VIETNAM
from storage.units import Scope, live

DONE = ("submitted", "approved")


def rule_of(schedule: ReportSchedule) -> DeadlineRule:
    if schedule.deadline_days_after is not None:
        return DeadlineRule(days_after_end=schedule.deadline_days_after)
    return DeadlineRule(day=schedule.deadline_day, month=schedule.deadline_month)


def applies(schedule: ReportSchedule, period: Period) -> bool:
    """The schedule asks for this period: the right type, one of its periods of the year, and not due before the
    schedule existed (a schedule added in November does not make everyone late for June)."""
    if period.type != schedule.period_type or (schedule.only_periods and period.number not in schedule.only_periods):
        return False
    rule = rule_of(schedule)
    return rule.serves(period) and rule.deadline(period) >= schedule.created_at.astimezone(VIETNAM).date()


async def active(session: AsyncSession) -> list[ReportSchedule]:
    query = select(ReportSchedule).where(ReportSchedule.active.is_(True)).order_by(ReportSchedule.id)
    return list((await session.scalars(query)).all())


async def by_code(session: AsyncSession, code: str) -> ReportSchedule | None:
    return await session.scalar(select(ReportSchedule).where(ReportSchedule.code == code))


@dataclass(frozen=True)
class Expected:
    """A unit that must send a schedule's report, and its parent (whose supervisors get the digest)."""

    id: int
    name: str
    parent_id: int | None


async def expected_units(
    session: AsyncSession, schedule: ReportSchedule, within: Scope | None = None
) -> list[Expected]:
    """Units of the schedule's level under its root — as the tree is now, so a moved unit follows its new parent."""
    query = select(Unit.id, Unit.name, Unit.parent_id).where(Unit.level == schedule.level, live())
    if schedule.root_unit_id is not None:
        query = query.where(Scope(schedule.root_unit_id, subtree=True).clause(Unit.id))
    if within is not None:
        query = query.where(within.clause(Unit.id))
    return [Expected(*row) for row in await session.execute(query.order_by(Unit.name))]


async def covers(session: AsyncSession, schedule: ReportSchedule, unit: Unit) -> bool:
    if unit.level != schedule.level:
        return False
    if schedule.root_unit_id is None:
        return True
    found = await session.scalar(
        select(Unit.id).where(Unit.id == unit.id, Scope(schedule.root_unit_id, subtree=True).clause(Unit.id))
    )
    return found is not None


async def reports_for(
    session: AsyncSession, schedule_id: int, period_key: str, unit_ids: Iterable[int] | None = None
) -> dict[int, PeriodicReport]:
    query = select(PeriodicReport).where(
        PeriodicReport.schedule_id == schedule_id, PeriodicReport.period_key == period_key
    )
    reports = (await session.scalars(query)).all()
    wanted = None if unit_ids is None else set(unit_ids)
    return {report.unit_id: report for report in reports if wanted is None or report.unit_id in wanted}


@dataclass(frozen=True)
class Recipient:
    """One messenger account of a person who should hear about a unit: where to send, in which language."""

    person_id: int
    unit_id: int
    channel: str
    chat_id: str
    identity_id: int
    language: str
    unreachable: bool


async def recipients(
    session: AsyncSession, unit_ids: Iterable[int], roles: tuple[str, ...], *, every_messenger: bool = False
) -> list[Recipient]:
    """The people with one of ``roles`` in the units, each on the messenger they used last (or on every one they
    linked, with ``every_messenger``); in chunks, as a province is 3,300 units."""
    ids = list(unit_ids)
    found: list[Recipient] = []
    for start in range(0, len(ids), 500):
        query = (
            select(Person.id, Person.unit_id, ChannelIdentity.channel, ChannelIdentity.chat_id, ChannelIdentity.id,
                   Person.language, ChannelIdentity.unreachable_at)
            .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
            .where(Person.unit_id.in_(ids[start : start + 500]), Person.role.in_(roles),
                   Person.deactivated_at.is_(None))
            .order_by(Person.id, ChannelIdentity.unreachable_at.is_(None).desc(), ChannelIdentity.last_seen_at.desc(),
                      ChannelIdentity.id)
        )  # fmt: skip
        seen: set[int] = set()
        for person, unit, channel, chat, identity, language, unreachable in await session.execute(query):
            if person in seen and not every_messenger:
                continue
            seen.add(person)
            found.append(Recipient(person, unit, channel, chat, identity, language or "vi", unreachable is not None))
    return found


def deadline_of(schedule: ReportSchedule, period: Period) -> date:
    return rule_of(schedule).deadline(period)


async def save(session: AsyncSession, code: str, *, create: bool, now: datetime, **fields: object) -> ReportSchedule:
    """Creates or changes a schedule; ``None`` leaves a field as it is. Reminders follow the new values at the next
    sweep (nothing was queued ahead), and a moved deadline starts a fresh series of reminders."""
    schedule = await by_code(session, code)
    if create and schedule is not None:
        raise ValueError(f"schedule {code!r} exists already")
    if not create and schedule is None:
        raise ValueError(f"unknown schedule {code!r}")
    if schedule is None:
        schedule = ReportSchedule(code=code, only_periods=[], remind_before=[7, 3, 1, 0], remind_after=[1, 3],
                                  active=True, created_at=now)  # fmt: skip
        session.add(schedule)
    for name, value in fields.items():
        if value is not None:
            setattr(schedule, name, value)
    if fields.get("deadline_days_after") is not None:
        schedule.deadline_day = schedule.deadline_month = None
    elif fields.get("deadline_day") is not None:
        schedule.deadline_days_after = None
    schedule.updated_at = now
    rule_of(schedule)  # refuses an impossible deadline before anything is stored
    if not schedule.name or schedule.period_type not in ("month", "quarter", "half", "year") or not schedule.level:
        raise ValueError("a schedule needs a name, a period type (month, quarter, half, year) and a unit level")
    await session.flush()
    return schedule
