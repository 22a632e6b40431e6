"""For supervisors and admins: who has reported (/tiendo), reviewing a report (/duyet), nudging late units (/nhactre).

Completeness follows DHIS2: expected units (the schedule's level in the supervisor's subtree), submitted, on time;
late units are listed by name, marked when nobody there can be reached. Review follows ODK Central: a submitted
report is approved, or returned with a comment that reaches the unit's officers; each step is kept with who and when.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select

from bot.context import Ctx
from bot.engine.forms import Form, Kind, Step
from bot.engine.replies import Option, Reply
from bot.i18n import N_, I18n
from bot.notify import EVERGREEN, to_units
from bot.periods import Period, parse_period, period_containing, periods_to_chase
from bot.registry import Command, Flow, Registry
from bot.reminders import remind
from storage import audit, periodic, schedules
from storage.models import PeriodicReport, ReportSchedule, Unit
from storage.people import Role, scope_of
from storage.units import Scope

SUPERVISORS = frozenset({Role.SUPERVISOR.value, Role.ADMIN.value})
ACTIONS = {"submitted": N_("submitted"), "resubmitted": N_("resubmitted"), "approved": N_("approved"),
           "returned": N_("returned")}  # fmt: skip
LISTED = 30

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


def chased_periods(schedule: ReportSchedule, today: date) -> list[Period]:
    """The schedule's periods on screen, most urgent first: the one whose deadline runs or has passed, then the
    current one (see ``periods_to_chase``)."""
    return periods_to_chase(schedule.period_type, schedules.rule_of(schedule), today,
                            lambda period: schedules.applies(schedule, period))  # fmt: skip


def focus_period(schedule: ReportSchedule, today: date) -> Period:
    """The first period on screen; the current one when the schedule has asked for nothing yet."""
    return next(iter(chased_periods(schedule, today)), period_containing(schedule.period_type, today))


async def _schedule_period(ctx: Ctx, args: str) -> tuple[ReportSchedule, Period] | None:
    parts = args.split()
    schedule = await ctx.session.get(ReportSchedule, int(parts[0])) if parts and parts[0].isdecimal() else None
    if schedule is None:
        ctx.say(ctx.t("There is no such report schedule."))
        return None
    try:
        period = parse_period(parts[1]) if len(parts) > 1 else focus_period(schedule, ctx.today)
    except ValueError:
        period = focus_period(schedule, ctx.today)
    return schedule, period


async def progress_command(ctx: Ctx, args: str) -> None:
    assert ctx.person is not None
    scope = scope_of(ctx.person)
    if args.strip():
        chosen = await _schedule_period(ctx, args)
        if chosen is not None:
            await _details(ctx, scope, *chosen)
        return
    lines, rows = [], []
    for schedule in await schedules.active(ctx.session):
        expected = await schedules.expected_units(ctx.session, schedule, within=scope)
        if not expected:
            continue
        for period in chased_periods(schedule, ctx.today):
            deadline = schedules.deadline_of(schedule, period)
            reports = await schedules.reports_for(ctx.session, schedule.id, period.key, [unit.id for unit in expected])
            done = [report for report in reports.values() if report.status in schedules.DONE]
            on_time = sum(1 for report in done if not report.late)
            lines.append(ctx.t(
                "{report} — {period} (due {deadline}): {done}/{total} submitted, {on_time} on time.",
                report=schedule.name, period=period.label(ctx.i18n), deadline=ctx.i18n.date(deadline), done=len(done),
                total=len(expected), on_time=on_time,
            ))  # fmt: skip
            label = f"{schedule.name} — {period.label(ctx.i18n)}"
            rows.append((Option(f"m:tiendo {schedule.id} {period.key}", label),))
    if not lines:
        ctx.say(ctx.t("No report is expected from the units you supervise."))
        return
    ctx.say("\n".join(lines), title=ctx.t("Reporting progress"), rows=tuple(rows),
            typed_hint=ctx.t("Type the number of a report to see the units."))  # fmt: skip


async def _details(ctx: Ctx, scope: Scope, schedule: ReportSchedule, period: Period) -> None:
    expected = await schedules.expected_units(ctx.session, schedule, within=scope)
    deadline = schedules.deadline_of(schedule, period)
    reports = await schedules.reports_for(ctx.session, schedule.id, period.key, [unit.id for unit in expected])
    names = {unit.id: unit.name for unit in expected}
    waiting = [report for report in reports.values() if report.status == "submitted"]
    done = [report for report in reports.values() if report.status in schedules.DONE]
    missing = [unit for unit in expected if unit.id not in reports or reports[unit.id].status not in schedules.DONE]
    lines = [ctx.t("{report} — {period}, due {deadline}.", report=schedule.name, period=period.label(ctx.i18n),
                   deadline=ctx.i18n.date(deadline)),
             ctx.t("Expected {total} · submitted {done} · on time {on_time} · late {late} · to review {waiting}.",
                   total=len(expected), done=len(done), on_time=sum(1 for r in done if not r.late),
                   late=sum(1 for r in done if r.late), waiting=len(waiting))]  # fmt: skip
    if missing:
        reach = await _reachability(ctx, [unit.id for unit in missing])
        lines.append(ctx.t("Not submitted:"))
        for unit in missing[:LISTED]:
            note = {"none": ctx.t(" (no officer yet)"), "blocked": ctx.t(" (cannot be reached: bot blocked)")}
            returned = ctx.t(" (returned)") if unit.id in reports else ""
            lines.append(f"• {unit.name}{returned}{note.get(reach[unit.id], '')}")
        if len(missing) > LISTED:
            lines.append(ctx.t("… and {count} more.", count=len(missing) - LISTED))
    rows: list[tuple[Option, ...]] = []
    for report in sorted(waiting, key=lambda r: names.get(r.unit_id, ""))[:LISTED]:
        late = ctx.t(" (late)") if report.late else ""
        rows.append(
            (Option(f"m:duyet {report.id}", ctx.t("Review: {unit}", unit=names.get(report.unit_id, "")) + late),)
        )
    if missing and period.start <= ctx.today:
        rows.append((Option(f"m:nhactre {schedule.id} {period.key}", ctx.t("Remind all late units")),))
    rows.append((Option(f"m:tiendo {schedule.id} {period.previous().key}", ctx.t("Previous period")),))
    ctx.say("\n".join(lines), title=ctx.t("Reporting progress"), rows=tuple(rows),
            typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip


async def _reachability(ctx: Ctx, unit_ids: list[int]) -> dict[int, str]:
    """Per unit: "ok" if some officer can be messaged, "blocked" if all blocked the bot, "none" without officers."""
    accounts: dict[int, list[bool]] = defaultdict(list)
    for recipient in await schedules.recipients(ctx.session, unit_ids, ("officer",), every_messenger=True):
        accounts[recipient.unit_id].append(recipient.unreachable)
    return {
        unit_id: "none" if not accounts[unit_id] else "blocked" if all(accounts[unit_id]) else "ok"
        for unit_id in unit_ids
    }


async def nudge_command(ctx: Ctx, args: str) -> None:
    """One tap: every unit in the supervisor's scope that has not submitted gets a reminder now (once a day)."""
    assert ctx.person is not None
    chosen = await _schedule_period(ctx, args)
    if chosen is None:
        return
    schedule, period = chosen
    expected = await schedules.expected_units(ctx.session, schedule, within=scope_of(ctx.person))
    reports = await schedules.reports_for(ctx.session, schedule.id, period.key, [unit.id for unit in expected])
    late = [unit.id for unit in expected if unit.id not in reports or reports[unit.id].status not in schedules.DONE]
    deadline = schedules.deadline_of(schedule, period)
    sent = await remind(ctx.session, schedule, period, deadline, late, f"nudge:{ctx.today.isoformat()}", ctx.today,
                        ctx.now, every_messenger=ctx.settings.notify_every_messenger)  # fmt: skip
    audit.record(ctx.session, "periodic.nudged", actor=ctx.person, object_type="report_schedule",
                 object_id=schedule.id, period=period.key, units=sent.units, messages=sent.messages)  # fmt: skip
    if sent.units:
        ctx.say(ctx.t("Reminded {units} unit(s) ({messages} message(s)).", units=sent.units, messages=sent.messages))
    elif late:
        ctx.say(ctx.t("These units were already reminded today."))
    else:
        ctx.say(ctx.t("Every unit has submitted; nobody to remind."))


async def _report_in_scope(ctx: Ctx, text: str) -> PeriodicReport | None:
    assert ctx.person is not None
    report = await ctx.session.get(PeriodicReport, int(text)) if text.isdecimal() else None
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
    """/duyet ID shows a report; /duyet ID ok approves it; /duyet ID tra starts returning it with a comment."""
    parts = args.split()
    report = await _report_in_scope(ctx, parts[0] if parts else "")
    if report is None:
        return
    action = parts[1] if len(parts) > 1 else ""
    if action in ("ok", "duyet") and report.status == "submitted":
        await _decide(ctx, report, approve=True, comment=None)
    elif action in ("tra", "return") and report.status == "submitted":
        await ctx.service.start_form(ctx, RETURN_FORM.name, extra={"report": report.id})
    else:
        await _show(ctx, report)


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
        when = ctx.i18n.date(event.at.astimezone(ctx.service.zone).date())
        comment = f" — “{event.comment}”" if event.comment else ""
        lines.append(f"• {when} · {event.actor_label or ''} · {ctx.t(ACTIONS[event.action])}{comment}")
    rows: tuple[tuple[Option, ...], ...] = ()
    if report.status == "submitted":
        rows = ((Option(f"m:duyet {report.id} ok", ctx.t("Approve")),
                 Option(f"m:duyet {report.id} tra", ctx.t("Return with a comment"))),)  # fmt: skip
    ctx.say("\n".join(lines), title=ctx.t("Periodic report #{id}", id=report.id), rows=rows,
            typed_hint=ctx.t("Type the number of your choice, or its name.") if rows else "")  # fmt: skip


async def returned(ctx: Ctx, answers: dict[str, Any], state: dict[str, Any]) -> None:
    report = await _report_in_scope(ctx, str(state["report"]))
    if report is None:
        return
    if report.status != "submitted":
        ctx.say(ctx.t("This report is no longer waiting for review."))
        return
    await _decide(ctx, report, approve=False, comment=answers["comment"])


async def _decide(ctx: Ctx, report: PeriodicReport, *, approve: bool, comment: str | None) -> None:
    assert ctx.person is not None
    await periodic.review(ctx.session, report, approve=approve, comment=comment, person_id=ctx.person.id,
                          actor_label=ctx.person.full_name, now=ctx.now)  # fmt: skip
    audit.record(ctx.session, "periodic." + report.status, actor=ctx.person, object_type="periodic_report",
                 object_id=report.id, unit_id=report.unit_id)  # fmt: skip
    schedule = await ctx.session.get(ReportSchedule, report.schedule_id)
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

    told = await to_units(ctx.session, [report.unit_id], ("officer",), notice, ctx.now,
                          every_messenger=ctx.settings.notify_every_messenger)  # fmt: skip
    done = ctx.t("Approved.") if approve else ctx.t("Returned; the unit's officers are told why.")
    ctx.say(done + " " + ctx.t("({count} message(s) sent)", count=told))
    await _details(ctx, scope_of(ctx.person), schedule, period)


def register(registry: Registry) -> None:
    registry.add_command(Command("tiendo", progress_command, N_("Who has reported"), roles=SUPERVISORS,
                                 menu=N_("Reporting progress"), aliases=("progress",)))  # fmt: skip
    registry.add_command(Command("duyet", review_command, N_("Review a periodic report"), roles=SUPERVISORS,
                                 aliases=("review",)))  # fmt: skip
    registry.add_command(Command("nhactre", nudge_command, N_("Remind late units"), roles=SUPERVISORS))
    registry.add_flow(Flow(RETURN_FORM, returned))
