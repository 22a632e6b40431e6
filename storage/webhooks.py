"""Webhooks out: each new or changed report becomes one outbox message per registered URL, in the transaction that
changed the report (so a report and its notices commit together, and a rolled-back one tells nobody). The body is
the report's data as JSON — ids and codes, no reporter's name —, and the message is cleared once delivered, as every
outbox message is."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from yarl import URL

from storage import outbox
from storage.crypto import Cipher
from storage.models import ActivityPhoto, ActivityReport, PeriodicReport, ReportSchedule, Unit, Webhook
from storage.units import ancestors

CHANNEL = "webhook"
PLAIN = 64  # a secret stored as it is: 32 random bytes in hex (an encrypted one is a longer token)


def checked_url(url: str) -> str | None:
    """The URL as it will be called — HTTPS, or plain HTTP to this machine (a receiver beside the bot, and the
    tests) — or None."""
    try:
        parsed = URL(url.strip())
    except ValueError:
        return None
    local = parsed.host in ("127.0.0.1", "localhost", "::1")
    if parsed.scheme not in ("https", "http") or (parsed.scheme == "http" and not local) or not parsed.host:
        return None
    return str(parsed) if len(str(parsed)) <= 500 else None


async def add(session: AsyncSession, url: str, actor_label: str, now: datetime, cipher: Cipher,
              unit: Unit | None = None) -> tuple[Webhook, str]:  # fmt: skip
    """A new URL and its signing secret — shown once, and stored encrypted with the data key when there is one (a
    copy of the database, a backup, does not let anyone sign deliveries the province's system would trust)."""
    secret = secrets.token_hex(32)
    stored = cipher.encrypt({"secret": secret}) if cipher.available else secret
    hook = Webhook(url=url, secret=stored, created_by_label=actor_label, created_at=now,
                   unit_id=unit.id if unit else None)  # fmt: skip
    session.add(hook)
    await session.flush()
    return hook, secret


def secret_of(hook: Webhook, cipher: Cipher) -> str:
    """The secret that signs the URL's deliveries (stored plain before the data key existed, or without one)."""
    if len(hook.secret) == PLAIN:
        return hook.secret
    return str(cipher.decrypt(hook.secret)["secret"])


async def active(session: AsyncSession) -> list[Webhook]:
    return list(await session.scalars(select(Webhook).where(Webhook.removed_at.is_(None)).order_by(Webhook.id)))


async def remove(session: AsyncSession, hook_id: int, now: datetime) -> bool:
    """Stops sending to a URL; False when there is no such one."""
    hook = next((hook for hook in await active(session) if hook.id == hook_id), None)
    if hook is None:
        return False
    hook.removed_at = now
    return True


async def emit(session: AsyncSession, event: str, data: dict[str, Any], now: datetime, unit: Unit | None) -> int:
    """Queues ``event`` for every registered URL whose unit holds ``unit`` (or that is for every report); returns
    how many."""
    hooks = await active(session)
    if any(hook.unit_id is not None for hook in hooks):
        above = {unit.id, *(parent.id for parent in await ancestors(session, unit))} if unit else set()
        hooks = [hook for hook in hooks if hook.unit_id is None or hook.unit_id in above]
    if not hooks:
        return 0
    body = json.dumps({"event": event, "at": now.isoformat(), "data": data}, ensure_ascii=False, default=str)
    payload = {"text": body}  # the outbox carries replies (bot.engine.replies): a webhook's text is its JSON body
    await outbox.enqueue(session, [outbox.Outgoing(CHANNEL, str(hook.id), None, payload, outbox.BULK)
                                   for hook in hooks], now)  # fmt: skip
    return len(hooks)


async def activity_changed(session: AsyncSession, report: ActivityReport, event: str, now: datetime) -> None:
    unit = await session.get(Unit, report.unit_id)
    photos = await session.scalar(select(func.count()).where(ActivityPhoto.report_id == report.id))
    await emit(session, event, {
        "id": report.id, "unit_code": unit.code if unit else None, "kind": report.kind_code,
        "activity_date": report.activity_date.isoformat(), "title": report.title, "place": report.place,
        "partner_country": report.partner_country, "partner_org": report.partner_org,
        "participants": report.participants, "participants_note": report.participants_note,
        "foreign_participants": report.foreign_participants, "money_vnd": report.money_vnd,
        "photos": photos or 0, "created_at": report.created_at.isoformat(),
    }, now, unit)  # fmt: skip


async def periodic_changed(session: AsyncSession, report: PeriodicReport, event: str, now: datetime) -> None:
    unit = await session.get(Unit, report.unit_id)
    schedule = await session.get(ReportSchedule, report.schedule_id)
    await emit(session, event, {
        "id": report.id, "schedule": schedule.code if schedule else None, "period": report.period_key,
        "unit_code": unit.code if unit else None, "status": report.status, "late": report.late,
        "figures": report.figures, "submitted_at": report.submitted_at, "reviewed_at": report.reviewed_at,
    }, now, unit)  # fmt: skip
