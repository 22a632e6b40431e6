"""``caunoi webhook add|list|remove``: an admin registers the URL of another system; its secret is printed once."""

from __future__ import annotations

import argparse

from sqlalchemy import update
from yarl import URL

from bot.registry import CliVerb, Registry, Runtime, cli_actor
from storage import audit, webhooks
from storage.models import Webhook
from storage.types import utcnow


def _checked(url: str) -> str:
    """HTTPS, or plain HTTP to this machine (a receiver beside the bot, and the tests)."""
    parsed = URL(url)
    local = parsed.host in ("127.0.0.1", "localhost", "::1")
    if parsed.scheme not in ("https", "http") or (parsed.scheme == "http" and not local) or not parsed.host:
        raise SystemExit("the webhook's URL must be https:// (or http:// to this machine)")
    return str(parsed)[:500]


async def webhook(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    async with app.db.transaction() as session:
        if args.action == "add":
            hook = await webhooks.add(session, _checked(args.url), cli_actor(), utcnow())
            audit.record(session, "webhook.added", actor_label=cli_actor(), object_type="webhook", object_id=hook.id,
                         url=hook.url)  # fmt: skip
            print(f"webhook #{hook.id} → {hook.url}\nsecret (shown once; it signs X-CauNoi-Signature): {hook.secret}")
        elif args.action == "list":
            for hook in await webhooks.active(session):
                print(f"#{hook.id}  {hook.url}  (added {hook.created_at:%Y-%m-%d} by {hook.created_by_label})")
        else:
            removed = (await session.execute(
                update(Webhook).where(Webhook.id == args.id, Webhook.removed_at.is_(None)).values(removed_at=utcnow())
            )).rowcount  # fmt: skip
            if not removed:
                raise SystemExit(f"no webhook #{args.id}")
            audit.record(session, "webhook.removed", actor_label=cli_actor(), object_type="webhook", object_id=args.id)
            print(f"webhook #{args.id} removed")


def register(registry: Registry) -> None:
    registry.add_cli_group("webhook", "other systems told of each new or changed report")
    registry.add_cli(CliVerb("webhook", "add", "register a URL (prints its signing secret once)", webhook,
                             lambda parser: parser.add_argument("--url", required=True)))  # fmt: skip
    registry.add_cli(CliVerb("webhook", "list", "the registered URLs", webhook))
    registry.add_cli(CliVerb("webhook", "remove", "stop sending to a URL", webhook,
                             lambda parser: parser.add_argument("--id", type=int, required=True)))  # fmt: skip
