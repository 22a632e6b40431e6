"""Plan tasks, unit by unit: created when a plan is published, closed by an officer of the unit, reminded before
their deadline. Each reminder stage is claimed by a guarded UPDATE, so two workers never send it twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Plan, PlanTask, PlanTaskUnit, Unit
from storage.units import Scope, live

LEVELS = ("commune", "district")  # the levels whose officers use the bot
STAGES = ("-3", "0", "+1")  # three days before, on the day, the day after (then the publisher hears who is late)
RESULT_LENGTH = 500


async def create(session: AsyncSession, plan: Plan, tasks: list[dict[str, Any]], root_unit_id: int | None,
                 now: datetime) -> list[tuple[PlanTask, int]]:  # fmt: skip
    """Each task of a level that uses the bot, for every unit of that level under ``root_unit_id`` (everywhere when
    None); returns each task with how many units got it."""
    made: list[tuple[PlanTask, int]] = []
    for task in tasks:
        for level in [level for level in task.get("levels", []) if level in LEVELS][:1]:
            due = date.fromisoformat(task["due"]) if task.get("due") else None
            row = PlanTask(plan_id=plan.id, level=level, addressee=task["addressee"][:255], due=due,
                           section=task.get("section", "")[:64], excerpt=task.get("excerpt", "")[:4000],
                           wording=task.get("wording", "")[:255], root_unit_id=root_unit_id,
                           created_at=now)  # fmt: skip
            session.add(row)
            await session.flush()
            query = select(Unit.id).where(Unit.level == level, live())
            if root_unit_id is not None:
                query = query.where(Scope(root_unit_id, subtree=True).clause(Unit.id))
            unit_ids = list((await session.scalars(query)).all())
            for start in range(0, len(unit_ids), 1000):
                session.add_all(PlanTaskUnit(task_id=row.id, unit_id=unit_id, status="open")
                                for unit_id in unit_ids[start : start + 1000])  # fmt: skip
            made.append((row, len(unit_ids)))
    await session.flush()
    return made


async def for_unit(
    session: AsyncSession, unit_id: int, *, open_only: bool = True
) -> list[tuple[PlanTaskUnit, PlanTask]]:
    """A unit's tasks, the nearest deadline first (those without one last)."""
    query = select(PlanTaskUnit, PlanTask).join(PlanTask, PlanTask.id == PlanTaskUnit.task_id)
    query = query.where(PlanTaskUnit.unit_id == unit_id)
    if open_only:
        query = query.where(PlanTaskUnit.status == "open")
    query = query.order_by(PlanTask.due.is_(None), PlanTask.due, PlanTask.id)
    return [(share, task) for share, task in await session.execute(query)]


async def close(session: AsyncSession, share: PlanTaskUnit, person_id: int, now: datetime, *,
                result: str | None = None, activity_id: int | None = None) -> bool:  # fmt: skip
    """Marks the unit's share done; False when it already was (a second tap changes nothing, a result may be added)."""
    if result:
        share.result = result[:RESULT_LENGTH]
    if activity_id is not None:
        share.activity_id = activity_id
    if share.status == "done":
        return False
    share.status, share.done_at, share.done_by_id = "done", now, person_id
    return True


@dataclass
class Progress:
    task: PlanTask
    plan_title: str
    total: int = 0
    done: int = 0
    late_units: list[str] = field(default_factory=list)  # open past the deadline, by name


async def progress(
    session: AsyncSession, scope: Scope, today: date, *, limit: int = 20, plan_id: int | None = None
) -> list[Progress]:
    """The tasks (of every active plan, or of ``plan_id``) that concern units in ``scope``: how many of them are
    done; the late ones named. Open tasks first, by deadline."""
    counts = (
        select(PlanTaskUnit.task_id, func.count().label("total"),
               func.sum(case((PlanTaskUnit.status == "done", 1), else_=0)).label("done"))
        .where(scope.clause(PlanTaskUnit.unit_id))
        .group_by(PlanTaskUnit.task_id)
        .subquery()
    )  # fmt: skip
    rows = await session.execute(
        select(PlanTask, Plan.title, counts.c.total, counts.c.done)
        .join(counts, counts.c.task_id == PlanTask.id)
        .join(Plan, Plan.id == PlanTask.plan_id)
        .where(Plan.status == "active", true() if plan_id is None else Plan.id == plan_id)
        .order_by((counts.c.done >= counts.c.total), PlanTask.due.is_(None), PlanTask.due, PlanTask.id)
        .limit(limit)
    )
    found = [Progress(task, title, int(total), int(done or 0)) for task, title, total, done in rows]
    for item in found:
        if item.task.due is not None and item.task.due < today and item.done < item.total:
            item.late_units = await open_units(session, item.task.id, scope)
    return found


async def open_units(session: AsyncSession, task_id: int, scope: Scope) -> list[str]:
    query = (select(Unit.name).join(PlanTaskUnit, PlanTaskUnit.unit_id == Unit.id)
             .where(PlanTaskUnit.task_id == task_id, PlanTaskUnit.status == "open", scope.clause(PlanTaskUnit.unit_id))
             .order_by(Unit.name))  # fmt: skip
    return list((await session.scalars(query)).all())


def stage_on(due: date, today: date) -> str | None:
    """Which reminder is due today for a deadline: three days before, on the day, or the day after."""
    days = (due - today).days
    if days == 3 or (0 < days < 3):
        return "-3"
    if days == 0:
        return "0"
    if days == -1:
        return "+1"
    return None


async def shares_to_remind(session: AsyncSession, today: date) -> list[tuple[PlanTaskUnit, PlanTask]]:
    """Open shares whose task falls due within three days, or fell due yesterday, of active plans."""
    query = (
        select(PlanTaskUnit, PlanTask).join(PlanTask, PlanTask.id == PlanTaskUnit.task_id)
        .join(Plan, Plan.id == PlanTask.plan_id)
        .where(PlanTaskUnit.status == "open", Plan.status == "active", PlanTask.due.is_not(None),
               PlanTask.due >= date.fromordinal(today.toordinal() - 1),
               PlanTask.due <= date.fromordinal(today.toordinal() + 3))
        .order_by(PlanTask.id, PlanTaskUnit.unit_id)
    )  # fmt: skip
    return [(share, task) for share, task in await session.execute(query)]


async def claim_stage(session: AsyncSession, share_id: int, stage: str) -> bool:
    """True for exactly one caller per (share, stage): the reminder is then sent in the same transaction."""
    earlier = list(STAGES[: STAGES.index(stage)])
    statement = (
        update(PlanTaskUnit)
        .where(PlanTaskUnit.id == share_id, or_(PlanTaskUnit.reminded.is_(None), PlanTaskUnit.reminded.in_(earlier)))
        .values(reminded=stage)
        .returning(PlanTaskUnit.id)
    )
    return (await session.scalar(statement)) is not None
