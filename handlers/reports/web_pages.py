"""The reports area in the web console: *Tiến độ* (who has reported, with filters, sorting and "remind the late
units"), *Duyệt báo cáo* (approve, or return with a comment: the same rules and notices as /duyet) and *Hoạt động*
(activities with filters, and the filtered set as .xlsx). Every query is held to the person's scope."""

from __future__ import annotations

import io
from datetime import date

from aiohttp import web
from openpyxl import Workbook
from sqlalchemy import false, func, or_, select
from yarl import URL

from bot.engine.countries import parse_country
from bot.engine.errors import InvalidInput
from bot.i18n import N_
from bot.registry import Registry
from bot.web.console import NotFound, Page, WebCtx, WebPage, see_other
from handlers.reports.progress import chased_periods
from handlers.reports.reminders import nudge
from handlers.reports.review import decide
from storage import activity_words, audit, schedules
from storage.models import ActivityKind, ActivityReport, PeriodicReport, ReportSchedule, Unit
from storage.periods import Period, parse_period
from storage.text import fold, inert, record_id
from storage.units import Scope

STATUSES = {
    "missing": N_("Not submitted"),
    "returned": N_("Returned"),
    "submitted": N_("Waiting for review"),
    "approved": N_("Approved"),
}
WORKBOOK_COLUMNS = (N_("Report"), N_("Unit code"), N_("Unit"), N_("Date"), N_("Kind"), N_("Title"), N_("Place"),
                    N_("Partner country"), N_("Participants"), N_("Foreigners / overseas Vietnamese"),
                    N_("Money or goods mobilised"))  # fmt: skip
ACTIVITIES_PAGE = 50
COUNT_CAP = 10_000  # counted exactly up to here ("more than 10,000" beyond): a count is a scan
EXPORT_LIMIT = 100_000  # rows in one workbook; the CLI exports everything


async def _choices(ctx: WebCtx) -> list[tuple[ReportSchedule, Period]]:
    found = []
    for schedule in await schedules.active(ctx.session):
        if await schedules.expected_units(ctx.session, schedule, within=ctx.scope):
            found.extend((schedule, period) for period in chased_periods(schedule, ctx.today))
    return found


def _chosen(ctx: WebCtx, choices: list[tuple[ReportSchedule, Period]], source: dict[str, str]) -> tuple[
    ReportSchedule, Period] | None:  # fmt: skip
    wanted = record_id(source.get("lich", ""))
    for schedule, period in choices:
        if schedule.id == wanted:
            try:
                return schedule, parse_period(source.get("ky", "")) if source.get("ky") else period
            except ValueError:
                return schedule, period
    return choices[0] if choices else None


async def progress_page(ctx: WebCtx) -> Page:
    """Each unit of the chosen schedule and period: its status, when it was sent, on time or late."""
    choices = await _choices(ctx)
    chosen = _chosen(ctx, choices, dict(ctx.query))
    rows, counts = [], dict.fromkeys(STATUSES, 0)
    if chosen is not None:
        schedule, period = chosen
        expected = await schedules.expected_units(ctx.session, schedule, within=ctx.scope)
        reports = await schedules.reports_for(ctx.session, schedule.id, period.key, [unit.id for unit in expected])
        for unit in expected:
            report = reports.get(unit.id)
            status = report.status if report is not None else "missing"
            counts[status] += 1
            rows.append({"unit": unit.name, "unit_id": unit.id, "status": status, "label": ctx.t(STATUSES[status]),
                         "sent": report.submitted_at if report else None, "late": bool(report and report.late),
                         "report_id": report.id if report else None})  # fmt: skip
    wanted = ctx.query.get("trangthai", "")
    if wanted in STATUSES:
        rows = [row for row in rows if row["status"] == wanted]
    if ctx.query.get("sapxep") == "trangthai":
        order = list(STATUSES)
        rows.sort(key=lambda row: (order.index(row["status"]), fold(row["unit"])))
    else:
        rows.sort(key=lambda row: fold(row["unit"]))
    return Page("progress.html", {
        "choices": [(f"{s.id}:{p.key}", f"{s.name} — {p.label(ctx.i18n)}") for s, p in choices],
        "chosen": f"{chosen[0].id}:{chosen[1].key}" if chosen else "", "schedule": chosen[0] if chosen else None,
        "period": chosen[1] if chosen else None, "rows": rows, "counts": counts, "statuses": STATUSES,
        "status": wanted, "sort": ctx.query.get("sapxep", "ten"), "notice": ctx.query.get("thongbao", ""),
        "deadline": schedules.deadline_of(*chosen) if chosen else None,
        "heading": f"{chosen[0].name} — {chosen[1].label(ctx.i18n)}" if chosen else "",
    }, N_("Reporting progress"))  # fmt: skip


async def remind_late(ctx: WebCtx) -> web.StreamResponse:
    """ "Remind the late units": the chat's /nhactre, through the outbox, once a day per unit."""
    choices = await _choices(ctx)
    chosen = _chosen(ctx, choices, ctx.form)
    if chosen is None:
        raise NotFound
    schedule, period = chosen
    expected = await schedules.expected_units(ctx.session, schedule, within=ctx.scope)
    reports = await schedules.reports_for(ctx.session, schedule.id, period.key, [unit.id for unit in expected])
    late = [unit.id for unit in expected if unit.id not in reports or reports[unit.id].status not in schedules.DONE]
    sent = await nudge(ctx.session, ctx.settings, ctx.person, schedule, period, late, ctx.today, ctx.now, via="web")
    notice = ctx.t("Reminded {units} unit(s) ({messages} message(s)).", units=sent.units, messages=sent.messages)
    query = {"lich": str(schedule.id), "ky": period.key, "thongbao": notice}
    return see_other(str(URL("/web/tiendo").with_query(query)))


async def _in_scope(ctx: WebCtx, report_id: str) -> PeriodicReport:
    wanted = record_id(report_id)
    report = await ctx.session.get(PeriodicReport, wanted) if wanted is not None else None
    if report is None:
        raise NotFound
    allowed = await ctx.session.scalar(select(Unit.id).where(Unit.id == report.unit_id,
                                                             ctx.scope.clause(Unit.id)))  # fmt: skip
    if allowed is None:
        raise NotFound
    return report


async def review_page(ctx: WebCtx) -> Page:
    rows = (await ctx.session.execute(
        select(PeriodicReport, Unit.name, ReportSchedule.name)
        .join(Unit, Unit.id == PeriodicReport.unit_id)
        .join(ReportSchedule, ReportSchedule.id == PeriodicReport.schedule_id)
        .where(PeriodicReport.status == "submitted", ctx.scope.clause(PeriodicReport.unit_id))
        .order_by(PeriodicReport.submitted_at, PeriodicReport.id).limit(200)
    )).all()  # fmt: skip
    waiting = [{"report": report, "unit": unit, "schedule": schedule,
                "period": parse_period(report.period_key).label(ctx.i18n)}
               for report, unit, schedule in rows]  # fmt: skip
    return Page("review.html", {"waiting": waiting, "notice": ctx.query.get("thongbao", "")}, N_("Review reports"))


async def review_decide(ctx: WebCtx) -> web.StreamResponse:
    report = await _in_scope(ctx, ctx.form.get("report", ""))
    approve = ctx.form.get("action") == "approve"
    comment = ctx.form.get("comment", "").strip()[:2000]
    if report.status != "submitted":
        notice = ctx.t("This report is no longer waiting for review.")
    elif not approve and not comment:
        notice = ctx.t("Please write why the report is returned.")
    else:
        told = await decide(ctx.session, ctx.settings, ctx.person, report, approve=approve, comment=comment or None,
                            now=ctx.now)  # fmt: skip
        done = ctx.t("Approved.") if approve else ctx.t("Returned; the unit's officers are told why.")
        notice = done + " " + ctx.t("({count} message(s) sent)", count=told)
    return see_other(str(URL("/web/duyet").with_query({"thongbao": notice})))


async def _activity_filters(ctx: WebCtx) -> tuple[list[object], dict[str, str]]:
    """The page's filters as SQL: dates, kind, partner country, a unit's subtree, words; ``shown`` keeps what was
    understood (a malformed date is dropped, not an error)."""
    query = ctx.query
    where: list[object] = [ctx.scope.clause(ActivityReport.unit_id)]
    shown = {name: query.get(name, "").strip()[:100] for name in ("tu", "den", "loai", "quocgia", "donvi", "q")}
    for name, column_test in (
        ("tu", ActivityReport.activity_date.__ge__),
        ("den", ActivityReport.activity_date.__le__),
    ):
        try:
            if shown[name]:
                where.append(column_test(date.fromisoformat(shown[name])))
        except ValueError:
            shown[name] = ""
    if shown["loai"]:
        where.append(ActivityReport.kind_code == shown["loai"])
    if shown["quocgia"]:
        try:
            where.append(ActivityReport.partner_country == parse_country(shown["quocgia"]))
        except InvalidInput:
            where.append(false())  # a country nobody reports with
    if shown["donvi"]:
        unit_id = await ctx.session.scalar(
            select(Unit.id).where(Unit.code == shown["donvi"], ctx.scope.clause(Unit.id))
        )
        where.append(Scope(unit_id, subtree=True).clause(ActivityReport.unit_id) if unit_id else false())
    if shown["q"]:
        where += await activity_words.matching(ctx.session, shown["q"])  # each word begins a word of the text
    return where, shown


def _cursor(raw: str) -> tuple[date, int] | None:
    """``sau=2026-06-01.123``: the page after the row of that date and id (keyset paging: the 1,000th page costs
    what the first does, and a report saved meanwhile moves no row to another page)."""
    day, _, number = raw.partition(".")
    try:
        return date.fromisoformat(day), int(number)
    except ValueError:
        return None


async def activities_page(ctx: WebCtx) -> Page:
    where, shown = await _activity_filters(ctx)
    counted = select(ActivityReport.id).where(*where).limit(COUNT_CAP + 1).subquery()
    total = await ctx.session.scalar(select(func.count()).select_from(counted)) or 0
    query = select(ActivityReport, Unit.name).join(Unit, Unit.id == ActivityReport.unit_id).where(*where)
    if cursor := _cursor(ctx.query.get("sau", "")):
        query = query.where(ActivityReport.activity_date <= cursor[0], or_(  # the first term bounds the index range
            ActivityReport.activity_date < cursor[0], ActivityReport.id < cursor[1]))  # fmt: skip
    rows = (await ctx.session.execute(
        query.order_by(ActivityReport.activity_date.desc(), ActivityReport.id.desc()).limit(ACTIVITIES_PAGE + 1)
    )).all()  # fmt: skip
    following = None
    if len(rows) > ACTIVITIES_PAGE:
        rows, last = rows[:ACTIVITIES_PAGE], rows[ACTIVITIES_PAGE - 1][0]
        following = str(
            URL("/web/hoatdong").with_query(
                {**{k: v for k, v in shown.items() if v}, "sau": f"{last.activity_date.isoformat()}.{last.id}"}
            )
        )
    kinds = (await ctx.session.scalars(select(ActivityKind).order_by(ActivityKind.sort_order))).all()
    names = {kind.code: kind.name_vi if ctx.i18n.language == "vi" else kind.name_en for kind in kinds}
    filtered = {k: v for k, v in shown.items() if v}
    return Page("activities.html", {
        "rows": [{"report": report, "unit": unit, "kind": names.get(report.kind_code, report.kind_code)}
                 for report, unit in rows],
        "kinds": names, "filters": shown, "total": min(total, COUNT_CAP), "more": total > COUNT_CAP,
        "next": following, "first": str(URL("/web/hoatdong").with_query(filtered)) if cursor else None,
        "export": str(URL("/web/hoatdong.xlsx").with_query(filtered)),
    }, N_("Reported activities"))  # fmt: skip


async def activities_workbook(ctx: WebCtx) -> web.StreamResponse:
    """The filtered activities as .xlsx (real dates and numbers; text that looks like a formula stays text)."""
    where, shown = await _activity_filters(ctx)
    rows = (await ctx.session.execute(
        select(ActivityReport, Unit.code, Unit.name).join(Unit, Unit.id == ActivityReport.unit_id).where(*where)
        .order_by(ActivityReport.activity_date, ActivityReport.id).limit(EXPORT_LIMIT)
    )).all()  # fmt: skip
    book = Workbook(write_only=True)
    sheet = book.create_sheet(ctx.t("Activities")[:31])
    sheet.append([ctx.t(label) for label in WORKBOOK_COLUMNS])
    for report, code, unit in rows:
        sheet.append([report.id, code, inert(unit), report.activity_date, report.kind_code, inert(report.title),
                      inert(report.place or ""), report.partner_country or "", report.participants,
                      report.foreign_participants, report.money_vnd])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    audit.record(ctx.session, "export.activities", actor=ctx.person, object_type="activity_report",
                 rows=len(rows), via="web", filters={k: v for k, v in shown.items() if v and k != "q"})  # fmt: skip
    return web.Response(body=buffer.getvalue(), headers={
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": f'attachment; filename="hoat-dong-{ctx.today.isoformat()}.xlsx"',
    })  # fmt: skip


def register(registry: Registry) -> None:
    registry.web_pages += [
        WebPage("tiendo", progress_page, menu=N_("Progress"), rank=10),
        WebPage("tiendo/nhac", remind_late, method="POST"),
        WebPage("duyet", review_page, menu=N_("Review reports"), rank=20),
        WebPage("duyet/quyetdinh", review_decide, method="POST"),
        WebPage("hoatdong", activities_page, menu=N_("Reported activities"), rank=30),
        WebPage("hoatdong.xlsx", activities_workbook),
    ]
