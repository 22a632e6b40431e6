"""The reports area's data API: activities, periodic reports, and completeness (who has sent a schedule's report
for a period) — each row scoped like the chat and the console, each page in ``id`` order (``bot.web.api``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.engine.countries import parse_country
from bot.engine.errors import InvalidInput
from bot.i18n import N_
from bot.registry import Registry
from bot.web.api import UNIT_PARAM, ApiCtx, ApiEndpoint, ApiError, ApiField, ApiParam
from handlers.reports.progress import focus_period
from storage import schedules
from storage.models import ActivityReport, PeriodicReport, ReportSchedule, Unit
from storage.periods import Period, parse_period
from storage.units import Scope, live

UNIT_FIELDS = (ApiField("unit_id", "integer", "The unit's id"), ApiField("unit_code", "string", "The unit's code"),
               ApiField("unit_name", "string", "The unit's name"))  # fmt: skip
ACTIVITY_FIELDS = (
    ApiField("id", "integer", "The report's number"), *UNIT_FIELDS,
    ApiField("date", "date", "When the activity took place"), ApiField("kind", "string", "Kind of activity (code)"),
    ApiField("title", "string"), ApiField("place", "string"),
    ApiField("partner_country", "string", "ISO 3166 code of the partner country"),
    ApiField("partner_org", "string", "The partner organisation"),
    ApiField("participants", "integer", "How many took part"),
    ApiField("participants_note", "string", "about / more / less when the number is an estimate"),
    ApiField("foreign_participants", "integer", "Foreigners and overseas Vietnamese among them"),
    ApiField("money_vnd", "integer", "Money or goods mobilised, in đồng"),
    ApiField("reported_at", "date-time", "When the report was saved (UTC)"),
)  # fmt: skip
REPORT_FIELDS = (
    ApiField("id", "integer", "The periodic report's number"), ApiField("schedule", "string", "The schedule's code"),
    ApiField("period", "string", "The period: 2026-11 (month), 2026-Q4, 2026-H2, 2026"), *UNIT_FIELDS,
    ApiField("status", "string", "submitted / returned / approved"), ApiField("deadline", "date"),
    ApiField("late", "boolean", "Sent after its deadline"), ApiField("submitted_at", "date-time"),
    ApiField("reviewed_at", "date-time"),
)  # fmt: skip
COMPLETENESS_FIELDS = (
    ApiField("id", "integer", "The unit's id"), ApiField("unit_code", "string"), ApiField("unit_name", "string"),
    ApiField("parent_id", "integer", "The unit above"), ApiField("schedule", "string"), ApiField("period", "string"),
    ApiField("deadline", "date"), ApiField("status", "string", "missing / submitted / returned / approved"),
    ApiField("late", "boolean", "Sent after its deadline, or not sent and the deadline has passed"),
    ApiField("submitted_at", "date-time"),
)  # fmt: skip
PERIOD_PARAM = ApiParam("period", "string", "A period: 2026-11, 2026-Q4, 2026-H2 or 2026")
SCHEDULE_PARAM = ApiParam("schedule", "string", "A schedule's code")


def _period(ctx: ApiCtx) -> Period | None:
    raw = ctx.params.get("period")
    if not raw:
        return None
    try:
        return parse_period(raw)
    except ValueError:
        raise ApiError(
            400, N_("Parameter {name} must be a {type}."), name="period", type="period (2026-11, 2026-Q4)"
        ) from None


async def _schedule(ctx: ApiCtx, *, required: bool) -> ReportSchedule | None:
    code = ctx.params.get("schedule")
    if not code:
        if required:
            raise ApiError(400, N_("Parameter {name} is required."), name="schedule")
        return None
    found = await schedules.by_code(ctx.session, code)
    if found is None:
        raise ApiError(404, N_("There is no report schedule {code}."), code=code)
    return found


async def activities(ctx: ApiCtx, after: int, limit: int) -> list[dict[str, Any]]:
    scope = await ctx.within()
    query = (select(ActivityReport, Unit.code, Unit.name).join(Unit, Unit.id == ActivityReport.unit_id)
             .where(ActivityReport.id > after, scope.clause(ActivityReport.unit_id)))  # fmt: skip
    if "from" in ctx.params:
        query = query.where(ActivityReport.activity_date >= ctx.params["from"])
    if "to" in ctx.params:
        query = query.where(ActivityReport.activity_date <= ctx.params["to"])
    if ctx.params.get("kind"):
        query = query.where(ActivityReport.kind_code == ctx.params["kind"])
    if ctx.params.get("country"):
        try:
            query = query.where(ActivityReport.partner_country == parse_country(ctx.params["country"]))
        except InvalidInput:
            raise ApiError(400, N_("Parameter {name} must be a {type}."), name="country",
                           type="country (LA, KH, Lào)") from None  # fmt: skip
    rows = (await ctx.session.execute(query.order_by(ActivityReport.id).limit(limit))).all()
    return [{"id": r.id, "unit_id": r.unit_id, "unit_code": code, "unit_name": name, "date": r.activity_date,
             "kind": r.kind_code, "title": r.title, "place": r.place, "partner_country": r.partner_country,
             "partner_org": r.partner_org, "participants": r.participants, "participants_note": r.participants_note,
             "foreign_participants": r.foreign_participants, "money_vnd": r.money_vnd, "reported_at": r.created_at}
            for r, code, name in rows]  # fmt: skip


async def periodic_reports(ctx: ApiCtx, after: int, limit: int) -> list[dict[str, Any]]:
    scope = await ctx.within()
    query = (select(PeriodicReport, ReportSchedule.code, Unit.code, Unit.name)
             .join(ReportSchedule, ReportSchedule.id == PeriodicReport.schedule_id)
             .join(Unit, Unit.id == PeriodicReport.unit_id)
             .where(PeriodicReport.id > after, scope.clause(PeriodicReport.unit_id)))  # fmt: skip
    if (schedule := await _schedule(ctx, required=False)) is not None:
        query = query.where(PeriodicReport.schedule_id == schedule.id)
    if (period := _period(ctx)) is not None:
        query = query.where(PeriodicReport.period_key == period.key)
    if ctx.params.get("status"):
        query = query.where(PeriodicReport.status == ctx.params["status"])
    rows = (await ctx.session.execute(query.order_by(PeriodicReport.id).limit(limit))).all()
    return [{"id": r.id, "schedule": schedule_code, "period": r.period_key, "unit_id": r.unit_id,
             "unit_code": code, "unit_name": name, "status": r.status, "deadline": r.deadline, "late": r.late,
             "submitted_at": r.submitted_at, "reviewed_at": r.reviewed_at}
            for r, schedule_code, code, name in rows]  # fmt: skip


async def completeness(ctx: ApiCtx, after: int, limit: int) -> list[dict[str, Any]]:
    """Every unit the schedule expects a report from (in the scope), with its report's status for the period."""
    schedule = await _schedule(ctx, required=True)
    assert schedule is not None
    period = _period(ctx) or focus_period(schedule, ctx.today)
    scope = await ctx.within()
    query = select(Unit.id, Unit.code, Unit.name, Unit.parent_id).where(
        Unit.level == schedule.level, Unit.id > after, scope.clause(Unit.id), live()
    )
    if schedule.root_unit_id is not None:
        query = query.where(Scope(schedule.root_unit_id, subtree=True).clause(Unit.id))
    units = (await ctx.session.execute(query.order_by(Unit.id).limit(limit))).all()
    sent = await schedules.reports_for(ctx.session, schedule.id, period.key, [unit.id for unit in units])
    deadline = schedules.deadline_of(schedule, period)
    rows = []
    for unit_id, code, name, parent_id in units:
        report = sent.get(unit_id)
        rows.append({"id": unit_id, "unit_code": code, "unit_name": name, "parent_id": parent_id,
                     "schedule": schedule.code, "period": period.key, "deadline": deadline,
                     "status": report.status if report else "missing",
                     "late": report.late if report else deadline < ctx.today,
                     "submitted_at": report.submitted_at if report else None})  # fmt: skip
    return rows


def register(registry: Registry) -> None:
    registry.api_endpoints += [
        ApiEndpoint("activities", "Reported activities", ACTIVITY_FIELDS, activities, (
            ApiParam("from", "date", "Activities on or after this day"),
            ApiParam("to", "date", "Activities on or before this day"),
            ApiParam("kind", "string", "A kind of activity's code"),
            ApiParam("country", "string", "A partner country: its ISO code (LA) or its name (Lào)"), UNIT_PARAM)),
        ApiEndpoint("periodic-reports", "Periodic reports sent", REPORT_FIELDS, periodic_reports, (
            SCHEDULE_PARAM, PERIOD_PARAM, ApiParam("status", "string", "submitted, returned or approved"),
            UNIT_PARAM)),
        ApiEndpoint("completeness", "Who has sent a schedule's report for a period", COMPLETENESS_FIELDS,
                    completeness, (SCHEDULE_PARAM, PERIOD_PARAM, UNIT_PARAM)),
    ]  # fmt: skip
