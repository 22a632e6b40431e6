"""*Đơn vị* in the web console: the unit tree one level at a time — each unit with the units directly under it and
its active officers — from one's own unit down (admins: from the top); admins import units (Vietnam's provinces and
communes from ``vietnam-provinces``, or a CSV file, as ``caunoi units import-vn|import-csv``) and merge one unit into
another (``storage.unit_merge``, as ``caunoi units merge``). Every import and merge is audited."""

from __future__ import annotations

from datetime import date

from aiohttp import web
from vietnam_provinces import Province
from yarl import URL

from bot.i18n import N_
from bot.registry import Registry
from bot.web.console import NotFound, Page, Refused, WebCtx, WebPage, see_other
from storage import audit
from storage.models import Unit
from storage.people import Role
from storage.text import fold
from storage.unit_merge import MergeRefused, merge
from storage.unit_sources import csv_units_from, vietnam_units
from storage.units import (
    LEVEL_LABELS,
    UnitRow,
    UnitsRefused,
    ancestors,
    branches,
    by_code,
    in_scope,
    upsert_units,
)

PAGE = 200  # units listed at a time: a province has 100 or more communes, Vietnam 34 provinces
ADMINS = frozenset({Role.ADMIN.value})
REFUSED = {
    "columns": N_("The file needs the columns code, name, level and parent_code (in its first row)."),
    "required": N_("Line {line}: a unit needs its code, name and level."),
    "code": N_("Line {line}: a code is letters, digits, '-', '_' or '.', up to 32 characters."),
    "value": N_("Line {line}: a level is one word in small letters (such as commune or province), and a name is up "
                "to 255 characters."),
    "too many": N_("That file holds more than 50,000 units: please send one province at a time."),
    "twice": N_("The unit code {code} appears twice in the file."),
    "cycle": N_("Unit {code} would be under itself: please check its parent_code."),
    "unknown parent": N_("Unit {code}: its parent_code is neither in the file nor among the units."),
}  # fmt: skip


def read_units_file(name: str, data: bytes, today: date, can_encrypt: bool) -> list[UnitRow] | UnitsRefused:
    """The upload's reader (in a worker thread, before the page's transaction): the file's units, or why not."""
    try:
        return csv_units_from(data, name)
    except UnitsRefused as refused:
        return refused


def _back(code: str, notice: str) -> str:
    return str(URL("/web/caydonvi").with_query({"donvi": code, "thongbao": notice} if code else {"thongbao": notice}))


async def units_page(ctx: WebCtx) -> Page:
    """One level of the tree under ``donvi`` (default: one's unit; admins: the top), filtered by ``tim`` (a few
    letters of a name or a code, without diacritics if one likes), ``PAGE`` at a time."""
    admin = ctx.person.role == Role.ADMIN.value
    wanted = ctx.query.get("donvi", "").strip()
    if wanted:
        current = await by_code(ctx.session, wanted[:32])
        if current is None or not await in_scope(ctx.session, ctx.scope, current):
            raise NotFound
    else:
        current = None if admin else await ctx.session.get(Unit, ctx.person.unit_id or 0)
    trail = []
    for unit in await ancestors(ctx.session, current) if current else []:
        if admin or await in_scope(ctx.session, ctx.scope, unit):  # a supervisor's trail begins at their unit
            trail.append(unit)
    listed = await branches(ctx.session, current.id if current else None) if current or admin else []
    typed = fold(ctx.query.get("tim", "")).strip()[:64]
    if typed:
        listed = [branch for branch in listed if typed in fold(branch.unit.name) or typed in fold(branch.unit.code)]
    page = max(1, int(raw)) if (raw := ctx.query.get("trang", "1")).isdecimal() and len(raw) < 6 else 1
    merged_into = {unit.id: unit for unit in [current] if unit}
    for branch in listed:
        if branch.unit.merged_into_id is not None and branch.unit.merged_into_id not in merged_into:
            merged_into[branch.unit.merged_into_id] = await ctx.session.get(Unit, branch.unit.merged_into_id)
    levels = {level: ctx.t(label) for level, label in LEVEL_LABELS.items()}
    here = URL("/web/caydonvi").with_query({k: v for k, v in (("donvi", wanted), ("tim", typed)) if v})
    return Page("units.html", {
        "current": current, "trail": trail, "branches": listed[(page - 1) * PAGE : page * PAGE], "total": len(listed),
        "first": str(here) if page > 1 else None,
        "next": str(here.update_query(trang=page + 1)) if page * PAGE < len(listed) else None,
        "typed": ctx.query.get("tim", "")[:64],
        "merged_into": merged_into, "levels": levels, "admin": admin, "notice": ctx.query.get("thongbao", ""),
        "provinces": sorted(province.name for province in Province.iter_all()) if admin else [],
    }, N_("Unit tree"))  # fmt: skip


async def import_provinces(ctx: WebCtx) -> web.StreamResponse:
    """Admins: a province's communes (or every province's) from ``vietnam-provinces``; re-running updates names."""
    wanted = ctx.form.get("province", "").strip()[:64]
    try:
        rows = list(vietnam_units(wanted or None))
    except ValueError:
        return see_other(_back("", ctx.t("No province is called {name}.", name=wanted)))
    return await _import(ctx, rows, source="vietnam-provinces", detail=wanted or "all")


async def import_file(ctx: WebCtx) -> web.StreamResponse:
    """Admins: units from a CSV file (read before this transaction); nothing is written unless every row fits."""
    sent = ctx.upload
    if sent is None:
        return see_other(_back("", ctx.t("Please choose the CSV file of units.")))
    if sent.too_large:
        return see_other(_back("", ctx.t("I could not download that file (it may be larger than 10 MB). Please "
                                         "try again.")))  # fmt: skip
    if isinstance(sent.read, UnitsRefused):
        return see_other(_back("", _refusal(ctx, sent.read)))
    if not isinstance(sent.read, list):
        return see_other(_back("", ctx.t("I could not read that file as a CSV table of units.")))
    return await _import(ctx, sent.read, source="csv", detail=sent.filename[:100])


async def _import(ctx: WebCtx, rows: list[UnitRow], *, source: str, detail: str) -> web.StreamResponse:
    try:
        result = await upsert_units(ctx.session, rows)
    except UnitsRefused as refused:
        raise Refused(_back("", _refusal(ctx, refused))) from None  # what was written before it is rolled back
    audit.record(ctx.session, "units.imported", actor=ctx.person, object_type="units", object_id=source,
                 source=detail, created=result.created, updated=result.updated, unchanged=result.unchanged)  # fmt: skip
    notice = ctx.t("Units: {created} created, {updated} updated, {unchanged} unchanged.", created=result.created,
                   updated=result.updated, unchanged=result.unchanged)  # fmt: skip
    return see_other(_back("", notice))


def _refusal(ctx: WebCtx, refused: UnitsRefused) -> str:
    message = REFUSED.get(refused.reason)
    if message is None:
        return ctx.t("I could not read that file as a CSV table of units.")
    return ctx.t(message, line=refused.line or "—", code=refused.code[:32])


async def merge_units(ctx: WebCtx) -> web.StreamResponse:
    """Admins: the unit typed first goes into the second (``storage.unit_merge``); it cannot be undone, so the form
    asks for a tick that says so."""
    source = await by_code(ctx.session, ctx.form.get("from", "").strip())
    target = await by_code(ctx.session, ctx.form.get("into", "").strip())
    if source is None or target is None:
        missing = ctx.form.get("from" if source is None else "into", "")[:32]
        return see_other(_back("", ctx.t("There is no unit {code} among the units you supervise.", code=missing)))
    if ctx.form.get("sure") != "1":
        return see_other(_back("", ctx.t("Tick the box to confirm: a merge cannot be undone.")))
    try:
        merged = await merge(ctx.session, source, target, ctx.now, actor_label=ctx.person.full_name)
    except MergeRefused:
        return see_other(_back("", ctx.t("These units cannot be merged: they are the same, one was merged already, "
                                         "or the one that remains lies under the other.")))  # fmt: skip
    notice = ctx.t("{unit} was merged into {into}: {people} people, {activities} activities and {records} register "
                   "records moved; {kept} report(s) kept on {unit}, as {into} had its own.", unit=source.name,
                   into=target.name, people=merged.moved.get("people", 0),
                   activities=merged.moved.get("activity_reports", 0),
                   records=merged.moved.get("overseas_records", 0), kept=sum(merged.kept.values()))  # fmt: skip
    return see_other(_back(target.code, notice))


def register(registry: Registry) -> None:
    registry.web_pages += [
        WebPage("caydonvi", units_page, menu=N_("Unit tree"), rank=42),
        WebPage("caydonvi/nhap", import_provinces, method="POST", roles=ADMINS),
        WebPage("caydonvi/nhapcsv", import_file, method="POST", roles=ADMINS, upload=read_units_file),
        WebPage("caydonvi/sapnhap", merge_units, method="POST", roles=ADMINS),
    ]
