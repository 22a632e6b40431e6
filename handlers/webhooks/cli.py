"""``caunoi webhook add|list|remove``: an admin registers the URL of another system; its secret is printed once."""

from __future__ import annotations

import argparse

from bot.registry import CliVerb, Registry, Runtime, cli_actor
from storage import audit, webhooks
from storage.models import Unit
from storage.types import utcnow
from storage.units import require


async def webhook(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    async with app.db.transaction() as session:
        if args.action == "add":
            url = webhooks.checked_url(args.url)
            if url is None:
                raise SystemExit(
                    "the webhook's URL must be https:// (or http:// to this machine), up to 500 characters"
                )
            unit = await require(session, args.unit) if args.unit else None
            hook, secret = await webhooks.add(session, url, cli_actor(), utcnow(), app.cipher, unit)
            audit.record(session, "webhook.added", actor_label=cli_actor(), object_type="webhook", object_id=hook.id,
                         url=hook.url, unit=unit.code if unit else None)  # fmt: skip
            print(f"webhook #{hook.id} → {hook.url}\nsecret (shown once; it signs X-CauNoi-Signature): {secret}")
        elif args.action == "list":
            for hook in await webhooks.active(session):
                unit = await session.get(Unit, hook.unit_id) if hook.unit_id else None
                within = f"  (reports of {unit.code} {unit.name} and below)" if unit else ""
                print(f"#{hook.id}  {hook.url}{within}  (added {hook.created_at:%Y-%m-%d} by {hook.created_by_label})")
        else:
            if not await webhooks.remove(session, args.id, utcnow()):
                raise SystemExit(f"no webhook #{args.id}")
            audit.record(session, "webhook.removed", actor_label=cli_actor(), object_type="webhook", object_id=args.id)
            print(f"webhook #{args.id} removed")


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True)
    parser.add_argument("--unit", help="only the reports of this unit (code) and the units below it")


def register(registry: Registry) -> None:
    registry.add_cli_group("webhook", "other systems told of each new or changed report")
    registry.add_cli(CliVerb("webhook", "add", "register a URL (prints its signing secret once)", webhook,
                             _add_options))  # fmt: skip
    registry.add_cli(CliVerb("webhook", "list", "the registered URLs", webhook))
    registry.add_cli(CliVerb("webhook", "remove", "stop sending to a URL", webhook,
                             lambda parser: parser.add_argument("--id", type=int, required=True)))  # fmt: skip
