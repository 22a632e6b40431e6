"""The periodic report (/baocaoky) and the officer's to-do list (/nhacviec).

The figures come pre-filled from what the unit logged in the period; the officer confirms or corrects them on the
review screen, writes the narrative, and submits. Late is marked, never refused; a returned report opens again with
everything it had, under the supervisor's comment.
"""

from __future__ import annotations

from typing import Any

from bot.context import Ctx
from bot.engine.forms import Form, Kind, Step
from bot.engine.replies import Option, Reply
from bot.i18n import N_, I18n
from bot.notify import EVERGREEN, to_units
from bot.registry import Command, Flow, Registry
from handlers.reports.kinds import kinds_source
from storage import audit, periodic, schedules
from storage.models import PeriodicReport, Person, ReportSchedule, Unit
from storage.periods import Period, parse_period, period_containing
from storage.text import record_id
from storage.units import Scope

PERIODIC_FORM = Form(
    name="periodic",
    version=1,
    title=N_("Periodic report"),
    submit_label=N_("Submit the report"),
    steps=(
        Step("activities", N_("Activities"), N_("How many activities did the unit carry out?"), Kind.NUMBER),
        Step("participants", N_("Participants"), N_("How many people took part in them in all?"), Kind.NUMBER),
        Step(
            "foreign_participants",
            N_("Foreigners / overseas Vietnamese"),
            N_("How many foreigners or overseas Vietnamese were involved?"),
            Kind.NUMBER,
        ),
        Step("money_vnd", N_("Money or goods mobilised"), N_("Money or goods mobilised, in đồng?"), Kind.MONEY),
        Step(
            "overseas_added",
            N_("Overseas Vietnamese records added"),
            N_("How many overseas Vietnamese were added to the register?"),
            Kind.NUMBER,
        ),
        Step(
            "overseas_updated",
            N_("Overseas Vietnamese records updated"),
            N_("How many records of overseas Vietnamese were updated?"),
            Kind.NUMBER,
        ),
        Step(
            "results",
            N_("Main results"),
            N_("The main results of the period, in a few sentences?"),
            Kind.LONG_TEXT,
            max_length=4000,
        ),
        Step(
            "difficulties",
            N_("Difficulties"),
            N_("Difficulties and shortcomings? (optional)"),
            Kind.LONG_TEXT,
            required=False,
            max_length=4000,
        ),
        Step(
            "proposals",
            N_("Proposals"),
            N_("Proposals and recommendations? (optional)"),
            Kind.LONG_TEXT,
            required=False,
            max_length=4000,
        ),
    ),
)

LOOK_BACK_PERIODS = 3


async def open_items(ctx: Ctx, unit: Unit) -> list[tuple[ReportSchedule, Period, PeriodicReport | None]]:
    """Periods of the schedules covering the unit that have started and still need a (re)submission, the earliest
    deadline first: what is overdue, then the period whose deadline runs, then the one in progress."""
    items = []
    for schedule in await schedules.active(ctx.session):
        if not await schedules.covers(ctx.session, schedule, unit):
            continue
        period = period_containing(schedule.period_type, ctx.today)
        for _ in range(LOOK_BACK_PERIODS + 1):
            if schedules.applies(schedule, period):
                report = await periodic.find(ctx.session, schedule.id, period.key, unit.id)
                if report is None or report.status == "returned":
                    items.append((schedule, period, report))
            period = period.previous()
    return sorted(items, key=lambda item: (schedules.deadline_of(item[0], item[1]), item[0].id))


def _deadline_note(ctx: Ctx, schedule: ReportSchedule, period: Period) -> str:
    deadline = schedules.deadline_of(schedule, period)
    days = (deadline - ctx.today).days
    if days < 0:
        return ctx.t("due {date}, {days} day(s) late", date=ctx.i18n.date(deadline), days=-days)
    return ctx.t("due {date}", date=ctx.i18n.date(deadline))


async def report_command(ctx: Ctx, args: str) -> None:
    assert ctx.person is not None
    unit = await ctx.session.get(Unit, ctx.person.unit_id) if ctx.person.unit_id else None
    if unit is None:
        ctx.say(
            ctx.t(
                "Your account is not attached to a unit yet; please ask the Front committee above you for an "
                "invite code."
            )
        )
        return
    parts = args.split()
    if len(parts) == 2 and (wanted := record_id(parts[0])) is not None:
        await _start(ctx, unit, wanted, parts[1])
        return
    items = await open_items(ctx, unit)
    if not items:
        ctx.say(ctx.t("Nothing is waiting: every periodic report of your unit that has started is submitted."))
        await ctx.services.show_menu(ctx)
        return
    one = len({schedule.id for schedule, _, _ in items}) == 1  # then its name is said once, not on every line
    rows = tuple(
        (Option(f"m:baocaoky {schedule.id} {period.key}",
                ("" if one else f"{schedule.name} — ") + f"{period.label(ctx.i18n)} "
                f"({_deadline_note(ctx, schedule, period)})" + (" ↩️" if report is not None else "")),)
        for schedule, period, report in items
    )  # fmt: skip
    question = (ctx.t("{report}: which period do you want to file?", report=items[0][0].name) if one
                else ctx.t("Which report do you want to file?"))  # fmt: skip
    ctx.say(question, title=ctx.t("Periodic report"), rows=rows,
            typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip


async def _start(ctx: Ctx, unit: Unit, schedule_id: int, period_key: str) -> None:
    schedule = await ctx.session.get(ReportSchedule, schedule_id)
    try:
        period = parse_period(period_key)
    except ValueError:
        period = None
    if schedule is None or period is None or not schedule.active or not schedules.applies(schedule, period) \
            or not await schedules.covers(ctx.session, schedule, unit):  # fmt: skip
        ctx.say(ctx.t("That report is not one your unit has to file."))
        return
    if period.start > ctx.today:
        ctx.say(ctx.t("The period {period} has not started yet; it can be reported from {date}.",
                      period=period.label(ctx.i18n), date=ctx.i18n.date(period.start)))  # fmt: skip
        return
    report = await periodic.find(ctx.session, schedule.id, period.key, unit.id)
    if report is not None and report.status != "returned":
        ctx.say(ctx.t("This report was already submitted on {date}.",
                      date=ctx.i18n.date(report.submitted_at.astimezone(ctx.services.zone).date())))  # fmt: skip
        return
    extra = {"schedule": schedule.id, "period": period.key}
    if report is not None:
        ctx.say(ctx.t("Your report was returned with this comment: “{comment}”. Correct it and submit it again.",
                      comment=report.review_comment or ""))  # fmt: skip
        answers = {**{name: value for name, value in report.figures.items() if name != "by_kind"},
                   **{name: getattr(report, name) for name in periodic.NARRATIVE}}  # fmt: skip
        extra["by_kind"] = report.figures.get("by_kind", {})
    else:
        figures = await periodic.figures(ctx.session, unit.id, period.start, min(period.end, ctx.today),
                                         ctx.services.zone)  # fmt: skip
        extra["by_kind"] = figures.pop("by_kind")
        answers = figures
        names = dict(await kinds_source(ctx, ctx.i18n))
        lines = [ctx.t("{report} — {period} ({deadline}).", report=schedule.name, period=period.label(ctx.i18n),
                       deadline=_deadline_note(ctx, schedule, period)),
                 ctx.t("From the activities your unit reported in this period:")]  # fmt: skip
        lines += [f"• {names.get(kind, kind)}: {count}" for kind, count in extra["by_kind"].items()] or [
            ctx.t("• no activity reported yet")
        ]
        lines.append(ctx.t("The figures are filled in; check them at the end and correct any by its name (e.g. “edit "
                           "participants”)."))  # fmt: skip
        ctx.say("\n".join(lines), title=ctx.t("Periodic report"))
    await ctx.services.start_form(ctx, PERIODIC_FORM.name, answers=answers, extra=extra)


async def submit(ctx: Ctx, answers: dict[str, Any], state: dict[str, Any]) -> None:
    assert ctx.person is not None and ctx.person.unit_id is not None
    schedule = await ctx.session.get(ReportSchedule, state["schedule"])
    if schedule is None:
        ctx.say(ctx.t("That report is not one your unit has to file."))
        return
    period = parse_period(state["period"])
    deadline = schedules.deadline_of(schedule, period)
    filed = await periodic.submit(
        ctx.session, schedule, period.key, ctx.person.unit_id, {**answers, "by_kind": state.get("by_kind", {})},
        person_id=ctx.person.id, actor_label=ctx.person.full_name, deadline=deadline, today=ctx.today, now=ctx.now,
    )  # fmt: skip
    if filed.action == "already":
        ctx.say(ctx.t("This report was already submitted on {date}.",
                      date=ctx.i18n.date(filed.report.submitted_at.astimezone(ctx.services.zone).date())))  # fmt: skip
        return
    audit.record(ctx.session, f"periodic.{filed.action}", actor=ctx.person, object_type="periodic_report",
                 object_id=filed.report.id, unit_id=ctx.person.unit_id, period=period.key)  # fmt: skip
    late = ctx.t(" It was filed after the deadline and is marked late.") if ctx.today > deadline else ""
    ctx.say(ctx.t("Submitted: {report} — {period}.", report=schedule.name, period=period.label(ctx.i18n)) + late)
    if filed.action == "resubmitted" and filed.report.reviewed_by_id is not None:
        await _tell_reviewer(ctx, filed.report, schedule, period)
    await ctx.services.show_menu(ctx)


async def _tell_reviewer(ctx: Ctx, report: PeriodicReport, schedule: ReportSchedule, period: Period) -> None:
    """The supervisor who returned the report hears that it is back, with a button to review it."""
    reviewer = await ctx.session.get(Person, report.reviewed_by_id)
    unit = await ctx.session.get(Unit, report.unit_id)
    if reviewer is None or reviewer.unit_id is None or unit is None:
        return

    def notice(i18n: I18n) -> Reply:
        text = i18n.t("{unit} has corrected and resubmitted {report} — {period}.", unit=unit.name,
                      report=schedule.name, period=period.label(i18n))  # fmt: skip
        return Reply(text=text, rows=((Option(f"m:duyet {report.id}", i18n.t("Review it")),),), screen=EVERGREEN)

    await to_units(
        ctx.session,
        [reviewer.unit_id],
        (reviewer.role,),
        notice,
        ctx.now,
        every_messenger=ctx.settings.notify_every_messenger,
    )


async def todo_command(ctx: Ctx, args: str) -> None:
    """What is due, by when, and what is done — for the officer's own unit."""
    assert ctx.person is not None
    unit = await ctx.session.get(Unit, ctx.person.unit_id) if ctx.person.unit_id else None
    if unit is None:
        ctx.say(
            ctx.t(
                "Your account is not attached to a unit yet; please ask the Front committee above you for an "
                "invite code."
            )
        )
        return
    lines: list[str] = []
    for schedule in await schedules.active(ctx.session):
        if await schedules.covers(ctx.session, schedule, unit):
            lines.extend(await _todo_lines(ctx, schedule, unit))
    more, _ = await ctx.services.more_lines(ctx, "todo", Scope(unit.id))  # the unit's plan tasks
    if not lines and not more:
        ctx.say(ctx.t("No periodic report is expected from your unit."))
    else:
        ctx.say("\n".join(lines + ([""] if lines and more else []) + more), title=ctx.t("What is due"))
    await ctx.services.show_menu(ctx)


async def _todo_lines(ctx: Ctx, schedule: ReportSchedule, unit: Unit) -> list[str]:
    """Started periods still open (and the latest one, done or not), then the next one if all are done."""
    period = period_containing(schedule.period_type, ctx.today)
    for _ in range(LOOK_BACK_PERIODS):
        period = period.previous()
    periods = []
    for _ in range(LOOK_BACK_PERIODS + 13):
        if schedules.applies(schedule, period):
            periods.append(period)
        period = period.next()
    started = [period for period in periods if period.start <= ctx.today]
    lines, all_done = [], True
    for period in started:
        report = await periodic.find(ctx.session, schedule.id, period.key, unit.id)
        pending = report is None or report.status == "returned"
        all_done = all_done and not pending
        if pending or period == started[-1]:
            lines.append(_todo_line(ctx, schedule, period, report))
    upcoming = [period for period in periods if period.start > ctx.today]
    if all_done and upcoming:
        lines.append(_todo_line(ctx, schedule, upcoming[0], None))
    return lines


def _todo_line(ctx: Ctx, schedule: ReportSchedule, period: Period, report: PeriodicReport | None) -> str:
    deadline = schedules.deadline_of(schedule, period)
    head = f"{schedule.name} — {period.label(ctx.i18n)}: "
    if report is None:
        days = (deadline - ctx.today).days
        if period.start > ctx.today:
            return "🗓 " + head + ctx.t("due {date}", date=ctx.i18n.date(deadline))
        if days < 0:
            return (
                "⚠️ " + head + ctx.t("overdue by {days} day(s) (due {date})", days=-days, date=ctx.i18n.date(deadline))
            )
        return "⏳ " + head + ctx.t("due {date} ({days} day(s) left)", date=ctx.i18n.date(deadline), days=days)
    if report.status == "returned":
        return "↩️ " + head + ctx.t("returned: “{comment}”", comment=report.review_comment or "")
    when = ctx.i18n.date(report.first_submitted_at.astimezone(ctx.services.zone).date())
    state = ctx.t("approved") if report.status == "approved" else ctx.t("submitted")
    late = ctx.t(", late") if report.late else ""
    return "✅ " + head + ctx.t("{state} on {date}{late}", state=state, date=when, late=late)


def register(registry: Registry) -> None:
    registry.add_command(
        Command(
            "baocaoky",
            report_command,
            N_("File a periodic report"),
            menu=N_("Periodic report"),
            menu_rank=20,
            aliases=("periodic",),
        )
    )
    registry.add_command(
        Command("nhacviec", todo_command, N_("What is due"), menu=N_("What is due"), menu_rank=21, aliases=("todo",))
    )
    registry.add_flow(Flow(PERIODIC_FORM, submit))
