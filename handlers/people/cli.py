"""``caunoi units …`` and ``caunoi invite create``: the administrative units, and invite codes for their officers."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from bot.registry import CliVerb, Registry, Runtime, cli_actor
from storage import audit
from storage.people import Role, create_invite, display_code
from storage.types import utcnow
from storage.unit_sources import csv_units, vietnam_units
from storage.units import require, upsert_units


async def import_units(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    rows = list(vietnam_units(args.province)) if args.action == "import-vn" else csv_units(args.file)
    async with app.db.transaction() as session:
        result = await upsert_units(session, rows)
    print(f"units: {result.created} created, {result.updated} updated, {result.unchanged} unchanged")


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
            link = (
                f"  https://t.me/{settings.telegram_bot_username}?start={new.code}"
                if settings.telegram_bot_username
                else ""
            )
            print(
                f"{display_code(new.code)}  {unit.code} {unit.name}  {args.role}  "
                f"expires {new.invite.expires_at:%Y-%m-%d %H:%M} UTC{link}"
            )


def _province(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--province", help="only this province (name or code)")


def _csv_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path)


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
    registry.add_cli_group("invite", "invite codes")
    registry.add_cli(CliVerb("invite", "create", "create single-use invite codes for a unit", create_invites,
                             _invite_options))  # fmt: skip
