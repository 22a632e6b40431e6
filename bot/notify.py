"""Messages to people other than the one being answered (an officer's report returned, a reminder, a digest):
written to the outbox in the caller's transaction, one per messenger account, in each person's language."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.replies import Reply
from bot.i18n import I18n, i18n_for
from storage import outbox, schedules

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
