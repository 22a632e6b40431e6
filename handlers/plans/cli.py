"""``caunoi plan parse|import``: read a plan and print its structure, or publish it (for /kehoach)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.registry import CliVerb, Registry, Runtime, cli_actor
from handlers.plans.documents import UnreadableDocument, document_text
from handlers.plans.drafts import confirm, stage
from handlers.plans.reader import read_plan
from storage import audit
from storage.types import utcnow
from storage.units import require


def _text(path: Path) -> str:
    try:
        return document_text(path.name, path.read_bytes())
    except UnreadableDocument as error:
        raise SystemExit(f"caunoi: cannot read {path.name}: {error.reason}") from None
    except OSError as error:
        raise SystemExit(f"caunoi: cannot open {path}: {error.strerror}") from None


async def parse(app: Runtime | None, args: argparse.Namespace) -> None:
    plan = read_plan(_text(args.file))
    if args.format == "json":
        print(json.dumps(plan.to_json(), ensure_ascii=False, indent=2))
        return
    print(f"{plan.doc_type or '?'} {plan.number or ''} {plan.place or ''} {plan.issued_on or ''}\n{plan.title}")
    for section in plan.sections_flat():
        print(f"{'  ' * (section.level - 1)}{section.number} {section.title[:100]}")
    for excerpt in plan.excerpts:
        print(f"→ {excerpt.addressee} {excerpt.levels}: " + ", ".join(str(d.on) for d in excerpt.deadlines))
    for found in plan.dates:
        print(f"  {found.kind:9s} {found.on or found.rhythm}  « {found.sentence[:90]} »")


async def publish(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    text = _text(args.file)
    async with app.db.transaction() as session:
        root = (await require(session, args.unit)).id if args.unit else None
        plan = await stage(session, args.file.name, text, root, None, utcnow())
        made = await confirm(session, plan, with_schedules=args.schedules, root_unit_id=root, now=utcnow())
        audit.record(session, "plan.saved", actor_label=cli_actor(), object_type="plan", object_id=plan.id,
                     schedules=len(made))  # fmt: skip
    print(f"plan #{plan.id} published: {plan.title[:100]}")
    for name in made:
        print(f"schedule: {name}")


def _parse_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path)
    parser.add_argument("--format", choices=("json", "text"), default="json")


def _import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path)
    parser.add_argument("--schedules", action="store_true", help="turn its commune deadlines into report schedules")
    parser.add_argument("--unit", help="unit code the schedules cover (default: everywhere)")


def register(registry: Registry) -> None:
    registry.add_cli_group("plan", "plans and directives")
    registry.add_cli(CliVerb("plan", "parse", "read a plan (.docx, .doc, .odt, .pdf, .txt, .md, .htm) and print "
                             "its structure; nothing is saved", parse, _parse_options, database=False))  # fmt: skip
    registry.add_cli(CliVerb("plan", "import", "read a plan and publish it (for /kehoach)", publish, _import_options))
