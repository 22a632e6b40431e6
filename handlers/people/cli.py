"""``caunoi units …`` and ``caunoi invite create``: the administrative units, and invite codes for their officers."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from bot.i18n import i18n_for
from bot.registry import CliVerb, Registry, Runtime, cli_actor
from handlers.people.invites import bulk_invites, telegram_link
from storage import audit
from storage.people import Role, create_invite, display_code
from storage.types import utcnow
from storage.unit_merge import merge
from storage.unit_sources import csv_units, vietnam_units
from storage.units import require, upsert_units


async def import_units(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    rows = list(vietnam_units(args.province)) if args.action == "import-vn" else csv_units(args.file)
    async with app.db.transaction() as session:
        result = await upsert_units(session, rows)
    print(f"units: {result.created} created, {result.updated} updated, {result.unchanged} unchanged")


async def merge_units(app: Runtime | None, args: argparse.Namespace) -> None:
    """``caunoi units merge OLD --into NEW``: everything of OLD moves to NEW (``storage.unit_merge``)."""
    assert app is not None
    async with app.db.transaction() as session:
        source, target = await require(session, args.code), await require(session, args.into)
        merged = await merge(session, source, target, app.clock(), actor_label=cli_actor())
    moved = ", ".join(f"{count} {name}" for name, count in merged.moved.items()) or "nothing"
    print(f"{source.code} {source.name} merged into {target.code} {target.name}: moved {moved}")
    if merged.kept:
        kept = ", ".join(f"{count} {name}" for name, count in merged.kept.items())
        print(f"kept on {source.code}, as {target.code} had its own for the same period or task: {kept}")


async def create_invites(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    settings = app.settings
    async with app.db.transaction() as session:
        unit = await require(session, args.unit)
        ttl = timedelta(hours=settings.invite_ttl_hours)
        for _ in range(max(1, args.count)):
            new = await create_invite(session, unit, Role(args.role), utcnow(), ttl)
            audit.record(session, "invite.created", actor_label=cli_actor(), object_type="unit", object_id=unit.code,
                         role=args.role)  # fmt: skip
            link = f"  {telegram_link(settings, new.code)}" if settings.telegram_bot_username else ""
            print(
                f"{display_code(new.code)}  {unit.code} {unit.name}  {args.role}  "
                f"expires {new.invite.expires_at:%Y-%m-%d %H:%M} UTC{link}"
            )


async def bulk_invites_file(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    async with app.db.transaction() as session:
        root = await require(session, args.unit)
        body, count = await bulk_invites(session, app.settings, i18n_for(args.language), root, args.level, args.count,
                                         Role(args.role), app.clock(), actor_label=cli_actor())  # fmt: skip
        if not count:
            raise ValueError(f"no unit of level {args.level} under {root.code}")
    args.out.write_bytes(body)
    print(f"{count} invite code(s) written to {args.out} (keep it like a password: the codes are in no other place)")


def _bulk_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unit", required=True, help="the unit whose subtree is invited (e.g. a province's code)")
    parser.add_argument("--level", default="commune", help="the level of the units that get codes")
    parser.add_argument("--count", type=int, default=1, help="codes per unit (1-5)")
    parser.add_argument("--role", default="officer", choices=("officer", "supervisor", "admin"))
    parser.add_argument("--language", default="vi", choices=("vi", "en"), help="the spreadsheet's headings")
    parser.add_argument("--out", type=Path, required=True, help="the .xlsx file to write")


def _province(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--province", help="only this province (name or code)")


def _csv_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path)


def _merge_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="the unit that is merged (its code)")
    parser.add_argument("--into", required=True, help="the unit that remains")


def _invite_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unit", required=True, help="unit code")
    parser.add_argument("--role", default="officer", choices=("officer", "supervisor", "admin"))
    parser.add_argument("--count", type=int, default=1)


def register(registry: Registry) -> None:
    registry.add_cli_group("units", "administrative units")
    registry.add_cli(CliVerb("units", "import-vn",
                             "Vietnam's provinces and communes from the vietnam-provinces package", import_units,
                             _province))  # fmt: skip
    registry.add_cli(CliVerb("units", "import-csv", "units from a CSV file: code,name,level,parent_code", import_units,
                             _csv_file))  # fmt: skip
    registry.add_cli(CliVerb("units", "merge", "merge a unit into another: its people, records and units below move",
                             merge_units, _merge_options))  # fmt: skip
    registry.add_cli_group("invite", "invite codes")
    registry.add_cli(CliVerb("invite", "create", "create single-use invite codes for a unit", create_invites,
                             _invite_options))  # fmt: skip
    registry.add_cli(CliVerb("invite", "bulk", "a spreadsheet of invite codes for every unit of a level in a subtree",
                             bulk_invites_file, _bulk_options))  # fmt: skip
