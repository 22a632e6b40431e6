"""Periodic reports: the figures a period's activity reports and register changes add up to, submission (late is
marked, never refused), and review — each step kept in ``periodic_report_events`` with who and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import webhooks
from storage.models import (
    ActivityReport,
    OverseasRecord,
    PeriodicReport,
    PeriodicReportEvent,
    ReportSchedule,
)

FIGURES = ("activities", "participants", "foreign_participants", "money_vnd", "overseas_added", "overseas_updated")
NARRATIVE = ("results", "difficulties", "proposals")


async def figures(session: AsyncSession, unit_id: int, start: date, end: date, zone: ZoneInfo) -> dict[str, Any]:
    """What the unit logged in [start, end]: activities by kind and their totals, overseas records added and updated."""
    rows = await session.execute(
        select(ActivityReport.kind_code, func.count(), func.coalesce(func.sum(ActivityReport.participants), 0),
               func.coalesce(func.sum(ActivityReport.foreign_participants), 0),
               func.coalesce(func.sum(ActivityReport.money_vnd), 0))
        .where(ActivityReport.unit_id == unit_id, ActivityReport.activity_date.between(start, end))
        .group_by(ActivityReport.kind_code)
    )  # fmt: skip
    by_kind: dict[str, int] = {}
    totals = {"activities": 0, "participants": 0, "foreign_participants": 0, "money_vnd": 0}
    for kind, count, participants, foreigners, money in rows:
        by_kind[kind] = count
        totals["activities"] += count
        totals["participants"] += int(participants)
        totals["foreign_participants"] += int(foreigners)
        totals["money_vnd"] += int(money)
    begin = datetime.combine(start, time(), zone)
    finish = datetime.combine(end + timedelta(days=1), time(), zone)
    live = (OverseasRecord.unit_id == unit_id, OverseasRecord.deleted_at.is_(None))
    added = await session.scalar(
        select(func.count()).where(*live, OverseasRecord.created_at >= begin, OverseasRecord.created_at < finish)
    )
    updated = await session.scalar(
        select(func.count()).where(
            *live, OverseasRecord.created_at < begin, OverseasRecord.updated_at >= begin,
            OverseasRecord.updated_at < finish,
        )
    )  # fmt: skip
    return {**totals, "overseas_added": added or 0, "overseas_updated": updated or 0, "by_kind": by_kind}


async def find(session: AsyncSession, schedule_id: int, period_key: str, unit_id: int) -> PeriodicReport | None:
    return await session.scalar(
        select(PeriodicReport).where(
            PeriodicReport.schedule_id == schedule_id,
            PeriodicReport.period_key == period_key,
            PeriodicReport.unit_id == unit_id,
        )
    )


@dataclass(frozen=True)
class Submitted:
    report: PeriodicReport
    action: str  # "submitted", "resubmitted", or "already" when someone else's submission came first


async def submit(
    session: AsyncSession, schedule: ReportSchedule, period_key: str, unit_id: int, values: dict[str, Any], *,
    person_id: int, actor_label: str, deadline: date, today: date, now: datetime,
) -> Submitted:  # fmt: skip
    """Files the report; a returned one is replaced and goes back to review. Late means after the deadline."""
    report = await find(session, schedule.id, period_key, unit_id)
    if report is not None and report.status != "returned":
        return Submitted(report, "already")
    content = {
        "figures": {name: values.get(name) or 0 for name in FIGURES} | {"by_kind": values.get("by_kind", {})},
        **{name: values.get(name) for name in NARRATIVE},
    }
    action = "resubmitted" if report is not None else "submitted"
    if report is None:
        report = PeriodicReport(schedule_id=schedule.id, period_key=period_key, unit_id=unit_id, deadline=deadline,
                                first_submitted_at=now, late=today > deadline)  # fmt: skip
        session.add(report)
    report.status, report.figures = "submitted", content["figures"]
    report.results, report.difficulties, report.proposals = (content[name] for name in NARRATIVE)
    report.submitted_by_id, report.submitted_at = person_id, now
    await session.flush()
    session.add(PeriodicReportEvent(report_id=report.id, at=now, person_id=person_id, actor_label=actor_label,
                                    action=action, snapshot=content))  # fmt: skip
    await webhooks.periodic_changed(session, report, f"periodic.{action}", now)
    return Submitted(report, action)


async def review(
    session: AsyncSession, report: PeriodicReport, *, approve: bool, comment: str | None, person_id: int,
    actor_label: str, now: datetime,
) -> None:  # fmt: skip
    report.status = "approved" if approve else "returned"
    report.reviewed_by_id, report.reviewed_at, report.review_comment = person_id, now, comment
    session.add(PeriodicReportEvent(report_id=report.id, at=now, person_id=person_id, actor_label=actor_label,
                                    action=report.status, comment=comment))  # fmt: skip
    await session.flush()
    await webhooks.periodic_changed(session, report, f"periodic.{report.status}", now)


async def events(session: AsyncSession, report: PeriodicReport) -> list[PeriodicReportEvent]:
    query = select(PeriodicReportEvent).where(PeriodicReportEvent.report_id == report.id)
    return list((await session.scalars(query.order_by(PeriodicReportEvent.at, PeriodicReportEvent.id))).all())
