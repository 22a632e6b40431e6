"""``caunoi people list|move|role|deactivate|reactivate``: an officer's life after the invite, from the command line.
Each change is audited and the person is told in the chat; a new role brings its own command menu."""

from __future__ import annotations

import argparse
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.replies import Reply
from bot.i18n import I18n
from bot.menus import command_menu
from bot.notify import to_person
from bot.registry import CliVerb, Registry, Runtime, cli_actor
from handlers.people.onboarding import ROLE_NAMES
from storage import audit, staff
from storage.models import Person, Unit
from storage.people import Role
from storage.text import record_id
from storage.units import Scope, remaining, require


async def list_people(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    async with app.db.transaction() as session:
        unit = await require(session, args.unit) if args.unit else None
        people = await staff.listed(session, Scope.everything(), unit_id=unit.id if unit else None)
    for officer in people:
        state = " (deactivated)" if officer.person.deactivated_at else ""
        last = officer.last_seen.date().isoformat() if officer.last_seen else "-"
        code = officer.unit.code if officer.unit else "-"
        messengers = ", ".join(officer.messengers) or "-"
        print(f"{officer.person.id:6d}  {officer.person.role:10s} {code:8s} {officer.person.full_name} · {messengers}"
              f" · last seen {last}{state}")  # fmt: skip


async def _person(session: AsyncSession, text: str) -> Person:
    wanted = record_id(str(text))
    person = await session.get(Person, wanted) if wanted is not None else None
    if person is None:
        raise ValueError(f"no person #{text}")
    return person


async def apply(session: AsyncSession, registry: Registry, person: Person, action: str, *, now: datetime,
                unit: Unit | None = None, role: Role | None = None, actor: Person | None = None) -> None:  # fmt: skip
    """One of move, role, deactivate, reactivate: applied, audited, and told to the person (with their new command
    menu after a role change). The command line and the web console both come here."""
    details: dict[str, object] = {}
    if action == "move":
        assert unit is not None
        unit = await remaining(session, unit)  # a unit merged into another: the one it went into
        details = {"from_unit": person.unit_id, "to_unit": unit.id}
        await staff.move(session, person, unit)
        name = unit.name

        def told(i18n: I18n) -> Reply:
            return Reply(text=i18n.t("You now report for {unit}. What you reported before stays with your former "
                                     "unit.", unit=name))  # fmt: skip
    elif action == "role":
        assert role is not None
        details = {"from_role": person.role, "to_role": role.value}
        await staff.set_role(session, person, role, now)

        def told(i18n: I18n) -> Reply:
            return Reply(text=i18n.t("Your role is now {role}; the menu has what it can do.",
                                     role=i18n.t(ROLE_NAMES[role.value])))  # fmt: skip

        await to_person(session, person, lambda i18n: Reply(text="", commands=command_menu(registry, role.value, i18n)),
                        now)  # fmt: skip
    elif action == "deactivate":
        await staff.deactivate(session, person, now)

        def told(i18n: I18n) -> Reply:
            return Reply(text=i18n.t("Your Cầu Nối account has been deactivated; what you reported is kept. "
                                     "Thank you for your work."))  # fmt: skip
    elif action == "reactivate":
        await staff.reactivate(session, person)

        def told(i18n: I18n) -> Reply:
            return Reply(text=i18n.t("Your Cầu Nối account is active again."))
    else:
        raise ValueError(f"unknown change {action!r}")
    audit.record(session, f"person.{action}", actor=actor, actor_label=None if actor else cli_actor(),
                 object_type="person", object_id=person.id, **details)  # fmt: skip
    await to_person(session, person, told, now)


async def change(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    async with app.db.transaction() as session:
        person = await _person(session, args.person)
        unit = await require(session, args.unit) if args.action == "move" else None
        role = Role(args.role) if args.action == "role" else None
        await apply(session, app.registry, person, args.action, now=app.clock(), unit=unit, role=role)
    print(f"{args.action}: #{person.id} {person.full_name}")


def _person_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--person", required=True, help="the person's id (caunoi people list)")


def register(registry: Registry) -> None:
    registry.add_cli_group("people", "officers, supervisors and admins")
    registry.add_cli(
        CliVerb(
            "people",
            "list",
            "people with their unit, role, messengers and last activity",
            list_people,
            lambda p: p.add_argument("--unit", help="only this unit's code"),
        )
    )

    def move_options(parser: argparse.ArgumentParser) -> None:
        _person_option(parser)
        parser.add_argument("--unit", required=True, help="the new unit's code")

    def role_options(parser: argparse.ArgumentParser) -> None:
        _person_option(parser)
        parser.add_argument("--role", required=True, choices=[role.value for role in Role])

    registry.add_cli(CliVerb("people", "move", "move a person to another unit (their reports stay)", change,
                             move_options))  # fmt: skip
    registry.add_cli(CliVerb("people", "role", "change a person's role", change, role_options))
    registry.add_cli(CliVerb("people", "deactivate", "someone who left: no more bot, records kept", change,
                             _person_option))  # fmt: skip
    registry.add_cli(CliVerb("people", "reactivate", "undo a deactivation", change, _person_option))
