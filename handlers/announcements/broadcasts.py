"""Broadcasts: one message to an audience (a subtree, a level, a role), through the durable outbox at bulk priority,
with a "Đã nhận" button on every copy and counts of sent / failed / unreachable / acknowledged.

Each recipient gets exactly one outbox message, written in the same transaction as the broadcast, so a crash before
the commit sends nothing and after it resumes where delivery stopped. Delivery is at-least-once: a crash between
Telegram accepting a message and the outbox recording it means that one message goes out a second time — at most
one duplicate per crash, per message in flight (the worker has at most one batch of 100 in flight).
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.replies import Document, Option, Reply
from bot.i18n import I18n, i18n_for
from bot.notify import EVERGREEN
from storage.models import Broadcast, BroadcastRecipient, ChannelIdentity, OutboxMessage, Person, Unit
from storage.outbox import BULK, PENDING
from storage.people import Role
from storage.units import Scope, by_code

MAX_DOCUMENT = 10 * 1024 * 1024


@dataclass(frozen=True)
class Audience:
    """Everyone under ``unit_id`` (None: everywhere), optionally only units of ``level`` and people with ``role``."""

    unit_id: int | None = None
    level: str | None = None
    role: str | None = None

    @classmethod
    async def from_codes(cls, session: AsyncSession, unit_code: str | None, level: str | None,
                         role: str | None) -> Audience:  # fmt: skip
        unit_id = None
        if unit_code:
            unit = await by_code(session, unit_code)
            if unit is None:
                raise ValueError(f"unknown unit code {unit_code!r}")
            unit_id = unit.id
        return cls(unit_id, level or None, role or None)


EVERY = "*"  # every level, or every role: no filter


def audience_of(person: Person, level: str | None, role: str | None) -> Audience:
    """Whom a person may address: everyone under their unit (an admin: everyone), of one level and role or all."""
    root = None if person.role == Role.ADMIN.value else person.unit_id
    return Audience(root, None if level in (None, "", EVERY) else level, None if role in (None, "", EVERY) else role)


@dataclass(frozen=True)
class Target:
    person_id: int
    language: str
    identity: tuple[str, str, int] | None  # (channel, chat_id, identity id) on the messenger used last, if reachable


async def recipients(session: AsyncSession, audience: Audience) -> list[Target]:
    """The people in the audience, each with the account to write to (None when every account blocked the bot)."""
    query = select(Person.id, Person.language).join(Unit, Unit.id == Person.unit_id)
    query = query.where(Person.deactivated_at.is_(None))  # someone who left hears no more announcements
    if audience.unit_id is not None:
        query = query.where(Scope(audience.unit_id, subtree=True).clause(Person.unit_id))
    if audience.level:
        query = query.where(Unit.level == audience.level)
    if audience.role:
        query = query.where(Person.role == audience.role)
    people = {person_id: language for person_id, language in await session.execute(query.order_by(Person.id))}
    accounts: dict[int, tuple[str, str, int]] = {}
    ids = list(people)
    for start in range(0, len(ids), 1000):
        rows = await session.execute(
            select(ChannelIdentity.person_id, ChannelIdentity.channel, ChannelIdentity.chat_id, ChannelIdentity.id)
            .where(ChannelIdentity.person_id.in_(ids[start : start + 1000]), ChannelIdentity.unreachable_at.is_(None))
            .order_by(ChannelIdentity.person_id, ChannelIdentity.last_seen_at.desc())
        )  # fmt: skip
        for person_id, channel, chat_id, identity_id in rows:
            accounts.setdefault(person_id, (channel, chat_id, identity_id))
    return [Target(person_id, language or "vi", accounts.get(person_id)) for person_id, language in people.items()]


def attach(filename: str, data: bytes) -> dict[str, Any]:
    if len(data) > MAX_DOCUMENT:
        raise ValueError("the file is larger than 10 MB")
    return asdict(Document(filename, base64.b64encode(data).decode(), ""))


def message(i18n: I18n, broadcast: Broadcast) -> Reply:
    document = Document(**broadcast.document) if broadcast.document else None
    button = Option(f"m:danhan {broadcast.id}", i18n.t("✅ Received"))
    return Reply(text=broadcast.text, title=i18n.t("Announcement from {sender}", sender=broadcast.sender_label),
                 rows=((button,),), screen=EVERGREEN, document=document,
                 typed_hint=i18n.t("Type /danhan {id} to confirm you received it.", id=broadcast.id))  # fmt: skip


async def _enqueue(session: AsyncSession, broadcast: Broadcast, targets: list[Target], now: datetime) -> list[int]:
    """One outbox row per reachable target, at bulk priority; returns their ids in the targets' order."""
    rows = [
        {"channel": t.identity[0], "chat_id": t.identity[1], "identity_id": t.identity[2], "priority": BULK,
         "payload": message(i18n_for(t.language), broadcast).to_json(), "status": PENDING, "attempts": 0,
         "not_before": now, "created_at": now}
        for t in targets if t.identity is not None
    ]  # fmt: skip
    ids: list[int] = []
    for start in range(0, len(rows), 1000):
        result = await session.execute(
            insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True), rows[start : start + 1000]
        )
        ids.extend(result.scalars().all())
    return ids


async def send(
    session: AsyncSession, audience: Audience, targets: list[Target], text: str, document: dict[str, Any] | None, *,
    sender_id: int | None, sender_label: str, now: datetime, plan_id: int | None = None,
) -> Broadcast:  # fmt: skip
    broadcast = Broadcast(sender_id=sender_id, sender_label=sender_label, text=text, document=document,
                          audience=asdict(audience), plan_id=plan_id, created_at=now)  # fmt: skip
    session.add(broadcast)
    await session.flush()
    outbox_ids = iter(await _enqueue(session, broadcast, targets, now))
    rows = [{"broadcast_id": broadcast.id, "person_id": t.person_id,
             "outbox_id": next(outbox_ids) if t.identity is not None else None} for t in targets]  # fmt: skip
    for start in range(0, len(rows), 1000):
        await session.execute(insert(BroadcastRecipient), rows[start : start + 1000])
    return broadcast


async def acknowledge(session: AsyncSession, broadcast_id: int, person_id: int, now: datetime) -> bool | None:
    """True the first time; False when already recorded (pressing "Đã nhận" again changes nothing); None when the
    announcement was not sent to this person (or does not exist)."""
    recipient = (BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.person_id == person_id)
    result = await session.execute(
        update(BroadcastRecipient).where(*recipient, BroadcastRecipient.acknowledged_at.is_(None))
        .values(acknowledged_at=now)
    )  # fmt: skip
    if result.rowcount:  # type: ignore[attr-defined]
        return True
    return False if await session.scalar(select(BroadcastRecipient.person_id).where(*recipient)) else None


async def latest_unacknowledged(session: AsyncSession, person_id: int) -> int | None:
    """The newest announcement sent to this person that they have not acknowledged yet."""
    return await session.scalar(
        select(BroadcastRecipient.broadcast_id)
        .where(BroadcastRecipient.person_id == person_id, BroadcastRecipient.acknowledged_at.is_(None),
               BroadcastRecipient.outbox_id.is_not(None))
        .order_by(BroadcastRecipient.broadcast_id.desc()).limit(1)
    )  # fmt: skip


@dataclass
class Status:
    recipients: int
    sent: int
    pending: int
    failed: int
    unreachable: int
    acknowledged: int
    waiting: list[str]


async def status(session: AsyncSession, broadcast_id: int) -> Status | None:
    if await session.get(Broadcast, broadcast_id) is None:
        return None
    rows = await session.execute(
        select(OutboxMessage.status, BroadcastRecipient.acknowledged_at.is_not(None), func.count())
        .select_from(BroadcastRecipient)
        .outerjoin(OutboxMessage, OutboxMessage.id == BroadcastRecipient.outbox_id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .group_by(OutboxMessage.status, BroadcastRecipient.acknowledged_at.is_not(None))
    )  # fmt: skip
    counts = {"sent": 0, "pending": 0, "failed": 0, "unreachable": 0}
    total = acknowledged = 0
    for state, acked, count in rows:
        total += count
        acknowledged += count if acked else 0
        counts[state if state in counts else "unreachable"] += count
    waiting = (await session.scalars(
        select(Person.full_name).join(BroadcastRecipient, BroadcastRecipient.person_id == Person.id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.acknowledged_at.is_(None))
        .order_by(Person.full_name).limit(50)
    )).all()  # fmt: skip
    return Status(total, counts["sent"], counts["pending"], counts["failed"], counts["unreachable"], acknowledged,
                  list(waiting))  # fmt: skip


async def status_text(session: AsyncSession, broadcast_id: int, i18n: I18n) -> str:
    found = await status(session, broadcast_id)
    if found is None:
        return i18n.t("There is no announcement #{id}.", id=broadcast_id)
    lines = [i18n.t("Announcement #{id}: {total} recipient(s) — sent {sent}, waiting {pending}, failed {failed}, "
                    "unreachable {unreachable}; acknowledged {acknowledged}.", id=broadcast_id,
                    total=found.recipients, sent=found.sent, pending=found.pending, failed=found.failed,
                    unreachable=found.unreachable, acknowledged=found.acknowledged)]  # fmt: skip
    if found.waiting:
        lines.append(i18n.t("Not yet acknowledged: {names}", names=", ".join(found.waiting)))
    return "\n".join(lines)


async def resend(session: AsyncSession, broadcast_id: int, now: datetime) -> int:
    """A new copy to every recipient who has not acknowledged and can be reached."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return 0
    waiting = (await session.scalars(
        select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id,
                                         BroadcastRecipient.acknowledged_at.is_(None))
    )).all()  # fmt: skip
    every = await recipients(session, Audience(**broadcast.audience))
    by_person = {target.person_id: target for target in every}
    targets = [
        by_person[row.person_id] for row in waiting if by_person.get(row.person_id, Target(0, "vi", None)).identity
    ]
    ids = iter(await _enqueue(session, broadcast, targets, now))
    new = {target.person_id: next(ids) for target in targets}
    for row in waiting:
        if row.person_id in new:
            row.outbox_id = new[row.person_id]
    return len(new)
