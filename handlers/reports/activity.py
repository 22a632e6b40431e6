"""The activity report (/baocao): a people-to-people diplomacy activity in eight taps, or in one message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from bot.context import Ctx
from bot.engine.errors import InvalidInput
from bot.engine.forms import Condition, Form, Kind, Step
from bot.engine.runner import FormEnv
from bot.i18n import N_, I18n
from bot.registry import Command, Flow, Registry
from handlers.reports.kinds import kind_choices, kind_names
from handlers.reports.my_reports import CORRECTING, save_correction
from handlers.reports.one_message import read_report
from storage import activities, audit

ACTIVITY_FORM = Form(
    name="activity",
    version=2,
    title=N_("Activity report"),
    details_prompt=N_("Add details: description, partner country, foreigners, money mobilised, photos?"),
    steps=(
        Step(
            "kind", N_("Kind of activity"), N_("What kind of activity was it?"), Kind.CHOICE, options="activity_kinds"
        ),
        Step(
            "activity_date",
            N_("Date"),
            N_("When did it take place? Type the date day first (e.g. 10/6 or 10/6/2026), or “today”."),
            Kind.DATE,
            validators=("not_future", "within_days:730"),
        ),
        Step(
            "title",
            N_("Title"),
            N_("A short title for the activity (e.g. “Giao lưu hữu nghị với tỉnh Hủa Phăn”)."),
            Kind.TEXT,
            max_length=200,
        ),
        Step("place", N_("Place"), N_("Where did it take place?"), Kind.TEXT, max_length=200),
        Step(
            "participants", N_("Participants"), N_("How many people took part? (e.g. 50 or “khoảng 50”)"), Kind.NUMBER
        ),
        Step(
            "description",
            N_("Description"),
            N_("Describe briefly what happened (optional)."),
            Kind.LONG_TEXT,
            required=False,
            max_length=2000,
            detail=True,
        ),
        Step(
            "partner_country",
            N_("Partner country"),
            N_("Which country was the partner from (e.g. Lào, Hàn Quốc)? Skip if none."),
            Kind.COUNTRY,
            required=False,
            detail=True,
        ),
        Step(
            "partner_org",
            N_("Partner organisation or locality"),
            N_("Which foreign organisation or locality took part? (optional)"),
            Kind.TEXT,
            required=False,
            when=(Condition("partner_country"),),
            max_length=200,
            detail=True,
        ),
        Step(
            "foreign_participants",
            N_("Foreigners / overseas Vietnamese"),
            N_("How many of them were foreigners or overseas Vietnamese? (optional)"),
            Kind.NUMBER,
            required=False,
            validators=("at_most:participants",),
            detail=True,
        ),
        Step(
            "money_vnd",
            N_("Money or goods mobilised"),
            N_("Money or goods mobilised, in đồng (e.g. 5 triệu, 5.000.000)? (optional)"),
            Kind.MONEY,
            required=False,
            detail=True,
        ),
        Step(
            "photos", N_("Photos"), N_("Send photos as evidence (optional)."), Kind.PHOTOS, required=False, detail=True
        ),
    ),
)


def not_future(value: Any, env: FormEnv, answers: Mapping[str, Any], argument: str | None) -> None:
    if date.fromisoformat(value) > env.today:
        raise InvalidInput(N_("That date is in the future; please give the day the activity took place."))


def within_days(value: Any, env: FormEnv, answers: Mapping[str, Any], argument: str | None) -> None:
    if date.fromisoformat(value) < env.today - timedelta(days=int(argument or 365)):
        raise InvalidInput(N_("That date is too far in the past; please check the year."))


def at_most(value: Any, env: FormEnv, answers: Mapping[str, Any], argument: str | None) -> None:
    limit = answers.get(argument or "")
    if isinstance(limit, int) and value > limit:
        raise InvalidInput(N_("That is more than the {total} people who took part."), total=limit)


VALIDATORS = {"not_future": not_future, "within_days": within_days, "at_most": at_most}
READ_MIN_WORDS = 5  # a message shorter than this is a menu word or an answer, not a report
READ_MAX_CHARS, READ_MAX_LINES = 1000, 6  # longer is a document pasted in (a plan), not a report written to a colleague


async def report_command(ctx: Ctx, args: str) -> None:
    """/baocao, or "/baocao <the whole report in words>"."""
    if ctx.person is None or ctx.person.unit_id is None:
        ctx.say(
            ctx.t(
                "Your account is not attached to a unit yet; please ask the Front committee above you for an "
                "invite code."
            )
        )
        return
    if args.strip() and await report_from_message(ctx, args, asked=True):
        return
    await ctx.services.start_form(ctx, ACTIVITY_FORM.name)


async def report_from_message(ctx: Ctx, text: str, photo: str | None = None, *, asked: bool = False) -> bool:
    """Starts a report from a message that reads as one (or was sent as one: ``asked``, a photo): every answer
    read is filled, checked by the form's validators, and shown on the review; the form asks only what is missing.
    The message itself is kept as the description, so nothing the officer wrote is lost."""
    if ctx.person is None or ctx.person.unit_id is None or ctx.conversation.flow:
        return False
    kinds = [(code, short, name) for code, name, short in await kind_names(ctx, ctx.i18n)]
    answers = read_report(text, ctx.today, kinds) if text.strip() else {}
    found = [name for name in ("kind", "activity_date", "participants", "money_vnd", "place") if name in answers]
    if not (asked or photo) and (
        "kind" not in answers
        or len(found) < 2
        or len(text.split()) < READ_MIN_WORDS
        or len(text) > READ_MAX_CHARS
        or text.count("\n") >= READ_MAX_LINES
    ):
        return False  # fmt: skip
    env = FormEnv(ctx.i18n, ctx.today, _no_options, VALIDATORS)
    for step in ACTIVITY_FORM.steps:  # a value the form would refuse typed is asked instead
        for rule in step.validators if step.name in answers else ():
            name, _, argument = rule.partition(":")
            try:
                VALIDATORS[name](answers[step.name], env, answers, argument or None)
            except InvalidInput:
                answers.pop(step.name)
                break
    if photo is not None:
        answers["photos"] = [{"channel": ctx.channel, "ref": photo}]
    read = [step for step in ACTIVITY_FORM.steps if step.name in answers and step.name not in ("description", "photos")]
    labels = [ctx.t(step.label).lower() for step in read]
    if labels:
        ctx.say(ctx.t("I read this as an activity report ({fields}). Please check it before sending.",
                      fields=", ".join(labels)))  # fmt: skip
    elif photo is not None:
        ctx.say(ctx.t("The photo is kept for a new activity report."))
    await ctx.services.start_form(ctx, ACTIVITY_FORM.name, answers=answers, extra={"details": False})
    return True


async def _no_options(_name: str, _i18n: I18n) -> Sequence[tuple[str, ...]]:
    return ()


async def _typed_report(ctx: Ctx, text: str) -> bool:
    return await report_from_message(ctx, text)


async def _photo_report(ctx: Ctx, photo: str, caption: str | None) -> bool:
    return await report_from_message(ctx, caption or "", photo)


async def save_report(ctx: Ctx, answers: dict[str, Any], state: dict[str, Any]) -> None:
    """Stores the report once per draft: a second "confirm" finds the draft already saved; a draft opened from a
    sent report (``/cuatoi``) corrects that report instead."""
    assert ctx.person is not None and ctx.person.unit_id is not None
    if state.get(CORRECTING) is not None:
        await save_correction(ctx, int(state[CORRECTING]), answers, ACTIVITY_FORM)
        return
    report, created = await activities.save_report(
        ctx.session,
        draft_key=state["draft"],
        unit_id=ctx.person.unit_id,
        reporter_id=ctx.person.id,
        answers=answers,
        form_name=ACTIVITY_FORM.name,
        form_version=state["version"],
        now=ctx.now,
    )
    if created:
        audit.record(
            ctx.session,
            "activity.created",
            actor=ctx.person,
            object_type="activity_report",
            object_id=report.id,
            unit_id=report.unit_id,
        )
    ctx.say(ctx.t("Saved. Thank you! Your report number is #{number}.", number=report.id))
    await ctx.services.show_menu(ctx)


def register(registry: Registry) -> None:
    registry.add_command(
        Command(
            "baocao",
            report_command,
            N_("Report an activity"),
            menu=N_("Report an activity"),
            menu_rank=10,
            aliases=("report",),
        )
    )
    registry.add_flow(Flow(ACTIVITY_FORM, save_report))
    registry.options["activity_kinds"] = kind_choices
    registry.validators.update(VALIDATORS)
    registry.typed.append(_typed_report)
    registry.photos.append(_photo_report)
