"""Report schedules in chat, for admins (/lichbaocao): list, add, change, disable. The same as `caunoi schedule`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from bot.context import Ctx
from bot.engine.errors import InvalidInput
from bot.engine.forms import Form, Kind, Step
from bot.engine.replies import Option
from bot.engine.runner import FormEnv
from bot.i18n import N_, I18n
from bot.registry import Command, Flow, Registry
from storage import audit, schedules
from storage.models import ReportSchedule
from storage.people import Role
from storage.periods import parse_deadline, parse_offsets
from storage.text import fold, record_id
from storage.units import LEVEL_LABELS, level_choices

SCHEDULE_FORM = Form(
    name="schedule",
    version=1,
    title=N_("Report schedule"),
    submit_label=N_("Save the schedule"),
    steps=(
        Step("name", N_("Report"), N_("Name of the report (e.g. “Báo cáo 6 tháng công tác đối ngoại nhân dân”)?"),
             Kind.TEXT),
        Step("period_type", N_("How often"), N_("How often is it due?"), Kind.CHOICE, options="period_types"),
        Step("only_periods", N_("Only these periods"),
             N_("Only some periods of the year? E.g. “1” for the first half only, “1, 3” for quarters I and III. "
                "Skip for all."), Kind.TEXT, required=False, validators=("period_numbers",)),
        Step("level", N_("Units that report"), N_("Which units must send it?"), Kind.CHOICE, options="unit_levels"),
        Step("deadline", N_("Deadline"),
             N_("The deadline: a day and month (“10/6”) or days after the period ends (“15 ngày”)?"), Kind.TEXT,
             validators=("deadline_rule",)),
        Step("remind_before", N_("Reminders before"),
             N_("Remind how many days before the deadline? (default 7, 3, 1, 0)"), Kind.TEXT, required=False,
             validators=("offsets",)),
        Step("remind_after", N_("Reminders after"),
             N_("Remind how many days after the deadline, if still missing? (default 1, 3)"), Kind.TEXT,
             required=False, validators=("offsets",)),
    ),
)  # fmt: skip


PERIOD_TYPE_LABELS = {
    "month": N_("Monthly"),
    "quarter": N_("Quarterly"),
    "half": N_("Half-yearly"),
    "year": N_("Yearly"),
}


async def period_types(ctx: Ctx, i18n: I18n) -> Sequence[tuple[str, str]]:
    return [(value, i18n.t(label)) for value, label in PERIOD_TYPE_LABELS.items()]


async def unit_levels(ctx: Ctx, i18n: I18n) -> Sequence[tuple[str, ...]]:
    return await level_choices(ctx.session, i18n)


def _validator(parse: Any, message: str) -> Any:
    def check(value: Any, env: FormEnv, answers: Mapping[str, Any], argument: str | None) -> None:
        try:
            parse(value)
        except ValueError:
            raise InvalidInput(message) from None

    return check


def _period_numbers(text: str) -> list[int]:
    numbers = sorted({int(part) for part in re.split(r"[,\s;]+", fold(text)) if part.isdecimal()})
    if not numbers or any(not 1 <= number <= 12 for number in numbers):
        raise ValueError(text)
    return numbers


def describe(i18n: I18n, schedule: ReportSchedule) -> str:
    rule = schedules.rule_of(schedule).describe(i18n)
    only = i18n.t(" (periods {numbers} only)", numbers=", ".join(map(str, schedule.only_periods))) \
        if schedule.only_periods else ""  # fmt: skip
    state = "" if schedule.active else i18n.t(" — disabled")
    return i18n.t(
        "{name}: {how}{only}, for {level}, deadline {rule}; reminders {before} day(s) before, {after} after{state}",
        name=schedule.name, how=i18n.t(PERIOD_TYPE_LABELS[schedule.period_type]).lower(), only=only,
        level=i18n.t(LEVEL_LABELS[schedule.level]).lower() if schedule.level in LEVEL_LABELS else schedule.level,
        rule=rule, before=", ".join(map(str, schedule.remind_before)) or "—",
        after=", ".join(map(str, schedule.remind_after)) or "—", state=state,
    )  # fmt: skip


async def schedules_command(ctx: Ctx, args: str) -> None:
    word, _, rest = args.strip().partition(" ")
    found = await ctx.session.get(ReportSchedule, wanted) if (wanted := record_id(rest)) is not None else None
    if word == "them":
        await ctx.services.start_form(ctx, SCHEDULE_FORM.name)
        return
    if word in ("tat", "bat", "sua") and found is not None:
        if word == "sua":
            await ctx.services.start_form(
                ctx, SCHEDULE_FORM.name, answers=_answers(found), extra={"schedule": found.id}
            )
            return
        found.active = word == "bat"
        audit.record(ctx.session, "schedule.enabled" if found.active else "schedule.disabled", actor=ctx.person,
                     object_type="report_schedule", object_id=found.id)  # fmt: skip
    listed = (await ctx.session.scalars(select(ReportSchedule).order_by(ReportSchedule.id))).all()
    lines = [f"{number}. {describe(ctx.i18n, schedule)}" for number, schedule in enumerate(listed, start=1)]
    rows = [(Option("m:lichbaocao them", ctx.t("Add a schedule")),)]
    for schedule in listed:
        toggle = ("tat", ctx.t("Disable")) if schedule.active else ("bat", ctx.t("Enable"))
        rows.append((Option(f"m:lichbaocao sua {schedule.id}", ctx.t("Change: {name}", name=schedule.name)),
                     Option(f"m:lichbaocao {toggle[0]} {schedule.id}", toggle[1])))  # fmt: skip
    ctx.say("\n".join(lines) or ctx.t("No report schedule yet."), title=ctx.t("Report schedules"), rows=tuple(rows),
            typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip


def _answers(schedule: ReportSchedule) -> dict[str, Any]:
    rule = schedules.rule_of(schedule)
    deadline = f"{rule.day}/{rule.month}" if rule.day else f"{rule.days_after_end} ngày"
    return {
        "name": schedule.name, "period_type": schedule.period_type, "level": schedule.level, "deadline": deadline,
        "only_periods": ", ".join(map(str, schedule.only_periods)) or None,
        "remind_before": ", ".join(map(str, schedule.remind_before)),
        "remind_after": ", ".join(map(str, schedule.remind_after)),
    }  # fmt: skip


async def save(ctx: Ctx, answers: dict[str, Any], state: dict[str, Any]) -> None:
    assert ctx.person is not None
    rule = parse_deadline(answers["deadline"])
    existing = await ctx.session.get(ReportSchedule, state["schedule"]) if state.get("schedule") else None
    code = existing.code if existing else f"lich-{ctx.now:%Y%m%d%H%M%S}-{ctx.person.id}"
    fields = dict(
        name=answers["name"], period_type=answers["period_type"], level=answers["level"],
        deadline_days_after=rule.days_after_end, deadline_day=rule.day, deadline_month=rule.month,
        only_periods=_period_numbers(answers["only_periods"]) if answers.get("only_periods") else [],
        remind_before=parse_offsets(answers["remind_before"]) if answers.get("remind_before") else None,
        remind_after=parse_offsets(answers["remind_after"]) if answers.get("remind_after") else None,
        root_unit_id=None if existing else ctx.person.unit_id,
    )  # fmt: skip
    schedule = await schedules.save(ctx.session, code, create=existing is None, now=ctx.now, **fields)
    audit.record(ctx.session, "schedule.changed" if existing else "schedule.created", actor=ctx.person,
                 object_type="report_schedule", object_id=schedule.id)  # fmt: skip
    ctx.say(ctx.t("Saved: {schedule}", schedule=describe(ctx.i18n, schedule)))
    await schedules_command(ctx, "")


def register(registry: Registry) -> None:
    registry.add_command(Command("lichbaocao", schedules_command, N_("Report schedules and deadlines"),
                                 roles=frozenset({Role.ADMIN.value}), menu=N_("Report schedules"), menu_rank=70,
                                 aliases=("schedules",)))  # fmt: skip
    registry.add_flow(Flow(SCHEDULE_FORM, save))
    registry.options.update(period_types=period_types, unit_levels=unit_levels)
    registry.validators.update(
        deadline_rule=_validator(
            parse_deadline, N_("Please write a day and month (“10/6”) or a number of days (“15 ngày”).")
        ),
        offsets=_validator(
            parse_offsets, N_("Please write whole days from 0 to 60, separated by commas: “7, 3, 1, 0”.")
        ),
        period_numbers=_validator(_period_numbers, N_("Please write period numbers such as “1” or “1, 3”.")),
    )
