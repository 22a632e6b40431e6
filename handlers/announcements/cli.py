"""``caunoi broadcast send|status|resend``: messages to many people, with receipts."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.i18n import I18n
from bot.registry import CliVerb, Registry, Runtime, cli_actor
from handlers.announcements import broadcasts
from storage.types import utcnow


async def broadcast(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    async with app.db.transaction() as session:
        if args.action == "status":
            print(await broadcasts.status_text(session, args.id, I18n(app.settings.default_language)))
            return
        if args.action == "resend":
            count = await broadcasts.resend(session, args.id, utcnow())
            print(f"sent again to {count} person(s) who have not acknowledged")
            return
        audience = await broadcasts.Audience.from_codes(session, args.unit, args.level, args.role)
        people = await broadcasts.recipients(session, audience)
        if args.dry_run:
            print(f"{len(people)} person(s) would receive it")
            return
        document = broadcasts.attach(args.file.name, args.file.read_bytes()) if args.file else None
        sent = await broadcasts.send(session, audience, people, args.text, document, sender_id=None,
                                     sender_label=cli_actor(), now=utcnow())  # fmt: skip
    print(f"broadcast #{sent.id}: {len(people)} recipient(s) queued; `caunoi run` delivers them")


def _send_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unit", help="everyone in this unit's subtree (default: everyone)")
    parser.add_argument("--level", help="only people in units of this level, e.g. commune")
    parser.add_argument("--role", choices=("officer", "supervisor", "admin"), help="only people with this role")
    parser.add_argument("--text", required=True)
    parser.add_argument("--file", type=Path, help="a document to attach (plans, forms)")
    parser.add_argument("--dry-run", action="store_true", help="only count the recipients")


def _id(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", type=int)


def register(registry: Registry) -> None:
    registry.add_cli_group("broadcast", "messages to many people, with receipts")
    registry.add_cli(CliVerb("broadcast", "send", "send a message (and optionally a file) to an audience", broadcast,
                             _send_options))  # fmt: skip
    registry.add_cli(CliVerb("broadcast", "status", "sent / failed / unreachable / acknowledged, and who has not",
                             broadcast, _id))  # fmt: skip
    registry.add_cli(CliVerb("broadcast", "resend", "send again to those who have not acknowledged", broadcast, _id))
