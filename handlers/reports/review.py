"""Reviewing a periodic report (/duyet): approve it, or return it with a comment that reaches the unit's officers.

Review follows ODK Central: each step is kept with who and when, and the supervisor sees the progress again after.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.context import Ctx
from bot.engine.forms import Form, Kind, Step
from bot.engine.replies import Option, Reply
from bot.i18n import N_, I18n
from bot.notify import EVERGREEN, to_units
from bot.registry import Command, Flow, Registry
from handlers.reports.progress import show_details
from storage import audit, periodic
from storage.models import PeriodicReport, Person, ReportSchedule, Unit
from storage.people import SUPERVISING, scope_of
from storage.periods import parse_period
from storage.text import record_id

ACTIONS = {"submitted": N_("submitted"), "resubmitted": N_("resubmitted"), "approved": N_("approved"),
           "returned": N_("returned")}  # fmt: skip
RETURN_FORM = Form(
    name="periodic_return",
    version=1,
    title=N_("Returning a report"),
    submit_label=N_("Return the report"),
    steps=(
        Step(
            "comment",
            N_("Comment"),
            N_("What should the unit correct? Your comment is sent to its officers."),
            Kind.LONG_TEXT,
            max_length=1000,
        ),
    ),
)


QUEUE_LISTED = 20


async def _report_in_scope(ctx: Ctx, text: str) -> PeriodicReport | None:
    assert ctx.person is not None
    report = await ctx.session.get(PeriodicReport, wanted) if (wanted := record_id(text)) is not None else None
    if report is not None:
        unit = await ctx.session.get(Unit, report.unit_id)
        allowed = await ctx.session.scalar(
            select(Unit.id).where(Unit.id == report.unit_id, scope_of(ctx.person).clause(Unit.id))
        )
        if unit is None or allowed is None:
            report = None
    if report is None:
        ctx.say(ctx.t("There is no report #{id} among the units you supervise.", id=text[:12]))
    return report


async def review_command(ctx: Ctx, args: str) -> None:
    """/duyet: the reports waiting for review; /duyet ID shows one; /duyet ID ok approves it; /duyet ID tra starts
    returning it with a comment."""
    parts = args.split()
    if not parts:
        await _queue(ctx)
        return
    report = await _report_in_scope(ctx, parts[0])
    if report is None:
        return
    action = parts[1] if len(parts) > 1 else ""
    if action in ("ok", "duyet") and report.status == "submitted":
        await _decide(ctx, report, approve=True, comment=None)
    elif action in ("tra", "return") and report.status == "submitted":
        await ctx.services.start_form(ctx, RETURN_FORM.name, extra={"report": report.id})
    else:
        await _show(ctx, report)


async def _queue(ctx: Ctx) -> None:
    """The review queue of the supervisor's subtree, oldest submission first."""
    assert ctx.person is not None
    rows = (await ctx.session.execute(
        select(PeriodicReport.id, Unit.name, ReportSchedule.name, PeriodicReport.period_key, PeriodicReport.late)
        .join(Unit, Unit.id == PeriodicReport.unit_id)
        .join(ReportSchedule, ReportSchedule.id == PeriodicReport.schedule_id)
        .where(PeriodicReport.status == "submitted", scope_of(ctx.person).clause(PeriodicReport.unit_id))
        .order_by(PeriodicReport.submitted_at, PeriodicReport.id).limit(QUEUE_LISTED)
    )).all()  # fmt: skip
    if not rows:
        ctx.say(ctx.t("No report is waiting for review in the units you supervise."))
        return
    options = tuple((Option(f"m:duyet {report_id}", f"{unit} — {schedule} {period}" + (ctx.t(" (late)") if late
                                                                                      else "")),)
                    for report_id, unit, schedule, period, late in rows)  # fmt: skip
    ctx.say(ctx.t("Reports waiting for review (oldest first):"), title=ctx.t("Review"), rows=options,
            typed_hint=ctx.t("Type the number of a report to open it."))  # fmt: skip


async def _show(ctx: Ctx, report: PeriodicReport) -> None:
    schedule = await ctx.session.get(ReportSchedule, report.schedule_id)
    unit = await ctx.session.get(Unit, report.unit_id)
    assert schedule is not None and unit is not None
    period = parse_period(report.period_key)
    figures = report.figures
    status = {"submitted": ctx.t("waiting for review"), "approved": ctx.t("approved"),
              "returned": ctx.t("returned")}[report.status]  # fmt: skip
    lines = [
        ctx.t("{unit} — {report}, {period}", unit=unit.name, report=schedule.name, period=period.label(ctx.i18n)),
        ctx.t("Status: {status}", status=status) + (ctx.t(" (late)") if report.late else ""),
        ctx.t("Activities: {count} · participants: {people} · foreigners/overseas Vietnamese: {foreign}",
              count=figures.get("activities", 0), people=ctx.i18n.number(figures.get("participants", 0)),
              foreign=ctx.i18n.number(figures.get("foreign_participants", 0))),
        ctx.t("Money or goods mobilised: {money}", money=ctx.i18n.money(figures.get("money_vnd", 0))),
        ctx.t("Overseas Vietnamese records: {added} added, {updated} updated",
              added=figures.get("overseas_added", 0), updated=figures.get("overseas_updated", 0)),
        f"{ctx.t('Main results')}: {report.results or ''}",
    ]  # fmt: skip
    if report.difficulties:
        lines.append(f"{ctx.t('Difficulties')}: {report.difficulties}")
    if report.proposals:
        lines.append(f"{ctx.t('Proposals')}: {report.proposals}")
    history = await periodic.events(ctx.session, report)
    lines.append(ctx.t("History:"))
    for event in history:
        when = ctx.i18n.date(event.at.astimezone(ctx.services.zone).date())
        comment = f" — “{event.comment}”" if event.comment else ""
        lines.append(f"• {when} · {event.actor_label or ''} · {ctx.t(ACTIONS[event.action])}{comment}")
    rows: tuple[tuple[Option, ...], ...] = ()
    if report.status == "submitted":
        rows = ((Option(f"m:duyet {report.id} ok", ctx.t("Approve")),
                 Option(f"m:duyet {report.id} tra", ctx.t("Return with a comment"))),)  # fmt: skip
    ctx.say("\n".join(lines), title=ctx.t("Periodic report #{id}", id=report.id), rows=rows, reading=True,
            typed_hint=ctx.t("Type the number of your choice, or its name.") if rows else "")  # fmt: skip


async def returned(ctx: Ctx, answers: dict[str, Any], state: dict[str, Any]) -> None:
    report = await _report_in_scope(ctx, str(state["report"]))
    if report is None:
        return
    if report.status != "submitted":
        ctx.say(ctx.t("This report is no longer waiting for review."))
        return
    await _decide(ctx, report, approve=False, comment=answers["comment"])


async def decide(session: AsyncSession, settings: Settings, reviewer: Person, report: PeriodicReport, *,
                 approve: bool, comment: str | None, now: datetime) -> int:  # fmt: skip
    """Approves or returns a submitted report, keeps the step in its history and the audit log, and tells the
    unit's officers (a return with the comment and a button to correct it); returns how many messages were queued.
    The chat and the web console decide through this one function, so the rules and notices are the same."""
    await periodic.review(session, report, approve=approve, comment=comment, person_id=reviewer.id,
                          actor_label=reviewer.full_name, now=now)  # fmt: skip
    audit.record(session, "periodic." + report.status, actor=reviewer, object_type="periodic_report",
                 object_id=report.id, unit_id=report.unit_id)  # fmt: skip
    schedule = await session.get(ReportSchedule, report.schedule_id)
    assert schedule is not None
    period = parse_period(report.period_key)

    def notice(i18n: I18n) -> Reply:
        label = dict(report=schedule.name, period=period.label(i18n))
        if approve:
            return Reply(text=i18n.t("Your {report} — {period} was approved.", **label))
        text = i18n.t("Your {report} — {period} was returned: “{comment}”. Please correct it and submit it again.",
                      comment=comment, **label)  # fmt: skip
        button = Option(f"m:baocaoky {schedule.id} {period.key}", i18n.t("Correct the report"))
        return Reply(text=text, title=i18n.t("Report returned"), rows=((button,),), screen=EVERGREEN)

    return await to_units(session, [report.unit_id], ("officer",), notice, now,
                          every_messenger=settings.notify_every_messenger)  # fmt: skip


async def _decide(ctx: Ctx, report: PeriodicReport, *, approve: bool, comment: str | None) -> None:
    assert ctx.person is not None
    told = await decide(ctx.session, ctx.settings, ctx.person, report, approve=approve, comment=comment, now=ctx.now)
    schedule = await ctx.session.get(ReportSchedule, report.schedule_id)
    assert schedule is not None
    period = parse_period(report.period_key)
    done = ctx.t("Approved.") if approve else ctx.t("Returned; the unit's officers are told why.")
    ctx.say(done + " " + ctx.t("({count} message(s) sent)", count=told))
    await show_details(ctx, scope_of(ctx.person), schedule, period)


def register(registry: Registry) -> None:
    registry.add_command(Command("duyet", review_command, N_("Review a periodic report"), roles=SUPERVISING,
                                 aliases=("review",)))  # fmt: skip
    registry.add_flow(Flow(RETURN_FORM, returned))
