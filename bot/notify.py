"""Messages to people other than the one being answered (an officer's report returned, a reminder, a digest):
written to the outbox in the caller's transaction, one per messenger account, in each person's language."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.engine.replies import Reply
from bot.i18n import I18n, i18n_for
from storage import outbox, schedules
from storage.models import ChannelIdentity, Person
from storage.people import Role

EVERGREEN = 0  # buttons in pushed messages carry screen 0: commands stay valid however old the message is


async def to_units(
    session: AsyncSession, unit_ids: Iterable[int], roles: tuple[str, ...], build: Callable[[I18n], Reply],
    now: datetime, *, every_messenger: bool = False,
) -> int:  # fmt: skip
    """Enqueues ``build(i18n)`` for every reachable account of the units' people with ``roles``; returns how many."""
    people = await schedules.recipients(session, unit_ids, roles, every_messenger=every_messenger)
    return await write(session, people, lambda person: build(i18n_for(person.language)), now)


async def write(
    session: AsyncSession, people: Iterable[schedules.Recipient], build: Callable[[schedules.Recipient], Reply],
    now: datetime, *, priority: int = 0,
) -> int:  # fmt: skip
    """One outbox message per reachable account, each built for its person; returns how many."""
    messages = [
        outbox.Outgoing(person.channel, person.chat_id, person.identity_id, build(person).to_json(), priority)
        for person in people
        if not person.unreachable
    ]
    await outbox.enqueue(session, messages, now)
    return len(messages)


async def to_admins(session: AsyncSession, build: Callable[[I18n], Reply], now: datetime) -> int:
    """Enqueues ``build(i18n)`` for every administrator (a data request, a bulk export of personal data)."""
    units = (
        await session.scalars(
            select(Person.unit_id).where(Person.role == Role.ADMIN, Person.deactivated_at.is_(None)).distinct()
        )
    ).all()
    return await to_units(session, [unit for unit in units if unit is not None], (Role.ADMIN.value,), build, now)


async def to_person(session: AsyncSession, person: Person, build: Callable[[I18n], Reply], now: datetime) -> int:
    """Enqueues ``build(i18n)`` for one person, on the messenger they used last (if it can reach them)."""
    account = (await session.execute(
        select(ChannelIdentity.channel, ChannelIdentity.chat_id, ChannelIdentity.id)
        .where(ChannelIdentity.person_id == person.id, ChannelIdentity.unreachable_at.is_(None))
        .order_by(ChannelIdentity.last_seen_at.desc()).limit(1)
    )).first()  # fmt: skip
    if account is None:
        return 0
    payload = build(i18n_for(person.language)).to_json()
    await outbox.enqueue(session, [outbox.Outgoing(account[0], account[1], account[2], payload)], now)
    return 1


def is_quiet(settings: Settings, local: datetime) -> bool:
    """Reminders wait outside ``CAUNOI_REMINDER_HOURS`` (21:00–07:00 local by default)."""
    start, end = settings.reminder_hours
    return not start <= local.hour < end


def days_left(i18n: I18n, deadline: date, today: date) -> str:
    """ "3 day(s) left", "due today", "2 day(s) late"."""
    days = (deadline - today).days
    if days > 0:
        return i18n.t("{days} day(s) left", days=days)
    if days == 0:
        return i18n.t("due today")
    return i18n.t("{days} day(s) late", days=-days)
