"""One unit's page in the web console, opened from *Tiến độ*: its periodic reports period by period (sent, on time,
late, returned), its recent activities and its officers, and "remind this unit" for a period it has not sent.
Held to the person's scope like every page: another unit's id answers 404."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select
from yarl import URL

from bot.i18n import N_
from bot.registry import Registry
from bot.web.console import NotFound, Page, WebCtx, WebPage, see_other
from handlers.reports.progress import focus_period
from handlers.reports.reminders import nudge
from handlers.reports.web_pages import STATUSES
from storage import schedules, staff
from storage.models import ActivityKind, ActivityReport, PeriodicReport, ReportSchedule, Unit
from storage.periods import parse_period
from storage.text import record_id
from storage.types import VIETNAM

HISTORY = 12  # periods per schedule, newest first: a year of months, three years of quarters
RECENT = 20


async def unit_in_scope(ctx: WebCtx, raw_id: str) -> Unit:
    wanted = record_id(raw_id)
    query = select(Unit).where(Unit.id == wanted, ctx.scope.clause(Unit.id))
    unit = await ctx.session.scalar(query) if wanted is not None else None
    if unit is None:
        raise NotFound
    return unit


async def _history(ctx: WebCtx, unit: Unit, schedule: ReportSchedule) -> list[dict[str, object]]:
    period, periods = focus_period(schedule, ctx.today), []
    begun = schedule.created_at.astimezone(VIETNAM).date()
    while len(periods) < HISTORY and period.end >= begun:  # a schedule may skip periods (only Q2 and Q4)
        if schedules.applies(schedule, period):
            periods.append(period)
        period = period.previous()
    sent = {report.period_key: report for report in (await ctx.session.scalars(
        select(PeriodicReport).where(PeriodicReport.schedule_id == schedule.id, PeriodicReport.unit_id == unit.id,
                                     PeriodicReport.period_key.in_([p.key for p in periods]))
    )).all()}  # fmt: skip
    rows = []
    for period in periods:
        report = sent.get(period.key)
        status = report.status if report else "missing"
        deadline = schedules.deadline_of(schedule, period)
        rows.append({"period": period, "label": period.label(ctx.i18n), "status": status,
                     "status_label": ctx.t(STATUSES[status]), "deadline": deadline,
                     "sent": report.submitted_at if report else None, "late": bool(report and report.late),
                     "overdue": report is None and deadline < ctx.today,
                     "remindable": status in ("missing", "returned") and period.start <= ctx.today})  # fmt: skip
    return rows


async def unit_page(ctx: WebCtx) -> Page:
    unit = await unit_in_scope(ctx, ctx.query.get("id", ""))
    parent = await ctx.session.get(Unit, unit.parent_id) if unit.parent_id else None
    history = [{"schedule": schedule, "rows": await _history(ctx, unit, schedule)}
               for schedule in await schedules.active(ctx.session)
               if await schedules.covers(ctx.session, schedule, unit)]  # fmt: skip
    kinds = {
        kind.code: kind.name_vi if ctx.i18n.language == "vi" else kind.name_en
        for kind in (await ctx.session.scalars(select(ActivityKind))).all()
    }
    activities = (await ctx.session.scalars(
        select(ActivityReport).where(ActivityReport.unit_id == unit.id)
        .order_by(ActivityReport.activity_date.desc(), ActivityReport.id.desc()).limit(RECENT)
    )).all()  # fmt: skip
    officers = await staff.listed(ctx.session, ctx.scope, unit_id=unit.id)
    return Page("unit.html", {
        "unit": unit, "parent": parent, "history": history, "kinds": kinds, "activities": activities,
        "officers": officers, "notice": ctx.query.get("thongbao", ""),
        "activities_link": str(URL("/web/hoatdong").with_query({"donvi": unit.code})),
    }, N_("Unit"))  # fmt: skip


async def remind_unit(ctx: WebCtx) -> web.StreamResponse:
    """The chat's reminder to this one unit's officers for one period, through the outbox, once a day."""
    unit = await unit_in_scope(ctx, ctx.form.get("unit", ""))
    schedule = await ctx.session.get(ReportSchedule, record_id(ctx.form.get("lich", "")) or 0)
    try:
        period = parse_period(ctx.form.get("ky", ""))
    except ValueError:
        raise NotFound from None
    if schedule is None or not await schedules.covers(ctx.session, schedule, unit):
        raise NotFound
    report = (await schedules.reports_for(ctx.session, schedule.id, period.key, [unit.id])).get(unit.id)
    if report is not None and report.status in schedules.DONE:
        notice = ctx.t("This unit has already sent that report.")
    else:
        sent = await nudge(ctx.session, ctx.settings, ctx.person, schedule, period, [unit.id], ctx.today, ctx.now,
                           via="web")  # fmt: skip
        notice = (ctx.t("Reminded {units} unit(s) ({messages} message(s)).", units=sent.units, messages=sent.messages)
                  if sent.units else ctx.t("Not reminded: reminded today already, or nobody in the unit can be "
                                           "reached."))  # fmt: skip
    return see_other(str(URL("/web/donvi").with_query({"id": str(unit.id), "thongbao": notice})))


def register(registry: Registry) -> None:
    registry.web_pages += [
        WebPage("donvi", unit_page),
        WebPage("donvi/nhac", remind_unit, method="POST"),
    ]
