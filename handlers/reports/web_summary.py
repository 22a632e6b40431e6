"""*Tổng hợp* in the web console: the figures of ``/tonghop`` for any unit of one's subtree and any period that
has begun — totals, activities by kind, units by activity, reporting completeness, the largest activities — and
its files (the Excel workbook, the Word draft, the charts) made by the same background job as in the chat: offered
on this page for download when ready (kept a day; each download audited), or delivered to the person's messenger
through the outbox, with the same progress message there."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from sqlalchemy import select
from yarl import URL

from bot.background import progress_reply
from bot.i18n import N_
from bot.registry import Registry
from bot.web.console import NotFound, Page, WebCtx, WebPage, see_other
from handlers.reports.summary import FORMATS, SUMMARY_FILES, default_period
from handlers.reports.summary_figures import TOTALS, compile_summary
from storage import audit, jobs, outbox
from storage.models import BackgroundJob, ChannelIdentity, Unit
from storage.periods import Period, parse_period
from storage.text import record_id

LISTED_UNITS = 30  # units by activity on the page; the workbook has them all
KEPT = timedelta(hours=jobs.FILES_KEPT_HOURS)  # a file made here is offered for a day
REFRESH = 5  # seconds: the page looks again by itself while a file is being made (no script: a meta refresh)


async def _root(ctx: WebCtx, code: str) -> Unit:
    """The unit asked for within one's scope (one's own by default); anything else is 404."""
    if not code:
        unit = await ctx.session.get(Unit, ctx.person.unit_id) if ctx.person.unit_id else None
    else:
        unit = await ctx.session.scalar(select(Unit).where(Unit.code == code, ctx.scope.clause(Unit.id)))
    if unit is None:
        raise NotFound
    return unit


async def _period(ctx: WebCtx, key: str) -> Period | None:
    """The period typed (2026-H1, 2026-Q2, 2026-05, 2026), or what is being compiled now; None if it is not one
    or has not begun."""
    try:
        period = parse_period(key) if key else await default_period(ctx.session, ctx.today)
    except ValueError:
        return None
    return period if period.start <= ctx.today else None


async def summary_page(ctx: WebCtx) -> Page:
    root = await _root(ctx, ctx.query.get("donvi", "").strip()[:32])
    period = await _period(ctx, ctx.query.get("ky", "").strip()[:16])
    made = await jobs.for_web(ctx.session, ctx.person.id, SUMMARY_FILES, ctx.now - KEPT)
    values = {"root": root, "asked": ctx.query.get("ky", "")[:16], "notice": ctx.query.get("thongbao", ""),
              "formats": FORMATS, "summary": None, "made": made,
              "refresh": REFRESH if any(job.status in (jobs.QUEUED, jobs.RUNNING) for job in made) else 0}  # fmt: skip
    if period is None:
        values["notice"] = ctx.t("Please give the period as 2026-H1, 2026-Q2, 2026-05 or 2026 (one that has begun).")
        return Page("summary.html", values, N_("Summaries"))
    summary = await compile_summary(ctx.session, root, period, ctx.today, ctx.zone)  # type: ignore[arg-type]
    busiest = sorted((unit for unit in summary.units if unit.activities), key=lambda unit: -unit.activities)
    values.update(
        summary=summary, period_label=period.label(ctx.i18n), totals={name: summary.total(name) for name in TOTALS},
        kinds=sorted(summary.by_kind.items(), key=lambda item: -item[1]), busiest=busiest[:LISTED_UNITS],
        previous=period.previous().key,
    )  # fmt: skip
    return Page("summary.html", values, N_("Summaries"))


async def send_files(ctx: WebCtx) -> web.StreamResponse:
    """The file is made in the background and sent to the messenger the person used last; the page says so."""
    root = await _root(ctx, ctx.form.get("donvi", "").strip()[:32])
    period = await _period(ctx, ctx.form.get("ky", "").strip()[:16])
    fmt = ctx.form.get("format", "")
    if period is None or fmt not in FORMATS:
        raise NotFound
    here = URL("/web/tonghop").with_query({"donvi": root.code, "ky": period.key})
    args = {"unit": root.code, "period": period.key, "format": fmt}
    if ctx.form.get("to") == "web":
        await jobs.add(ctx.session, SUMMARY_FILES, args, ctx.person.id, None, ctx.i18n.language, ctx.now)
        notice = ctx.t("The file is being made; it will be offered below for download (this page looks again by "
                       "itself).")  # fmt: skip
        return see_other(str(here.update_query({"thongbao": notice})))
    identity = await ctx.session.scalar(
        select(ChannelIdentity).where(ChannelIdentity.person_id == ctx.person.id,
                                      ChannelIdentity.unreachable_at.is_(None))
        .order_by(ChannelIdentity.last_seen_at.desc()).limit(1)
    )  # fmt: skip
    if identity is None:
        notice = ctx.t("The file is sent to your messenger, and you have none the bot can reach: open the bot in "
                       "Telegram or Zalo first.")  # fmt: skip
        return see_other(str(here.update_query({"thongbao": notice})))
    job = await jobs.add(ctx.session, SUMMARY_FILES, args, ctx.person.id, identity, ctx.i18n.language, ctx.now)
    first = progress_reply(ctx.i18n, job.id, 0)  # the message the job then edits, as when asked in the chat
    await outbox.enqueue(ctx.session, [outbox.Outgoing(identity.channel, identity.chat_id, identity.id,
                                                       first.to_json())], ctx.now)  # fmt: skip
    notice = ctx.t("The file is being made; it will arrive in your {channel} chat.", channel=identity.channel.title())
    return see_other(str(here.update_query({"thongbao": notice})))


async def download(ctx: WebCtx) -> web.StreamResponse:
    """One file of one's own web job; another person's, an unknown one or one past its day is 404."""
    job = await ctx.session.get(BackgroundJob, record_id(ctx.query.get("job", "")) or 0)
    raw = ctx.query.get("tep", "")
    number = int(raw) if raw.isdecimal() and len(raw) < 4 else None
    if (job is None or job.person_id != ctx.person.id or job.channel != jobs.WEB or not job.results
            or number is None or number >= len(job.results) or job.created_at < ctx.now - KEPT):  # fmt: skip
        raise NotFound
    made = job.results[number]
    assert ctx.files is not None
    data = await ctx.files.get(made["key"])
    if data is None:
        raise NotFound
    audit.record(ctx.session, "export.downloaded", actor=ctx.person, object_type="job", object_id=job.id,
                 file=made["filename"], via="web")  # fmt: skip
    return web.Response(body=data, headers={
        "Content-Type": "application/octet-stream",
        "Content-Disposition": f'attachment; filename="{made["filename"]}"',
    })  # fmt: skip


def register(registry: Registry) -> None:
    registry.web_pages += [
        WebPage("tonghop", summary_page, menu=N_("Summaries"), rank=32),
        WebPage("tonghop/tep", send_files, method="POST"),
        WebPage("tonghop/tai", download),
    ]
