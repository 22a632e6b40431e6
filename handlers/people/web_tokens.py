"""*Truy cập* in the web console: one's own signed-in sessions (where, since when; end any of them) and data API
tokens (make one — shown once —, see when each was last used, revoke). ``caunoi web token`` makes one from the
command line, ``caunoi web revoke`` ends a person's sessions and tokens."""

from __future__ import annotations

import argparse

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession
from yarl import URL

from bot.i18n import N_
from bot.registry import CliVerb, Registry, Runtime, cli_actor
from bot.web.console import NotFound, Page, WebCtx, WebPage, see_other
from storage import api_tokens, audit, web_access
from storage.models import Person
from storage.people import SUPERVISING
from storage.text import record_id


async def access_page(ctx: WebCtx, *, secret: str = "", notice: str = "") -> Page:
    return Page("access.html", {
        "sessions": await web_access.sessions_of(ctx.session, ctx.person.id, ctx.now),
        "tokens": await api_tokens.tokens_of(ctx.session, ctx.person.id, ctx.now), "secret": secret,
        "notice": notice or ctx.query.get("thongbao", ""), "current": ctx.web_session_id,
        "api": str(URL(ctx.settings.public_url or "/").with_path("/api/v1/openapi.json")),
    }, N_("Access"))  # fmt: skip


async def show(ctx: WebCtx) -> Page:
    return await access_page(ctx)


async def make_token(ctx: WebCtx) -> Page:
    """The new token is shown on this answer only (never in an address, never stored)."""
    token, secret = await api_tokens.create(ctx.session, ctx.person, ctx.form.get("name", ""), ctx.now)
    audit.record(ctx.session, "api.token_created", actor=ctx.person, object_type="api_token", object_id=token.id,
                 via="web")  # fmt: skip
    return await access_page(ctx, secret=secret)


async def end_access(ctx: WebCtx) -> web.StreamResponse:
    what, wanted = ctx.form.get("what", ""), record_id(ctx.form.get("id", ""))
    if what == "token" and wanted is not None:
        ended = await api_tokens.revoke(ctx.session, ctx.person.id, ctx.now, wanted)
    elif what == "session" and wanted is not None and wanted != ctx.web_session_id:
        ended = await web_access.revoke(ctx.session, ctx.person.id, ctx.now, wanted)
    else:
        raise NotFound
    if not ended:
        raise NotFound  # not one's own, or ended already
    audit.record(ctx.session, f"web.{what}_revoked", actor=ctx.person, object_type=f"web_{what}", object_id=wanted)
    return see_other(str(URL("/web/truycap").with_query({"thongbao": ctx.t("Ended.")})))


async def _supervisor(session: AsyncSession, raw: str) -> Person:
    wanted = record_id(raw)
    person = await session.get(Person, wanted) if wanted is not None else None
    if person is None or person.role not in SUPERVISING or person.deactivated_at is not None:
        raise ValueError(f"no active supervising officer or admin #{raw}")
    return person


async def cli_token(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    async with app.db.transaction() as session:
        person = await _supervisor(session, str(args.person))
        token, secret = await api_tokens.create(session, person, args.name, app.clock())
        audit.record(session, "api.token_created", actor_label=cli_actor(), object_type="api_token",
                     object_id=token.id, person=person.id)  # fmt: skip
    print(secret)


async def cli_revoke(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    async with app.db.transaction() as session:
        wanted = record_id(str(args.person))
        person = await session.get(Person, wanted) if wanted is not None else None
        if person is None:
            raise ValueError(f"no person #{args.person}")
        sessions = await web_access.revoke(session, person.id, app.clock())
        tokens = await api_tokens.revoke(session, person.id, app.clock())
        audit.record(session, "web.access_revoked", actor_label=cli_actor(), object_type="person",
                     object_id=person.id, sessions=sessions, tokens=tokens)  # fmt: skip
    print(f"ended {sessions} session(s) and {tokens} API token(s) of #{person.id}")


def register(registry: Registry) -> None:
    registry.web_pages += [
        WebPage("truycap", show, menu=N_("Access"), rank=90),
        WebPage("truycap/khoa", make_token, method="POST"),
        WebPage("truycap/ket-thuc", end_access, method="POST"),
    ]
    registry.add_cli(CliVerb(
        "web", "token", "print a new data API token for a supervising officer or admin (shown once)", cli_token,
        lambda parser: (parser.add_argument("--person", required=True, help="the person's id"),
                        parser.add_argument("--name", default="API", help="what the token is for, e.g. Power BI")),
    ))  # fmt: skip
    registry.add_cli(CliVerb(
        "web", "revoke", "end every web session and API token of a person", cli_revoke,
        lambda parser: parser.add_argument("--person", required=True, help="the person's id"),
    ))  # fmt: skip
