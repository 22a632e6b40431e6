"""``caunoi kieubao template|import`` and ``caunoi export kieubao``: the register from and to Excel (audited)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.i18n import I18n
from bot.registry import CliVerb, Registry, Runtime, cli_actor
from handlers.register.exports import register_rows, register_to_csv
from handlers.register.sheet import template, workbook
from handlers.register.sheet_import import import_rows, report, stage
from storage.overseas import Actor
from storage.types import utcnow
from storage.units import require


async def write_template(app: Runtime | None, args: argparse.Namespace) -> None:
    args.output.write_bytes(template())
    print(f"template written to {args.output}")


async def import_list(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    i18n = I18n(app.settings.default_language)
    actor = Actor(None, cli_actor())
    async with app.db.transaction() as session:
        unit = await require(session, args.unit)
        now = utcnow()
        today = now.astimezone(ZoneInfo(app.settings.timezone)).date()
        staged = await stage(session, unit.id, args.file.read_bytes(), today, can_encrypt=app.cipher.available)
        print(report(staged, args.file.name, i18n, shown=None))
        if staged.checked.fatal:
            raise ValueError("nothing imported")
        if not args.yes:
            print("(checked only; add --yes to import the valid rows)")
            return
        added = await import_rows(session, unit.id, staged.new_rows, cipher=app.cipher, actor=actor, now=now,
                                  filename=args.file.name)  # fmt: skip
    print(f"{added} record(s) imported into {unit.code} {unit.name}")


async def export_register(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    rows = await register_rows(app.db, app.cipher, args.unit, actor_label=cli_actor())
    output = args.output or Path(f"kieubao-{args.unit or 'tat-ca'}.{args.format}")
    if args.format == "xlsx":
        output.write_bytes(workbook(rows))
    else:
        output.write_text(register_to_csv(rows), encoding="utf-8")
    print(f"{len(rows)} record(s) written to {output}", file=sys.stderr)


def _template_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", type=Path, default=Path("mau-danh-sach-kieu-bao.xlsx"))


def _import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path)
    parser.add_argument("--unit", required=True, help="unit code the people belong to")
    parser.add_argument("--yes", action="store_true", help="import the valid rows (without it: only check)")


def _export_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--unit", help="only this unit and the units below it")
    parser.add_argument("--output", type=Path, help="file to write (default: kieubao-<unit>.<format>)")


def register(registry: Registry) -> None:
    registry.add_cli_group("kieubao", "the register of overseas Vietnamese")
    registry.add_cli(CliVerb("kieubao", "template", "write the empty Excel template", write_template,
                             _template_options, database=False))  # fmt: skip
    registry.add_cli(CliVerb("kieubao", "import", "check an Excel list and, with --yes, import it into a unit",
                             import_list, _import_options))  # fmt: skip
    registry.add_cli_group("export", "export stored data")
    registry.add_cli(CliVerb("export", "kieubao", "the register of overseas Vietnamese (personal data: audited)",
                             export_register, _export_options))  # fmt: skip
