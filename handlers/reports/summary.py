"""/tonghop: a supervisor's compiled figures for their area and a period, and the files to send upward — an Excel
workbook, a Word draft report and charts. Scoped to the person's units; every file is written to the audit log."""

from __future__ import annotations

import asyncio
import base64
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.background import JobContext, JobKind, Progress
from bot.child_process import Report, run_in_child
from bot.context import Ctx
from bot.engine.replies import Document, Option, Reply
from bot.i18n import N_, I18n
from bot.registry import Command, Registry
from handlers.reports.progress import focus_period
from handlers.reports.summary_figures import (
    Summary,
    activity_rows,
    compile_summary,
    completeness_history,
    periodic_rows,
    register_by_country,
)
from handlers.reports.summary_files import activity_chart, completeness_chart, png, report_draft, workbook
from storage import audit, schedules
from storage.db import Database
from storage.models import Unit
from storage.people import SUPERVISING, scope_of
from storage.periods import Period, parse_period, period_containing
from storage.units import by_code

FORMATS = ("xlsx", "docx", "png")
IN_CHILD = 20_000  # activities: a larger workbook is made in a child process (a spawned one starts in about a second)
SUMMARY_FILES = "summary.files"


async def default_period(session: AsyncSession, today: date) -> Period:
    """The first active schedule's period whose deadline runs or has passed (what is being compiled now), else this
    quarter."""
    for schedule in await schedules.active(session):
        return focus_period(schedule, today)
    return period_containing("quarter", today)


async def produce(session: AsyncSession, root: Unit, summary: Summary, fmt: str, today: date,
                  progress: Progress | None = None) -> list[Document]:  # fmt: skip
    """The files of one format: a workbook, a Word draft, or two charts (activities per unit; completeness)."""
    stem = f"tong-hop-{root.code}-{summary.period.key}"
    if fmt == "xlsx":
        made = await workbook(summary, await activity_rows(session, root, summary),
                              await periodic_rows(session, root, summary.period),
                              await register_by_country(session, root), progress)  # fmt: skip
        captions = {".xlsx": "Bảng tổng hợp", "-hoat-dong.csv.zip": "Danh sách đầy đủ các hoạt động (CSV)"}
        return [_document(f"{stem}{suffix}", data, captions[suffix]) for suffix, data in made]
    if fmt == "docx":
        place = root.name.split(" ", 1)[-1] if root.name.startswith(("Tỉnh", "Thành phố", "Xã", "Phường")) else "……"
        data = await asyncio.to_thread(report_draft, summary, place, today)
        return [_document(f"{stem}.docx", data, "Dự thảo báo cáo (Word)")]
    history = await completeness_history(session, root, summary.period)
    if progress is not None:
        await progress(0.5)
    activity = await asyncio.to_thread(lambda: png(activity_chart(summary)))
    progress = await asyncio.to_thread(lambda: png(completeness_chart(history, summary.root_name)))
    return [_document(f"{stem}-hoat-dong.png", activity, "Số hoạt động theo đơn vị", image=True),
            _document(f"{stem}-tien-do.png", progress, "Tiến độ nộp báo cáo trong năm", image=True)]  # fmt: skip


def _document(name: str, data: bytes, caption: str, *, image: bool = False) -> Document:
    return Document(name, base64.b64encode(data).decode(), caption, image=image)


def figures_text(summary: Summary, i18n: I18n) -> str:
    t = i18n.t
    lines = [
        t("{root} — {period} ({start} to {end}):", root=summary.root_name, period=summary.period.label(i18n),
          start=i18n.date(summary.start), end=i18n.date(summary.end)),
        t("• Activities: {count}", count=i18n.number(summary.total("activities"))),
    ]  # fmt: skip
    for kind, count in sorted(summary.by_kind.items(), key=lambda item: -item[1])[:8]:
        lines.append(f"   – {summary.kind_names.get(kind, kind)}: {i18n.number(count)}")
    lines += [
        t("• Participants: {people}; foreigners/overseas Vietnamese: {foreign}",
          people=i18n.number(summary.total("participants")),
          foreign=i18n.number(summary.total("foreign_participants"))),
        t("• Money or goods mobilised: {money}", money=i18n.money(summary.total("money_vnd"))),
        t("• Overseas Vietnamese records: {added} added, {updated} updated",
          added=i18n.number(summary.total("overseas_added")), updated=i18n.number(summary.total("overseas_updated"))),
    ]  # fmt: skip
    for item in summary.completeness:
        lines.append(t("• {report}: {done}/{total} submitted, {on_time} on time", report=item.schedule,
                       done=item.submitted, total=item.expected, on_time=item.on_time))  # fmt: skip
    return "\n".join(lines)


async def summary_command(ctx: Ctx, args: str) -> None:
    """/tonghop [UNIT] [PERIOD] [xlsx|docx|png]: figures in the chat, or one of the files."""
    assert ctx.person is not None
    words = args.split()
    fmt = next((word for word in words if word in FORMATS), None)
    period_word = next((word for word in words if word not in FORMATS and _is_period(word)), None)
    code = next((word for word in words if word not in FORMATS and word != period_word), None)
    root = await _root(ctx, code)
    if root is None:
        return
    try:
        period = parse_period(period_word) if period_word else await default_period(ctx.session, ctx.today)
    except ValueError:
        ctx.say(ctx.t("Please give the period as 2026-H1, 2026-Q2, 2026-05 or 2026."))
        return
    if period.start > ctx.today:
        ctx.say(ctx.t("The period {period} has not started yet.", period=period.label(ctx.i18n)))
        return
    summary = await compile_summary(ctx.session, root, period, ctx.today, ctx.services.zone)
    if fmt is None:
        base = f"m:tonghop {root.code} {period.key}"
        rows = ((Option(f"{base} xlsx", ctx.t("Excel workbook")), Option(f"{base} docx", ctx.t("Word draft"))),
                (Option(f"{base} png", ctx.t("Charts")), Option(f"m:tonghop {root.code} {period.previous().key}",
                                                                  ctx.t("Previous period"))))  # fmt: skip
        ctx.say(figures_text(summary, ctx.i18n), title=ctx.t("Summary"), rows=rows, reading=True,
                typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip
        return
    await ctx.queue_job(SUMMARY_FILES, {"unit": root.code, "period": period.key, "format": fmt})


async def make_files(job: JobContext) -> list[Reply]:
    """The background job behind ``/tonghop … xlsx|docx|png``: the person's scope is checked again (a role may have
    changed since they asked), the data read through a snapshot that blocks no update, and the export audited when
    the file is queued. A workbook of more than ``IN_CHILD`` activities is made in a child process (its own
    snapshot), so that this worker's event loop goes on answering; smaller files are made here, in threads."""
    fmt, person = job.args["format"], job.person
    async with job.app.db.reading() as session:
        root = await session.scalar(select(Unit).where(Unit.code == job.args["unit"], scope_of(person).clause(Unit.id)))
        if root is None or person.role not in SUPERVISING or fmt not in FORMATS:
            raise PermissionError("the unit is no longer among the person's")
        period = parse_period(job.args["period"])
        summary = await compile_summary(session, root, period, job.today, job.zone)
        await job.progress(0.1)
        database = job.app.db
        if fmt == "xlsx" and summary.total("activities") > IN_CHILD and not database.in_memory:
            documents = await run_in_child(files_in_child, database.url, job.app.settings.pgbouncer, root.code,
                                           period.key, fmt, job.today, job.zone.key, progress=job.progress)  # fmt: skip
        else:
            documents = await produce(session, root, summary, fmt, job.today, job.progress)
    job.audit("export.summary", object_type="unit", object_id=root.code, period=period.key, format=fmt)
    return [Reply(text="", document=document) for document in documents]


def files_in_child(report: Report, url: str, pgbouncer: bool, code: str, period_key: str, fmt: str, today: date,
                   zone: str) -> list[Document]:  # fmt: skip
    """In a child process (``bot.child_process``): the same files, read through a snapshot of its own."""
    return asyncio.run(_files_in_child(report, url, pgbouncer, code, period_key, fmt, today, ZoneInfo(zone)))


async def _files_in_child(report: Report, url: str, pgbouncer: bool, code: str, period_key: str, fmt: str,
                          today: date, zone: ZoneInfo) -> list[Document]:  # fmt: skip
    database = Database(url, pool_size=1, pgbouncer=pgbouncer)

    async def progress(fraction: float) -> None:
        report(fraction)

    try:
        async with database.reading() as session:
            root = await by_code(session, code)
            if root is None:
                raise LookupError("the unit is gone")
            summary = await compile_summary(session, root, parse_period(period_key), today, zone)
            return await produce(session, root, summary, fmt, today, progress)
    finally:
        await database.dispose()


def _is_period(word: str) -> bool:
    try:
        parse_period(word)
    except ValueError:
        return False
    return True


async def _root(ctx: Ctx, code: str | None) -> Unit | None:
    """The unit asked for if the person may see it (their own by default)."""
    assert ctx.person is not None
    if code is None:
        unit = await ctx.session.get(Unit, ctx.person.unit_id) if ctx.person.unit_id else None
    else:
        unit = await ctx.session.scalar(select(Unit).where(Unit.code == code, scope_of(ctx.person).clause(Unit.id)))
    if unit is None:
        ctx.say(ctx.t("There is no unit {code} among the units you supervise.", code=(code or "—")[:32]))
    return unit


async def cli_summary(session: AsyncSession, code: str, period_key: str | None, fmt: str, today: date,
                      zone: ZoneInfo, actor: str) -> tuple[Summary, list[Document]]:  # fmt: skip
    """`caunoi report summary`: the same figures and files, for any unit (the command line is the admin's)."""
    root = await by_code(session, code)
    if root is None:
        raise ValueError(f"unknown unit code {code!r}")
    period = parse_period(period_key) if period_key else await default_period(session, today)
    summary = await compile_summary(session, root, period, today, zone)
    documents = [] if fmt == "json" else await produce(session, root, summary, fmt, today)
    audit.record(session, "export.summary", actor_label=actor, object_type="unit", object_id=root.code,
                 period=period.key, format=fmt)  # fmt: skip
    return summary, documents


def register(registry: Registry) -> None:
    registry.add_job_kind(JobKind(SUMMARY_FILES, make_files))
    registry.add_command(Command("tonghop", summary_command, N_("Compiled figures, Excel, Word and charts"),
                                 roles=SUPERVISING, menu=N_("Summary"), menu_rank=51,
                                 aliases=("summary",)))  # fmt: skip
