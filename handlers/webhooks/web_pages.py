"""*Webhook* in the web console (admins): the URLs of other systems told of each new or changed report — each for
every report or for one unit and the units below it (a province's own system) —; add one (its signing secret is
shown on that answer only), stop one. The same as ``caunoi webhook add|list|remove``, audited the same way."""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from bot.i18n import N_
from bot.registry import Registry
from bot.web.console import NotFound, Page, WebCtx, WebPage, see_other
from storage import audit, webhooks
from storage.models import Unit
from storage.people import Role
from storage.text import record_id
from storage.units import by_code

ADMINS = frozenset({Role.ADMIN.value})


async def hooks_page(ctx: WebCtx, *, secret: str = "", notice: str = "") -> Page:
    hooks = await webhooks.active(ctx.session)
    units = {hook.unit_id: await ctx.session.get(Unit, hook.unit_id) for hook in hooks if hook.unit_id}
    return Page("webhooks.html", {"hooks": hooks, "units": units, "secret": secret,
                                  "notice": notice or ctx.query.get("thongbao", "")}, N_("Webhooks"))  # fmt: skip


async def show(ctx: WebCtx) -> Page:
    return await hooks_page(ctx)


async def add_hook(ctx: WebCtx) -> web.StreamResponse | Page:
    """A new URL; the answer shows its secret once (never in an address, never again)."""
    url = webhooks.checked_url(ctx.form.get("url", ""))
    if url is None:
        return _back(ctx.t("The address must begin with https:// (http:// only to this server), up to 500 "
                           "characters."))  # fmt: skip
    code = ctx.form.get("unit", "").strip()[:32]
    unit = await by_code(ctx.session, code) if code else None
    if code and unit is None:
        return _back(ctx.t("There is no unit {code} among the units you supervise.", code=code))
    assert ctx.cipher is not None
    hook, secret = await webhooks.add(ctx.session, url, ctx.person.full_name, ctx.now, ctx.cipher, unit)
    audit.record(ctx.session, "webhook.added", actor=ctx.person, object_type="webhook", object_id=hook.id,
                 url=hook.url, unit=unit.code if unit else None, via="web")  # fmt: skip
    return await hooks_page(ctx, secret=secret, notice=ctx.t("Added. Copy its secret now: it is shown only "
                                                                  "this once."))  # fmt: skip


async def remove_hook(ctx: WebCtx) -> web.StreamResponse:
    wanted = record_id(ctx.form.get("id", ""))
    if wanted is None or not await webhooks.remove(ctx.session, wanted, ctx.now):
        raise NotFound
    audit.record(ctx.session, "webhook.removed", actor=ctx.person, object_type="webhook", object_id=wanted, via="web")
    return _back(ctx.t("Stopped: nothing more is sent to that address."))


def _back(notice: str) -> web.StreamResponse:
    return see_other(str(URL("/web/webhook").with_query({"thongbao": notice})))


def register(registry: Registry) -> None:
    registry.web_pages += [
        WebPage("webhook", show, menu=N_("Webhooks"), rank=85, roles=ADMINS),
        WebPage("webhook/them", add_hook, method="POST", roles=ADMINS),
        WebPage("webhook/bo", remove_hook, method="POST", roles=ADMINS),
    ]
