"""*Cán bộ* in the web console: the people of the units one supervises (admins: everyone), with their messengers and
last activity; deactivate someone who left, reactivate, move to another unit of one's own subtree, and (admins) change
a role — through the same ``staff.apply`` as ``caunoi people``; invites in bulk. Units and their merging are on the
*Đơn vị* page (``handlers.people.web_units``)."""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from bot.i18n import N_
from bot.registry import Registry
from bot.web.console import NotFound, Page, WebCtx, WebPage, see_other
from handlers.people.invites import bulk_invites
from handlers.people.onboarding import ROLE_NAMES
from handlers.people.staff import apply
from storage import staff
from storage.models import Unit
from storage.people import Role
from storage.text import record_id
from storage.units import by_code, in_scope


async def people_page(ctx: WebCtx) -> Page:
    wanted = ctx.query.get("donvi", "").strip()
    unit = await by_code(ctx.session, wanted) if wanted else None
    allowed = unit is not None and await in_scope(ctx.session, ctx.scope, unit)
    people = await staff.listed(ctx.session, ctx.scope, unit_id=unit.id if unit and allowed else None)
    return Page("people.html", {
        "people": people, "unit_code": wanted, "roles": {role: ctx.t(label) for role, label in ROLE_NAMES.items()},
        "admin": ctx.person.role == Role.ADMIN.value, "notice": ctx.query.get("thongbao", ""),
        "own_code": own.code if (own := await ctx.session.get(Unit, ctx.person.unit_id or 0)) else "",
    }, N_("Officers"))  # fmt: skip


async def people_change(ctx: WebCtx) -> web.StreamResponse:
    person = await staff.in_scope(ctx.session, ctx.scope, record_id(ctx.form.get("person", "")))
    action = ctx.form.get("action", "")
    if person is None or person.id == ctx.person.id or action not in ("move", "role", "deactivate", "reactivate"):
        raise NotFound  # outside the scope, oneself, or nothing a form sends
    unit, role = None, None
    if action == "move":
        unit = await by_code(ctx.session, ctx.form.get("unit", "").strip())
        if unit is None or not await in_scope(ctx.session, ctx.scope, unit):
            notice = ctx.t("There is no unit {code} among the units you supervise.", code=ctx.form.get("unit", "")[:32])
            return see_other(str(URL("/web/canbo").with_query({"thongbao": notice})))
    if action == "role":
        if ctx.person.role != Role.ADMIN.value or ctx.form.get("role") not in {r.value for r in Role}:
            raise NotFound
        role = Role(ctx.form["role"])
    assert ctx.registry is not None
    await apply(ctx.session, ctx.registry, person, action, now=ctx.now, unit=unit, role=role, actor=ctx.person)
    notice = ctx.t("{name}: done.", name=person.full_name)
    return see_other(str(URL("/web/canbo").with_query({"thongbao": notice})))


async def invites_workbook(ctx: WebCtx) -> web.StreamResponse:
    """Invites in bulk: one .xlsx of codes for every unit of a level under one of one's units; supervisors invite
    officers, admins any role."""
    root = await by_code(ctx.session, ctx.form.get("unit", "").strip()) if ctx.form.get("unit") else None
    if root is None or not await in_scope(ctx.session, ctx.scope, root):
        notice = ctx.t("There is no unit {code} among the units you supervise.", code=ctx.form.get("unit", "")[:32])
        return see_other(str(URL("/web/canbo").with_query({"thongbao": notice})))
    wanted = ctx.form.get("role", Role.OFFICER.value)
    if wanted not in {r.value for r in Role} or (wanted != Role.OFFICER.value and ctx.person.role != Role.ADMIN.value):
        raise NotFound
    count = int(ctx.form["count"]) if ctx.form.get("count", "").isdecimal() else 1
    body, made = await bulk_invites(ctx.session, ctx.settings, ctx.i18n, root, ctx.form.get("level", "commune")[:32],
                                    count, Role(wanted), ctx.now, actor=ctx.person)  # fmt: skip
    if not made:
        notice = ctx.t("No unit of that level under {unit}.", unit=root.name)
        return see_other(str(URL("/web/canbo").with_query({"thongbao": notice})))
    return web.Response(body=body, headers={
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": f'attachment; filename="moi-{root.code}-{ctx.today.isoformat()}.xlsx"',
    })  # fmt: skip


def register(registry: Registry) -> None:
    registry.web_pages += [
        WebPage("canbo", people_page, menu=N_("Officers"), rank=40),
        WebPage("canbo/thaydoi", people_change, method="POST"),
        WebPage("canbo/moi.xlsx", invites_workbook, method="POST"),
    ]
