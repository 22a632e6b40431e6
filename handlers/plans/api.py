"""The plans area's data API: each unit's share of each published plan's tasks — its deadline and whether the unit
has closed it — scoped like the chat (``bot.web.api``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.registry import Registry
from bot.web.api import UNIT_PARAM, ApiCtx, ApiEndpoint, ApiField, ApiParam
from storage.models import Plan, PlanTask, PlanTaskUnit, Unit

TASK_FIELDS = (
    ApiField("id", "integer", "One unit's share of one task"), ApiField("plan_id", "integer"),
    ApiField("plan_number", "string", "The plan's number and symbol"), ApiField("plan_title", "string"),
    ApiField("task_id", "integer"), ApiField("section", "string", "Where in the plan the task is"),
    ApiField("due", "date", "The deadline (empty: when the event happens)"),
    ApiField("due_wording", "string", "The deadline as the plan words it"),
    ApiField("unit_id", "integer"), ApiField("unit_code", "string"), ApiField("unit_name", "string"),
    ApiField("status", "string", "open / done"), ApiField("done_at", "date-time"),
    ApiField("result", "string", "What the unit wrote when closing it"),
    ApiField("activity_id", "integer", "The activity report that carried it out"),
)  # fmt: skip


async def plan_tasks(ctx: ApiCtx, after: int, limit: int) -> list[dict[str, Any]]:
    scope = await ctx.within()
    query = (
        select(PlanTaskUnit, PlanTask, Plan.number, Plan.title, Unit.code, Unit.name)
        .join(PlanTask, PlanTask.id == PlanTaskUnit.task_id)
        .join(Plan, Plan.id == PlanTask.plan_id)
        .join(Unit, Unit.id == PlanTaskUnit.unit_id)
        .where(PlanTaskUnit.id > after, scope.clause(PlanTaskUnit.unit_id), Plan.status == "published")
    )
    if "plan" in ctx.params:
        query = query.where(Plan.id == ctx.params["plan"])
    if ctx.params.get("status"):
        query = query.where(PlanTaskUnit.status == ctx.params["status"])
    if "due_from" in ctx.params:
        query = query.where(PlanTask.due >= ctx.params["due_from"])
    if "due_to" in ctx.params:
        query = query.where(PlanTask.due <= ctx.params["due_to"])
    rows = (await ctx.session.execute(query.order_by(PlanTaskUnit.id).limit(limit))).all()
    return [{"id": share.id, "plan_id": task.plan_id, "plan_number": number, "plan_title": title,
             "task_id": task.id, "section": task.section, "due": task.due, "due_wording": task.wording,
             "unit_id": share.unit_id, "unit_code": code, "unit_name": name, "status": share.status,
             "done_at": share.done_at, "result": share.result, "activity_id": share.activity_id}
            for share, task, number, title, code, name in rows]  # fmt: skip


def register(registry: Registry) -> None:
    registry.api_endpoints.append(ApiEndpoint("plan-tasks", "Plan tasks, unit by unit", TASK_FIELDS, plan_tasks, (
        ApiParam("plan", "integer", "One plan's id"), ApiParam("status", "string", "open or done"),
        ApiParam("due_from", "date", "Deadlines on or after this day"),
        ApiParam("due_to", "date", "Deadlines on or before this day"), UNIT_PARAM)))  # fmt: skip
