"""/thongbao for admins (everyone) and supervisors (their subtree): write, choose the audience, see how many people
it reaches, send; then follow receipts and re-send to those who have not acknowledged. /danhan acknowledges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.context import Ctx
from bot.engine.forms import Form, Kind, Step
from bot.engine.replies import Option
from bot.i18n import N_, I18n
from bot.registry import Command, Flow, Registry
from handlers.announcements import broadcasts
from storage import audit
from storage.models import Broadcast
from storage.people import SUPERVISING, Role
from storage.text import fold, record_id
from storage.units import level_choices

MAX_TEXT = 3000  # characters of an announcement
BROADCAST_FORM = Form(
    name="broadcast",
    version=1,
    title=N_("Announcement"),
    submit_label=N_("Continue"),
    steps=(
        Step("text", N_("Message"), N_("Type the announcement (up to 3,000 characters)."), Kind.LONG_TEXT,
             max_length=MAX_TEXT),
        Step("level", N_("Units"), N_("Which units should receive it?"), Kind.CHOICE, options="audience_levels"),
        Step("role", N_("People"), N_("Who in those units?"), Kind.CHOICE, options="audience_roles"),
    ),
)  # fmt: skip
EVERY = broadcasts.EVERY


async def audience_levels(ctx: Ctx, i18n: I18n) -> Sequence[tuple[str, ...]]:
    return [(EVERY, i18n.t("All units")), *await level_choices(ctx.session, i18n)]


async def audience_roles(ctx: Ctx, i18n: I18n) -> Sequence[tuple[str, str]]:
    return [(EVERY, i18n.t("Everyone")), (Role.OFFICER.value, i18n.t("Officers")),
            (Role.SUPERVISOR.value, i18n.t("Supervising officers"))]  # fmt: skip


def _audience(ctx: Ctx, answers: dict[str, Any]) -> broadcasts.Audience:
    assert ctx.person is not None
    return broadcasts.audience_of(ctx.person, answers.get("level"), answers.get("role"))


async def broadcast_command(ctx: Ctx, args: str) -> None:
    word, _, rest = args.strip().partition(" ")
    if word == "gui":
        await _send(ctx)
    elif word == "bo":
        ctx.take("broadcast")
        ctx.say(ctx.t("Discarded. Nothing was sent."))
    elif word == "nhaclai" and (wanted := record_id(rest)) is not None:
        await _resend(ctx, wanted)
    elif (wanted := record_id(word)) is not None:
        await _status(ctx, wanted)
    else:
        await ctx.services.start_form(ctx, BROADCAST_FORM.name)


async def composed(ctx: Ctx, answers: dict[str, Any], state: dict[str, Any]) -> None:
    """The form is done: count the audience and ask once more before anything is sent."""
    audience = _audience(ctx, answers)
    targets = await broadcasts.recipients(ctx.session, audience)
    reachable = sum(1 for target in targets if target.identity is not None)
    ctx.hold("broadcast", {"text": answers["text"], "level": answers["level"], "role": answers["role"]})
    rows = ((Option("m:thongbao gui", ctx.t("Send to {count} people", count=reachable)),),
            (Option("m:thongbao bo", ctx.t("Do not send")),))  # fmt: skip
    ctx.say(ctx.t("It will reach {reachable} of {total} people in the audience (the others blocked the bot or have "
                  "no messenger yet).", reachable=reachable, total=len(targets)), rows=rows,
            typed_hint=ctx.t("Type 1 to send, 2 to cancel."))  # fmt: skip


async def _send(ctx: Ctx) -> None:
    assert ctx.person is not None
    held = ctx.take("broadcast")
    if not held:
        ctx.say(ctx.t("There is nothing waiting to be sent."))
        return
    audience = _audience(ctx, held)
    targets = await broadcasts.recipients(ctx.session, audience)
    sent = await broadcasts.send(ctx.session, audience, targets, held["text"], None, sender_id=ctx.person.id,
                                 sender_label=ctx.person.full_name, now=ctx.now)  # fmt: skip
    audit.record(ctx.session, "broadcast.sent", actor=ctx.person, object_type="broadcast", object_id=sent.id,
                 recipients=len(targets))  # fmt: skip
    ctx.say(ctx.t("Announcement #{id} is on its way to {count} people. Follow it with /thongbao {id}.", id=sent.id,
                  count=len(targets)))  # fmt: skip


async def _mine(ctx: Ctx, broadcast_id: int) -> Broadcast | None:
    assert ctx.person is not None
    broadcast = await ctx.session.get(Broadcast, broadcast_id)
    if broadcast is None or (broadcast.sender_id != ctx.person.id and ctx.person.role != Role.ADMIN):
        ctx.say(ctx.t("There is no announcement #{id}.", id=broadcast_id))
        return None
    return broadcast


async def _status(ctx: Ctx, broadcast_id: int) -> None:
    if await _mine(ctx, broadcast_id) is None:
        return
    rows = ((Option(f"m:thongbao nhaclai {broadcast_id}", ctx.t("Send again to those who have not acknowledged")),),)
    ctx.say(await broadcasts.status_text(ctx.session, broadcast_id, ctx.i18n), rows=rows,
            typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip


async def _resend(ctx: Ctx, broadcast_id: int) -> None:
    if await _mine(ctx, broadcast_id) is None:
        return
    count = await broadcasts.resend(ctx.session, broadcast_id, ctx.now)
    audit.record(ctx.session, "broadcast.resent", actor=ctx.person, object_type="broadcast", object_id=broadcast_id,
                 recipients=count)  # fmt: skip
    ctx.say(ctx.t("Sent again to {count} people.", count=count))


async def acknowledge_command(ctx: Ctx, args: str) -> None:
    assert ctx.person is not None
    text = args.strip()
    wanted = record_id(text)
    first = await broadcasts.acknowledge(ctx.session, wanted, ctx.person.id, ctx.now) if wanted is not None else None
    if first is None:
        ctx.say(ctx.t("There is no announcement #{id} addressed to you.", id=text[:12]))
    else:
        ctx.say(ctx.t("Thank you; your receipt is recorded.") if first else ctx.t("Already recorded. Thank you."))
    await ctx.services.reshow_form(ctx)


_RECEIVED = frozenset({"da nhan", "danhan", "nhan roi", "da nhan roi", "da nhan duoc", "ok da nhan", "received"})


async def typed_received(ctx: Ctx, text: str) -> bool:
    """ "đã nhận", typed as on Zalo: acknowledges the newest announcement this person has not acknowledged yet."""
    if ctx.person is None or fold(text).strip(" .!✅") not in _RECEIVED:
        return False
    wanted = await broadcasts.latest_unacknowledged(ctx.session, ctx.person.id)
    if wanted is None:
        return False  # nothing waits for a receipt: the words mean something else here
    await broadcasts.acknowledge(ctx.session, wanted, ctx.person.id, ctx.now)
    ctx.say(ctx.t("Thank you; your receipt is recorded."))
    return True


def register(registry: Registry) -> None:
    registry.add_command(Command("thongbao", broadcast_command, N_("Send an announcement"), roles=SUPERVISING,
                                 menu=N_("Announcements"), menu_rank=60, aliases=("broadcast",)))  # fmt: skip
    registry.add_command(Command("danhan", acknowledge_command, N_("Confirm you received an announcement"),
                                 aliases=("ack",)))  # fmt: skip
    registry.typed.append(typed_received)
    registry.add_flow(Flow(BROADCAST_FORM, composed))
    registry.options.update(audience_levels=audience_levels, audience_roles=audience_roles)
