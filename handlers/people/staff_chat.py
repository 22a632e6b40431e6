"""/canbo: a supervising officer's people, in the chat — the officers of their units with their last activity; move
one to another unit of the subtree, deactivate someone who left (after a second "yes"), reactivate. The same
``staff.apply`` as the web console and ``caunoi people``: audited, and told to the person. Roles change on the web
console or the command line, where an admin is."""

from __future__ import annotations

from bot.context import Ctx
from bot.engine.replies import Option
from bot.i18n import N_
from bot.registry import Command, Registry
from handlers.people.onboarding import ROLE_NAMES
from handlers.people.staff import apply
from storage import staff
from storage.models import Person, Unit
from storage.people import SUPERVISING, scope_of
from storage.text import record_id
from storage.units import by_code, in_scope

LISTED = 12  # people listed at once; a unit's code narrows the list
HINT = N_("Type the number of your choice, or its name.")


async def staff_command(ctx: Ctx, args: str) -> None:
    """/canbo [UNIT] · /canbo xem ID · /canbo chuyen ID UNIT · /canbo ngung ID · /canbo molai ID."""
    word, _, rest = args.strip().partition(" ")
    actions = {"xem": show, "ngung": ask_deactivate, "ngungxn": deactivate, "molai": reactivate, "chuyen": move}
    if word in actions:
        await actions[word](ctx, rest.strip())
    else:
        await list_people(ctx, word)


async def list_people(ctx: Ctx, code: str) -> None:
    assert ctx.person is not None
    scope = scope_of(ctx.person)
    unit = None
    if code:
        unit = await by_code(ctx.session, code[:16])
        if unit is None or not await _mine(ctx, unit):
            ctx.say(ctx.t("There is no unit {code} among the units you supervise.", code=code[:16]))
            return
    people = [o for o in await staff.listed(ctx.session, scope, unit_id=unit.id if unit else None)
              if o.person.id != ctx.person.id]  # fmt: skip
    if not people:
        ctx.say(ctx.t("No one else is registered in these units yet. Invites for every commune at once are on the "
                      "web console's “Cán bộ” page (/web)."))  # fmt: skip
        return
    lines = [ctx.t("{count} people in {where}:", count=len(people), where=unit.name if unit else ctx.t("your units"))]
    rows = []
    for officer in people[:LISTED]:
        rows.append((Option(f"m:canbo xem {officer.person.id}", _line(ctx, officer)),))
    if len(people) > LISTED:
        lines.append(ctx.t("Showing {shown}; type /canbo and a unit's code (for example /canbo 20341) for one unit.",
                           shown=LISTED))  # fmt: skip
    ctx.say("\n".join(lines), title=ctx.t("Officers"), rows=tuple(rows), typed_hint=ctx.t(HINT))


def _line(ctx: Ctx, officer: staff.Officer) -> str:
    state = ctx.t(" (deactivated)") if officer.person.deactivated_at else ""
    unit = officer.unit.name if officer.unit else "—"
    return f"#{officer.person.id} {officer.person.full_name} · {unit}{state}"[:64]


async def _mine(ctx: Ctx, unit: Unit) -> bool:
    """The unit lies in the person's subtree (an admin's: everywhere)."""
    assert ctx.person is not None
    return await in_scope(ctx.session, scope_of(ctx.person), unit)


async def _person(ctx: Ctx, text: str) -> Person | None:
    """Someone of the person's units other than themselves; the same answer whether missing or not theirs."""
    assert ctx.person is not None
    wanted = record_id(text.split(" ", 1)[0].lstrip("#")) if text else None
    person = await staff.in_scope(ctx.session, scope_of(ctx.person), wanted)
    if person is None or person.id == ctx.person.id:
        ctx.say(ctx.t("There is no one #{id} in your units.", id=text.split(" ", 1)[0][:12] or "—"))
        return None
    return person


async def show(ctx: Ctx, rest: str) -> None:
    person = await _person(ctx, rest)
    if person is None:
        return
    assert ctx.person is not None
    (officer,) = [o for o in await staff.listed(ctx.session, scope_of(ctx.person), unit_id=person.unit_id)
                  if o.person.id == person.id]  # fmt: skip
    seen = ctx.i18n.date(officer.last_seen.astimezone(ctx.services.zone).date()) if officer.last_seen else "—"
    reported = (ctx.i18n.date(officer.last_report.astimezone(ctx.services.zone).date())
                if officer.last_report else "—")  # fmt: skip
    lines = [
        ctx.t("Unit: {unit}", unit=officer.unit.name if officer.unit else "—"),
        ctx.t("Role: {role}", role=ctx.t(ROLE_NAMES.get(person.role, person.role))),
        ctx.t("Messengers: {names}", names=", ".join(officer.messengers) or "—"),
        ctx.t("Last seen {seen}; last report {reported}", seen=seen, reported=reported),
    ]
    if person.deactivated_at:
        lines.append(ctx.t("Deactivated: no longer uses the bot; what they reported is kept."))
        rows: tuple[tuple[Option, ...], ...] = ((Option(f"m:canbo molai {person.id}", ctx.t("Reactivate")),),)
    else:
        rows = ((Option(f"m:canbo ngung {person.id}", ctx.t("Deactivate (has left)")),),)
    rows += ((Option("m:canbo", ctx.t("All officers")),),)
    lines.append(ctx.t("To move them to another unit: /canbo chuyen {id} <unit code>", id=person.id))
    ctx.say("\n".join(lines), title=f"#{person.id} {person.full_name}", rows=rows, typed_hint=ctx.t(HINT),
            reading=True)  # fmt: skip


async def ask_deactivate(ctx: Ctx, rest: str) -> None:
    person = await _person(ctx, rest)
    if person is None:
        return
    rows = ((Option(f"m:canbo ngungxn {person.id}", ctx.t("Yes, deactivate")),),
            (Option(f"m:canbo xem {person.id}", ctx.t("No")),))  # fmt: skip
    ctx.say(ctx.t("Deactivate {name}? They can no longer use the bot, and leave every reminder and announcement; "
                  "what they reported stays.", name=person.full_name), rows=rows, typed_hint=ctx.t(HINT))  # fmt: skip


async def deactivate(ctx: Ctx, rest: str) -> None:
    await _change(ctx, rest, "deactivate")


async def reactivate(ctx: Ctx, rest: str) -> None:
    await _change(ctx, rest, "reactivate")


async def move(ctx: Ctx, rest: str) -> None:
    assert ctx.person is not None
    _, _, code = rest.partition(" ")
    person = await _person(ctx, rest)
    if person is None:
        return
    unit = await by_code(ctx.session, code.strip()[:16]) if code.strip() else None
    if unit is None or not await _mine(ctx, unit):
        ctx.say(ctx.t("There is no unit {code} among the units you supervise.", code=code.strip()[:16] or "—"))
        return
    await _change(ctx, rest, "move", unit=unit)


async def _change(ctx: Ctx, rest: str, action: str, *, unit: Unit | None = None) -> None:
    person = await _person(ctx, rest)
    if person is None:
        return
    if (action == "deactivate") == (person.deactivated_at is not None) and action != "move":
        ctx.say(ctx.t("{name}: nothing to change.", name=person.full_name))
        return
    await apply(ctx.session, ctx.services.registry, person, action, now=ctx.now, unit=unit, actor=ctx.person)
    ctx.say(ctx.t("{name}: done.", name=person.full_name))


def register(registry: Registry) -> None:
    registry.add_command(Command("canbo", staff_command, N_("Your units' officers: move, deactivate, reactivate"),
                                 roles=SUPERVISING, aliases=("staff",)))  # fmt: skip
