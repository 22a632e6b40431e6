"""A data subject's rights under the Law on Personal Data Protection (Law 91/2025/QH15, in force 1 January 2026) and
Decree 356/2025/NĐ-CP: everything held about one person, gathered for them, and their requests followed to their
legal deadlines — an answer within two working days of receipt, the request done within fifteen days (the decree's
time for stopping or restricting processing; a request may be extended once, by fifteen days at most).

Two kinds of subject: a record of the register (a person abroad and their relative at home, who never use the bot)
and a person who uses the bot (an officer: their account, messengers and what they wrote).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import Cipher, DataKeyError
from storage.models import (
    ActivityReport,
    AuditEntry,
    BroadcastRecipient,
    ChannelIdentity,
    OverseasChange,
    OverseasRecord,
    PeriodicReport,
    Person,
    PlanTaskUnit,
    PrivacyRequest,
)

KINDS = ("access", "correct", "erase", "restrict", "object", "other")
ANSWER_WORKING_DAYS = 2
COMPLETE_DAYS = 15
_RECORD_FIELDS = ("full_name", "gender", "birth_year", "country", "city", "abroad_since", "group_code", "association",
                  "contact", "relative_name", "relationship", "relative_address", "relative_phone",
                  "relative_in_association", "status", "source", "created_at", "updated_at", "deleted_at")  # fmt: skip


def working_days_after(day: date, count: int) -> date:
    """``count`` working days (Monday to Friday) after ``day``. Public holidays are not known here: at Tết the
    legal day falls later than this, so this errs on the early side."""
    while count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def open_request(session: AsyncSession, subject_type: str, subject_id: int, kind: str, received_on: date, *,
                 detail: str | None, by: str) -> PrivacyRequest:  # fmt: skip
    if kind not in KINDS or subject_type not in ("record", "person"):
        raise ValueError(f"unknown request kind {kind!r} or subject {subject_type!r}")
    request = PrivacyRequest(subject_type=subject_type, subject_id=subject_id, kind=kind, detail=detail,
                             received_on=received_on, respond_by=working_days_after(received_on, ANSWER_WORKING_DAYS),
                             complete_by=received_on + timedelta(days=COMPLETE_DAYS), status="open",
                             created_by_label=by)  # fmt: skip
    session.add(request)
    return request


async def requests(session: AsyncSession, *, open_only: bool = True) -> list[PrivacyRequest]:
    query = select(PrivacyRequest).order_by(PrivacyRequest.complete_by, PrivacyRequest.id)
    if open_only:
        query = query.where(PrivacyRequest.status == "open")
    return list((await session.scalars(query)).all())


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


async def record_data(session: AsyncSession, record_id: int, cipher: Cipher) -> dict[str, Any] | None:
    """A register record as held: its fields, its notes (decrypted when the key is here), its history of changes,
    and the audit lines that name it (who looked at it or changed it, and when)."""
    record = await session.get(OverseasRecord, record_id)
    if record is None:
        return None
    notes: Any = None
    if record.notes_enc:
        try:
            notes = cipher.decrypt(record.notes_enc) if cipher.available else "(encrypted; no key on this machine)"
        except DataKeyError:
            notes = "(encrypted with another key)"
    changes = (await session.scalars(select(OverseasChange).where(OverseasChange.record_id == record_id)
                                     .order_by(OverseasChange.id))).all()  # fmt: skip
    seen = await _audit(session, AuditEntry.object_type == "overseas_record", AuditEntry.object_id == str(record_id))
    return {
        "subject": {"type": "record", "id": record_id},
        "record": {name: _plain(getattr(record, name)) for name in _RECORD_FIELDS},
        "notes": notes,
        "history": [
            {"at": _plain(c.at), "by": c.actor_label, "field": c.field, "old": c.old_value, "new": c.new_value}
            for c in changes
        ],
        "audit": seen,
    }


async def person_data(session: AsyncSession, person_id: int) -> dict[str, Any] | None:
    """A person who uses the bot: account, messengers, what they reported and closed, what they received, and the
    audit lines of their own actions."""
    person = await session.get(Person, person_id)
    if person is None:
        return None
    identities = (await session.scalars(select(ChannelIdentity).where(ChannelIdentity.person_id == person_id))).all()
    activities = (await session.scalars(select(ActivityReport).where(ActivityReport.reporter_id == person_id)
                                        .order_by(ActivityReport.id))).all()  # fmt: skip
    periodic = (await session.scalars(select(PeriodicReport).where(PeriodicReport.submitted_by_id == person_id)
                                      .order_by(PeriodicReport.id))).all()  # fmt: skip
    tasks = (await session.scalars(select(PlanTaskUnit).where(PlanTaskUnit.done_by_id == person_id))).all()
    received = (
        await session.scalars(select(BroadcastRecipient).where(BroadcastRecipient.person_id == person_id))
    ).all()
    return {
        "subject": {"type": "person", "id": person_id},
        "person": {
            "full_name": person.full_name,
            "role": person.role,
            "unit_id": person.unit_id,
            "language": person.language,
            "created_at": _plain(person.created_at),
        },
        "messengers": [
            {
                "channel": i.channel,
                "account": i.external_id,
                "display_name": i.display_name,
                "language": i.language,
                "blocked_since": _plain(i.unreachable_at),
                "first_seen": _plain(i.created_at),
                "last_seen": _plain(i.last_seen_at),
            }
            for i in identities
        ],
        "activity_reports": [
            {
                "id": a.id,
                "date": _plain(a.activity_date),
                "title": a.title,
                "place": a.place,
                "participants": a.participants,
            }
            for a in activities
        ],
        "periodic_reports": [
            {"id": p.id, "schedule_id": p.schedule_id, "period": p.period_key, "status": p.status} for p in periodic
        ],
        "plan_tasks_closed": [{"task_unit_id": t.id, "done_at": _plain(t.done_at), "result": t.result} for t in tasks],
        "announcements_received": [
            {"broadcast_id": r.broadcast_id, "acknowledged_at": _plain(r.acknowledged_at)} for r in received
        ],
        "audit": await _audit(session, AuditEntry.actor_id == person_id),
    }


async def _audit(session: AsyncSession, *where: Any) -> list[dict[str, Any]]:
    rows = (await session.scalars(select(AuditEntry).where(*where).order_by(AuditEntry.id).limit(5000))).all()
    return [{"at": _plain(e.at), "action": e.action, "by": e.actor_label, "object": f"{e.object_type}:{e.object_id}"}
            for e in rows]  # fmt: skip
