"""One activity in the web console (*Hoạt động* → a row): everything its officer reported, its corrections, and its
photos — shown through the console itself (the page allows images from its own address only): a photo kept in the
file store, or fetched through its channel (Telegram keeps them by file id). Held to the person's scope."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import func, select

from bot.engine.countries import country_name
from bot.i18n import N_
from bot.registry import Registry
from bot.web.console import NotFound, Page, WebCtx, WebPage
from storage.models import ActivityChange, ActivityKind, ActivityReport, Person, Unit
from storage.text import record_id

IMAGES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png", b"RIFF": "image/webp"}


async def _activity(ctx: WebCtx, raw: str) -> ActivityReport:
    wanted = record_id(raw)
    report = await ctx.session.scalar(
        select(ActivityReport).where(ActivityReport.id == wanted, ctx.scope.clause(ActivityReport.unit_id))
    ) if wanted is not None else None  # fmt: skip
    if report is None:
        raise NotFound
    return report


async def activity_page(ctx: WebCtx) -> Page:
    report = await _activity(ctx, ctx.query.get("id", ""))
    unit = await ctx.session.get(Unit, report.unit_id)
    kind = await ctx.session.get(ActivityKind, report.kind_code)
    reporter = await ctx.session.get(Person, report.reporter_id)
    corrections = await ctx.session.scalar(select(func.count()).where(ActivityChange.report_id == report.id))
    language = ctx.i18n.language
    return Page("activity.html", {
        "report": report, "unit": unit, "reporter": reporter, "corrections": corrections or 0,
        "kind": (kind.name_vi if language == "vi" else kind.name_en) if kind else report.kind_code,
        "country": country_name(report.partner_country, language) if report.partner_country else "",
    }, N_("Reported activity"))  # fmt: skip


async def activity_photo(ctx: WebCtx) -> web.StreamResponse:
    """A photo of an activity in one's scope; 404 when it cannot be had, or is not an image."""
    report = await _activity(ctx, ctx.query.get("id", ""))
    raw = ctx.query.get("so", "")
    number = int(raw) if raw.isdecimal() and len(raw) < 3 else None
    if number is None or number >= len(report.photos) or ctx.photo is None:
        raise NotFound
    photo = report.photos[number]
    data = await ctx.photo(photo.channel, photo.file_ref)
    kind = next((kind for magic, kind in IMAGES.items() if data and data.startswith(magic)), None)
    if data is None or kind is None:
        raise NotFound
    return web.Response(body=data, content_type=kind, headers={"Cache-Control": "private, max-age=3600"})


def register(registry: Registry) -> None:
    registry.web_pages += [
        WebPage("hoatdong/xem", activity_page),
        WebPage("hoatdong/anh", activity_photo),
    ]
