"""Activity reports and the catalogue of activity kinds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import activity_words, webhooks
from storage.models import ActivityChange, ActivityKind, ActivityPhoto, ActivityReport


async def active_kinds(session: AsyncSession) -> Sequence[ActivityKind]:
    return (
        await session.scalars(select(ActivityKind).where(ActivityKind.active).order_by(ActivityKind.sort_order))
    ).all()


async def kinds_used(session: AsyncSession, unit_id: int, since: date) -> dict[str, int]:
    """How often the unit reported each kind since ``since``: its usual kinds are offered first."""
    rows = await session.execute(
        select(ActivityReport.kind_code, func.count())
        .where(ActivityReport.unit_id == unit_id, ActivityReport.activity_date >= since)
        .group_by(ActivityReport.kind_code)
    )
    return {code: count for code, count in rows.all()}


async def save_report(
    session: AsyncSession,
    *,
    draft_key: str,
    unit_id: int,
    reporter_id: int,
    answers: dict[str, Any],
    form_name: str,
    form_version: int,
    now: datetime,
) -> tuple[ActivityReport, bool]:
    """Inserts the report unless this draft was saved already; returns (report, created)."""
    existing = await session.scalar(select(ActivityReport).where(ActivityReport.draft_key == draft_key))
    if existing is not None:
        return existing, False
    report = ActivityReport(
        draft_key=draft_key,
        unit_id=unit_id,
        reporter_id=reporter_id,
        kind_code=answers["kind"],
        activity_date=date.fromisoformat(answers["activity_date"]),
        title=answers["title"],
        description=answers.get("description"),
        place=answers.get("place"),
        partner_country=answers.get("partner_country"),
        partner_org=answers.get("partner_org"),
        participants=answers["participants"],
        participants_note=answers.get("participants_note"),
        foreign_participants=answers.get("foreign_participants"),
        money_vnd=answers.get("money_vnd"),
        form_name=form_name,
        form_version=form_version,
        created_at=now,
        photos=[
            ActivityPhoto(channel=photo["channel"], file_ref=photo["ref"], position=i)
            for i, photo in enumerate(answers.get("photos") or [])
        ],
    )
    session.add(report)
    await session.flush()
    await activity_words.index(session, report, before=None)
    await webhooks.activity_changed(session, report, "activity.created", now)
    return report, True


FIELDS = ("kind", "activity_date", "title", "description", "place", "partner_country", "partner_org", "participants",
          "participants_note", "foreign_participants", "money_vnd")  # fmt: skip
_COLUMNS = {"kind": "kind_code"}  # an answer's column where the names differ


def answers_of(report: ActivityReport) -> dict[str, Any]:
    """The report as the form's answers (dates ISO, photos as channel references): to open it for a correction."""
    answers: dict[str, Any] = {name: getattr(report, _COLUMNS.get(name, name)) for name in FIELDS}
    answers["activity_date"] = report.activity_date.isoformat()
    answers["photos"] = [{"channel": photo.channel, "ref": photo.file_ref} for photo in report.photos]
    return {name: value for name, value in answers.items() if value not in (None, [])}


async def correct_report(
    session: AsyncSession, report: ActivityReport, answers: dict[str, Any], *, actor_id: int, now: datetime
) -> dict[str, list[Any]]:
    """Applies the corrected answers and keeps what changed, [before, after] per field, in the report's history."""
    before, changes = answers_of(report), {}
    for name in (*FIELDS, "photos"):
        old, new = before.get(name), answers.get(name) or None
        if old != new:
            changes[name] = [len(old or []), len(new or [])] if name == "photos" else [old, new]
    if not changes:
        return changes
    indexed = (report.activity_date, report.search_words)
    for name in FIELDS:
        value = answers.get(name)
        setattr(report, _COLUMNS.get(name, name), date.fromisoformat(value) if name == "activity_date" else value)
    if "photos" in changes:
        report.photos = [ActivityPhoto(channel=photo["channel"], file_ref=photo["ref"], position=i)
                         for i, photo in enumerate(answers.get("photos") or [])]  # fmt: skip
    session.add(ActivityChange(report_id=report.id, at=now, actor_id=actor_id, changes=changes))
    await session.flush()
    await activity_words.index(session, report, before=indexed)
    await webhooks.activity_changed(session, report, "activity.corrected", now)
    return changes


async def history(session: AsyncSession, report_id: int) -> Sequence[ActivityChange]:
    return (await session.scalars(select(ActivityChange).where(ActivityChange.report_id == report_id)
                                  .order_by(ActivityChange.id))).all()  # fmt: skip


async def recent_by_reporter(session: AsyncSession, reporter_id: int, limit: int = 10) -> Sequence[ActivityReport]:
    return (
        await session.scalars(
            select(ActivityReport)
            .where(ActivityReport.reporter_id == reporter_id)
            .order_by(ActivityReport.activity_date.desc(), ActivityReport.id.desc())
            .limit(limit)
        )
    ).all()


async def for_units(session: AsyncSession, unit_ids: Sequence[int] | None) -> Sequence[ActivityReport]:
    """Reports of the given units (None: all), oldest first, for exports."""
    query = select(ActivityReport).order_by(ActivityReport.activity_date, ActivityReport.id)
    if unit_ids is not None:
        query = query.where(ActivityReport.unit_id.in_(unit_ids))
    return (await session.scalars(query)).all()


async def all_kinds(session: AsyncSession) -> Sequence[ActivityKind]:
    return (await session.scalars(select(ActivityKind).order_by(ActivityKind.sort_order, ActivityKind.code))).all()


async def edit_kind(
    session: AsyncSession, code: str, *, create: bool, name_vi: str | None, name_en: str | None, sort_order: int | None,
    short_vi: str | None = None, short_en: str | None = None,
) -> ActivityKind:  # fmt: skip
    """Adds a kind (``create``) or renames/reorders an existing one; a code is never silently reused."""
    if any(len(short or "") > 48 for short in (short_vi, short_en)):
        raise ValueError("a short name is at most 48 characters")
    kind = await session.get(ActivityKind, code)
    if create:
        if kind is not None:
            raise ValueError(f"activity kind {code!r} exists already; use 'rename'")
        if not name_vi:
            raise ValueError("a new kind needs a Vietnamese name (--vi)")
        last = await session.scalar(select(ActivityKind.sort_order).order_by(ActivityKind.sort_order.desc()).limit(1))
        order = sort_order if sort_order is not None else (last or 0) + 10
        kind = ActivityKind(code=code, name_vi=name_vi, name_en=name_en or name_vi, sort_order=order, active=True,
                            short_vi=short_vi, short_en=short_en)  # fmt: skip
        session.add(kind)
        return kind
    if kind is None:
        raise ValueError(f"unknown activity kind {code!r}")
    if name_vi:
        kind.name_vi = name_vi
    if name_en:
        kind.name_en = name_en
    if short_vi:
        kind.short_vi = short_vi
    if short_en:
        kind.short_en = short_en
    if sort_order is not None:
        kind.sort_order = sort_order
    return kind


async def set_kind_active(session: AsyncSession, code: str, active: bool) -> ActivityKind:
    """Disabling hides a kind from new reports; reports already filed keep it."""
    kind = await session.get(ActivityKind, code)
    if kind is None:
        raise ValueError(f"unknown activity kind {code!r}")
    kind.active = active
    return kind
