"""Signing in to the web console: /web in the chat sends a supervisor or admin a one-time link (through the outbox,
like any message); ``caunoi web link --person ID`` prints one; ``caunoi web serve`` serves the console alone."""

from __future__ import annotations

import argparse

from bot.context import Ctx
from bot.i18n import N_
from bot.registry import CliVerb, Command, Registry, Runtime, cli_actor
from storage import audit, web_access
from storage.models import Person
from storage.people import SUPERVISING
from storage.text import record_id


def link_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/web/login/{token}"


async def web_command(ctx: Ctx, args: str) -> None:
    assert ctx.person is not None
    if not ctx.settings.public_url:
        ctx.say(ctx.t("The web console is not set up on this server (CAUNOI_PUBLIC_URL)."))
        return
    token = await web_access.create_link(ctx.session, ctx.person, ctx.now)
    audit.record(ctx.session, "web.link", actor=ctx.person, object_type="person", object_id=ctx.person.id)
    ctx.say(ctx.t("Your sign-in link to the web console (it works once, for {minutes} minutes; do not pass it on):",
                  minutes=web_access.LINK_MINUTES) + "\n" + link_url(ctx.settings.public_url, token))  # fmt: skip


async def cli_link(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    if not app.settings.public_url:
        raise ValueError("set CAUNOI_PUBLIC_URL (the address the console is served at) first")
    async with app.db.transaction() as session:
        wanted = record_id(str(args.person))
        person = await session.get(Person, wanted) if wanted is not None else None
        if person is None or person.role not in SUPERVISING:
            raise ValueError(f"no supervising officer or admin #{args.person}")
        token = await web_access.create_link(session, person, app.clock())
        audit.record(session, "web.link", actor_label=cli_actor(), object_type="person", object_id=person.id)
    print(link_url(app.settings.public_url, token))


async def cli_serve(app: Runtime | None, args: argparse.Namespace) -> None:
    from bot.config import Settings
    from bot.runtime import serve_console

    await serve_console(Settings())


def register(registry: Registry) -> None:
    registry.add_command(Command("web", web_command, N_("Sign in to the web console"), roles=SUPERVISING))
    registry.add_cli_group("web", "the web console for supervisors and admins")
    registry.add_cli(CliVerb(
        "web", "link", "print a one-time sign-in link for a supervising officer or admin", cli_link,
        lambda parser: parser.add_argument("--person", required=True, help="the person's id"),
    ))  # fmt: skip
    registry.add_cli(CliVerb("web", "serve", "serve the web console alone (CAUNOI_WEBHOOK_HOST/PORT)", cli_serve,
                             database=False))  # fmt: skip
