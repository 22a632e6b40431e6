"""Joining: an invite code binds a messenger account to a unit and role; then the person gives their full name."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.context import Ctx
from bot.engine.forms import Form, Kind, Step
from bot.i18n import N_
from bot.registry import Command, Flow, Registry
from handlers.people.privacy import notice
from storage import audit
from storage.models import Person, Unit
from storage.people import (
    RedeemError,
    create_link_code,
    display_code,
    normalise_code,
    redeem_invite,
    redeem_link_code,
)

PROFILE_FORM = Form(
    name="profile",
    version=1,
    title=N_("Your profile"),
    review=False,
    steps=(
        Step(
            "full_name",
            N_("Full name"),
            N_("Please type your full name, with diacritics (e.g. Nguyễn Văn An)."),
            Kind.NAME,
            max_length=120,
        ),
    ),
)

REDEEM_ERRORS = {
    RedeemError.UNKNOWN: N_(
        "That code is not valid. Please check it, or ask the Front committee above you for a new one."
    ),
    RedeemError.USED: N_("That code has already been used. Please ask the Front committee above you for a new one."),
    RedeemError.EXPIRED: N_("That code has expired. Please ask the Front committee above you for a new one."),
}


async def start_command(ctx: Ctx, args: str) -> None:
    if args:
        await try_code(ctx, args, explicit=True)
        return
    if ctx.person is None:
        await ctx.services.ask_for_code(ctx)
        return
    unit = await ctx.session.get(Unit, ctx.person.unit_id) if ctx.person.unit_id else None
    ctx.say(ctx.t("Hello {name} ({unit}).", name=ctx.person.full_name, unit=unit.name if unit else "—"))
    if ctx.in_form:
        await ctx.services.reshow_form(ctx)
    else:
        await ctx.services.show_menu(ctx)


async def stranger_text(ctx: Ctx, text: str) -> bool:
    """Someone not yet bound typed something: if it looks like a code, try it."""
    if normalise_code(text) is None:
        return False
    await try_code(ctx, text, explicit=False)
    return True


def _locked_out(ctx: Ctx) -> bool:
    identity, settings = ctx.identity, ctx.settings
    window = timedelta(minutes=settings.invite_lockout_minutes)
    if identity.code_window_started_at is None or ctx.now - identity.code_window_started_at > window:
        identity.code_window_started_at, identity.code_failures = ctx.now, 0
    return identity.code_failures >= settings.invite_max_failures


async def try_code(ctx: Ctx, text: str, *, explicit: bool) -> None:
    if _locked_out(ctx):
        ctx.say(
            ctx.t(
                "Too many wrong codes. Please wait {minutes} minutes and try again.",
                minutes=ctx.settings.invite_lockout_minutes,
            )
        )
        return
    code = normalise_code(text)
    linked = await redeem_link_code(ctx.session, code, ctx.now) if code and ctx.person is None else None
    if linked is not None:
        await _link(ctx, linked)
        return
    result = await redeem_invite(ctx.session, code, ctx.now) if code else RedeemError.UNKNOWN
    if isinstance(result, RedeemError):
        ctx.identity.code_failures += 1
        audit.record(ctx.session, "invite.failed", actor=ctx.person, actor_label=_label(ctx), reason=result.value)
        ctx.say(ctx.t(REDEEM_ERRORS[result]))
        return
    unit = await ctx.session.get(Unit, result.unit_id)
    assert unit is not None
    person = ctx.person
    if person is None:
        person = Person(
            full_name=(ctx.identity.display_name or "")[:255],
            role=result.role,
            unit_id=unit.id,
            language=ctx.i18n.language,
        )
        ctx.session.add(person)
        await ctx.session.flush()
        ctx.identity.person_id = person.id
        ctx.person = person
    else:
        person.role, person.unit_id = result.role, unit.id
    result.used_by_id = person.id
    ctx.identity.code_failures = 0
    audit.record(
        ctx.session,
        "invite.redeemed",
        actor=person,
        object_type="unit",
        object_id=unit.code,
        role=result.role,
        channel=ctx.channel,
    )
    ctx.say(
        ctx.t(
            "Welcome! You are now registered with {unit} as {role}.",
            unit=unit.name,
            role=ctx.t(ROLE_NAMES[result.role]),
        )
    )
    ctx.replies.append(notice(ctx.i18n))  # once, when joining; again at any time with /quyenriengtu
    ctx.services.refresh_commands(ctx)
    await ctx.services.start_form(ctx, PROFILE_FORM.name)


async def _link(ctx: Ctx, person: Person) -> None:
    """This messenger account now belongs to a person already registered on another one."""
    ctx.identity.person_id, ctx.identity.code_failures = person.id, 0
    ctx.person = person
    ctx.set_language(person.language)
    audit.record(ctx.session, "identity.linked", actor=person, object_type="person", object_id=person.id,
                 channel=ctx.channel)  # fmt: skip
    ctx.say(ctx.t("Linked. {name}, you can now use Cầu Nối here too; reminders come to the messenger you used last.",
                  name=person.full_name))  # fmt: skip
    ctx.services.refresh_commands(ctx)
    await ctx.services.show_menu(ctx)


async def link_command(ctx: Ctx, args: str) -> None:
    """/lienket: a one-time code to type into the bot on the other messenger."""
    assert ctx.person is not None
    code = await create_link_code(ctx.session, ctx.person, ctx.now, timedelta(minutes=LINK_MINUTES))
    audit.record(ctx.session, "identity.link_code", actor=ctx.person, object_type="person", object_id=ctx.person.id)
    ctx.say(ctx.t("To use Cầu Nối on your other messenger (Zalo or Telegram), open the bot there and send this code "
                  "within {minutes} minutes: {code}", minutes=LINK_MINUTES, code=display_code(code)))  # fmt: skip
    await ctx.services.reshow_form(ctx)


LINK_MINUTES = 15
ROLE_NAMES = {"officer": N_("officer"), "supervisor": N_("supervising officer"), "admin": N_("administrator")}


def _label(ctx: Ctx) -> str:
    return f"{ctx.channel}:{ctx.identity.external_id}"


async def save_profile(ctx: Ctx, answers: dict[str, Any], state: dict[str, Any]) -> None:
    assert ctx.person is not None
    ctx.person.full_name = answers["full_name"]
    audit.record(ctx.session, "person.profile", actor=ctx.person, object_type="person", object_id=ctx.person.id)
    ctx.say(ctx.t("Thank you, {name}. You can now report activities.", name=ctx.person.full_name))
    await ctx.services.show_menu(ctx)


def register(registry: Registry) -> None:
    registry.add_command(Command("start", start_command, N_("Start, or join with an invite code"), public=True))
    registry.add_command(Command("lienket", link_command, N_("Use the bot on another messenger too"),
                                 aliases=("link",)))  # fmt: skip
    registry.add_flow(Flow(PROFILE_FORM, save_profile))
    registry.text_fallback = stranger_text
