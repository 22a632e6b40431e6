"""For supervisors and admins: who has reported (/tiendo) and nudging late units (/nhactre).

Completeness follows DHIS2: expected units (the schedule's level in the supervisor's subtree), submitted, on time;
late units are listed by name, marked when nobody there can be reached. The periods on screen follow deadlines.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from bot.context import Ctx
from bot.engine.replies import Option
from bot.i18n import N_
from bot.registry import Command, Registry
from handlers.reports.reminders import nudge
from storage import schedules
from storage.models import ReportSchedule, Unit
from storage.people import SUPERVISING, scope_of
from storage.periods import Period, parse_period, period_containing, periods_to_chase
from storage.text import record_id
from storage.units import Scope

LIST_BUDGET = 420  # characters of units' names on a progress screen (a reading screen, with its buttons)
REVIEW_BUTTONS = 5


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
    wanted = record_id(parts[0]) if parts else None
    schedule = await ctx.session.get(ReportSchedule, wanted) if wanted is not None else None
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
            await show_details(ctx, scope, *chosen)
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
    more, buttons = await ctx.services.more_lines(ctx, "progress", scope)  # plan tasks, from the plans area
    if not lines and not more:
        ctx.say(ctx.t("No report is expected from the units you supervise."))
        return
    lines += ([""] if lines and more else []) + more
    rows += buttons
    ctx.say("\n".join(lines), title=ctx.t("Reporting progress"), rows=tuple(rows),
            typed_hint=ctx.t("Type the number of a report to see the units."))  # fmt: skip


async def show_details(ctx: Ctx, scope: Scope, schedule: ReportSchedule, period: Period) -> None:
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
        lines += await _missing_lines(ctx, missing, returned={unit.id for unit in missing if unit.id in reports},
                                      budget=LIST_BUDGET - len("\n".join(lines)))  # fmt: skip
    rows: list[tuple[Option, ...]] = []
    for report in sorted(waiting, key=lambda r: names.get(r.unit_id, ""))[:REVIEW_BUTTONS]:
        late = ctx.t(" (late)") if report.late else ""
        rows.append(
            (Option(f"m:duyet {report.id}", ctx.t("Review: {unit}", unit=names.get(report.unit_id, "")) + late),)
        )
    if missing and period.start <= ctx.today:
        rows.append((Option(f"m:nhactre {schedule.id} {period.key}", ctx.t("Remind all late units")),))
    rows.append((Option(f"m:tiendo {schedule.id} {period.previous().key}", ctx.t("Previous period")),))
    if len(waiting) > REVIEW_BUTTONS:
        lines.append(ctx.t("{count} more wait for review: /duyet lists them all.", count=len(waiting) - REVIEW_BUTTONS))
    ctx.say("\n".join(lines), title=ctx.t("Reporting progress"), rows=tuple(rows), reading=True,
            typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip


async def _missing_lines(ctx: Ctx, missing: list[Unit], *, returned: set[int], budget: int) -> list[str]:
    """The units that have not submitted, by name on one line as far as a phone screen allows, each marked when it
    was returned, has no officer yet, or blocked the bot — then how many more, and where the whole list is."""
    reach = await _reachability(ctx, [unit.id for unit in missing])
    marks = {"none": "°", "blocked": "⛔"}
    names, used = [], 0
    for unit in missing:
        name = unit.name + ("↩" if unit.id in returned else "") + marks.get(reach[unit.id], "")
        if used + len(name) + 2 > budget and names:
            break
        names.append(name)
        used += len(name) + 2
    lines = [ctx.t("Not submitted ({count}): {units}", count=len(missing), units=", ".join(names))]
    if len(names) < len(missing):
        lines[-1] += " " + ctx.t("… and {count} more (the whole list: /tonghop).", count=len(missing) - len(names))
    legend = [ctx.t("↩ returned")] if returned & {u.id for u in missing[: len(names)]} else []
    shown = {reach[unit.id] for unit in missing[: len(names)]}
    legend += [ctx.t("° no officer yet")] if "none" in shown else []
    legend += [ctx.t("⛔ bot blocked")] if "blocked" in shown else []
    return [*lines, " · ".join(legend)] if legend else lines


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
    sent = await nudge(ctx.session, ctx.settings, ctx.person, schedule, period, late, ctx.today, ctx.now)
    if sent.units:
        ctx.say(ctx.t("Reminded {units} unit(s) ({messages} message(s)).", units=sent.units, messages=sent.messages))
    elif late:
        ctx.say(ctx.t("These units were already reminded today."))
    else:
        ctx.say(ctx.t("Every unit has submitted; nobody to remind."))


def register(registry: Registry) -> None:
    registry.add_command(Command("tiendo", progress_command, N_("Who has reported"), roles=SUPERVISING,
                                 menu=N_("Reporting progress"), menu_rank=50, aliases=("progress",)))  # fmt: skip
    registry.add_command(Command("nhactre", nudge_command, N_("Remind late units"), roles=SUPERVISING))
