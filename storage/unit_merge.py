"""Merging one unit into another, as Vietnam merged its communes in July 2025: the people, their pending invites,
every activity report, register record, plan and periodic report move to the unit that remains, with their own
histories (corrections, reviews, changes) as they were; the units below it follow; schedules and plan tasks aimed
at it aim at the remaining one. Where both units hold the same thing — a periodic report for the same schedule and
period, a share of the same plan task — the remaining unit's stays and the other's is kept on the merged unit,
which stays as a row marked ``merged_into_id`` (so nothing is lost, and the history names it), no longer expected
to report, invited or offered as a choice. One transaction, audited with what moved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage import audit
from storage.models import (
    ActivityReport,
    Invite,
    OverseasImport,
    OverseasRecord,
    OverseasWord,
    PeriodicReport,
    Person,
    Plan,
    PlanTask,
    PlanTaskUnit,
    ReminderLog,
    ReportSchedule,
    Unit,
)
from storage.units import Scope


class MergeRefused(ValueError):
    """Two units that cannot be merged: the same one, one already merged, or the remaining one under the other."""


@dataclass
class Merged:
    """How many rows moved, by table; and what stayed on the merged unit because the remaining one had its own."""

    moved: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)


async def merge(session: AsyncSession, source: Unit, target: Unit, now: datetime, *, actor_label: str) -> Merged:
    """``source`` into ``target``; see the module's docstring."""
    if source.id == target.id:
        raise MergeRefused(f"{source.code} cannot be merged into itself")
    if source.merged_into_id is not None or target.merged_into_id is not None:
        merged = source if source.merged_into_id is not None else target
        raise MergeRefused(f"{merged.code} was already merged into another unit")
    under_source = await session.scalar(
        select(Unit.id).where(Unit.id == target.id, Scope(source.id, subtree=True).clause(Unit.id))
    )
    if under_source is not None:
        raise MergeRefused(f"{target.code} lies under {source.code}: merge the other way round")
    result = Merged()

    async def moved(name: str, statement: object) -> None:
        count = (await session.execute(statement)).rowcount  # type: ignore[call-overload, attr-defined]
        if count:
            result.moved[name] = count

    await moved("units", update(Unit).where(Unit.parent_id == source.id).values(parent_id=target.id))
    owned = (("people", Person), ("activity_reports", ActivityReport), ("overseas_records", OverseasRecord),
             ("overseas_words", OverseasWord), ("overseas_imports", OverseasImport), ("plans", Plan))  # fmt: skip
    for name, model in owned:
        await moved(name, update(model).where(model.unit_id == source.id).values(unit_id=target.id))
    await moved("invites", update(Invite).where(Invite.unit_id == source.id, Invite.used_at.is_(None))
                .values(unit_id=target.id))  # fmt: skip
    for name, model in (("report_schedules", ReportSchedule), ("plan_tasks", PlanTask)):
        await moved(name, update(model).where(model.root_unit_id == source.id).values(root_unit_id=target.id))

    # Rows of which a unit holds one per key: those the remaining unit lacks move; the others stay where they are.
    theirs = aliased(PeriodicReport)
    clash = exists().where(theirs.unit_id == target.id, theirs.schedule_id == PeriodicReport.schedule_id,
                           theirs.period_key == PeriodicReport.period_key)  # fmt: skip
    await moved("periodic_reports", update(PeriodicReport).where(PeriodicReport.unit_id == source.id, ~clash)
                .values(unit_id=target.id))  # fmt: skip
    share = aliased(PlanTaskUnit)
    clash = exists().where(share.unit_id == target.id, share.task_id == PlanTaskUnit.task_id)
    await moved("plan_task_units", update(PlanTaskUnit).where(PlanTaskUnit.unit_id == source.id, ~clash)
                .values(unit_id=target.id))  # fmt: skip
    # Reminders already sent are a log of the old unit's deadlines; the remaining unit's own log decides from now on.
    await session.execute(delete(ReminderLog).where(ReminderLog.unit_id == source.id))
    for name, model in (("periodic_reports", PeriodicReport), ("plan_task_units", PlanTaskUnit)):
        left = (await session.execute(select(model.id).where(model.unit_id == source.id))).all()
        if left:
            result.kept[name] = len(left)

    source.merged_into_id, source.merged_at = target.id, now
    audit.record(session, "unit.merged", actor_label=actor_label, object_type="unit", object_id=source.code,
                 into=target.code, moved=result.moved, kept=result.kept)  # fmt: skip
    await session.flush()
    return result
