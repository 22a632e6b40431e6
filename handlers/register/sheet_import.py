"""Importing a commune's existing Excel list into the register: check every row, report, import on confirmation.

Used by chat (an officer sends the .xlsx) and by ``caunoi kieubao import``. The checked rows wait in
``overseas_imports`` until confirmed, so the confirmation imports exactly what the report described, and rows
already in the register are skipped. Up to ``IN_UPDATE`` rows are imported in the confirming update's transaction
(a failure leaves nothing half-imported); more run as a background job, ``BATCH`` rows per transaction, each
batch's rows written with how far the import is, so a job cut short by a restart goes on from there and imports
every row once — while other officers' updates go on between its batches."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.background import JobContext, JobKind
from bot.context import Ctx
from bot.engine.replies import Document, Option, Reply
from bot.i18n import N_, I18n
from bot.registry import Registry
from handlers.register.sheet import Checked, check, template
from storage import audit, overseas
from storage.crypto import Cipher
from storage.models import OverseasImport
from storage.text import name_key, record_id

SHOWN_PROBLEMS = 15
TEMPLATE_NAME = "mau-danh-sach-kieu-bao.xlsx"
IN_UPDATE = 1_000  # rows imported in the confirming update; more as a background job
BATCH = 500  # rows per transaction of that job
REGISTER_IMPORT = "register.import"
IMPORTING = N_("Importing the list… {percent} %")
IMPORTED = N_("Imported {count} record(s) into the register.")
IMPORT_DONE = N_("The import is finished.")
IMPORT_FAILED = N_("Sorry, the import could not be finished. What was imported stays; send the file again later: "
                   "rows already in the register are skipped.")  # fmt: skip


@dataclass
class Staged:
    """A checked file: what is new, what the register already has, and what is wrong."""

    checked: Checked
    new_rows: list[dict[str, Any]]
    already_present: int


def read_sheet(name: str, data: bytes, today: date, can_encrypt: bool) -> Checked:
    """The registry's file reader for workbooks: run before the update's transaction (see bot/pipeline.py)."""
    return check(data, today, can_encrypt=can_encrypt)


async def stage(session: AsyncSession, unit_id: int, data: bytes, today: date, *, can_encrypt: bool,
                checked: Checked | None = None) -> Staged:  # fmt: skip
    if checked is None:  # the command line: nobody else waits on this process
        checked = await asyncio.to_thread(check, data, today, can_encrypt=can_encrypt)
    present = await overseas.identities(session, unit_id)
    new_rows = [
        values
        for _, values in checked.rows
        if (name_key(values["full_name"]), values.get("birth_year"), values.get("country")) not in present
    ]
    return Staged(checked, new_rows, len(checked.rows) - len(new_rows))


def report(staged: Staged, filename: str, i18n: I18n, shown: int | None = SHOWN_PROBLEMS) -> str:
    """The short answer: counts, then the first problems with row, column and reason."""
    checked = staged.checked
    if checked.fatal:
        return "\n".join(problem.text(i18n) for problem in checked.problems if problem.row == 0)
    rows_with_problems = len({problem.row for problem in checked.problems})
    lines = [
        i18n.t("File “{name}”: {rows} row(s) read.", name=filename, rows=len(checked.rows) + rows_with_problems),
        i18n.t("✅ {count} row(s) can be imported.", count=len(staged.new_rows)),
    ]
    if staged.already_present:
        lines.append(i18n.t("↩️ {count} row(s) are already in the register and will be skipped.",
                            count=staged.already_present))  # fmt: skip
    if checked.problems:
        lines.append(i18n.t("❌ {count} row(s) have errors and will not be imported:", count=rows_with_problems))
        listed = checked.problems if shown is None else checked.problems[:shown]
        lines.extend("• " + problem.text(i18n) for problem in listed)
        if len(listed) < len(checked.problems):
            lines.append(i18n.t("… and {count} more problems.", count=len(checked.problems) - len(listed)))
    if checked.ignored_columns:
        lines.append(i18n.t("Columns not used: {columns}.", columns=", ".join(checked.ignored_columns[:10])))
    return "\n".join(lines)


async def import_rows(
    session: AsyncSession, unit_id: int, rows: list[dict[str, Any]], *, cipher: Cipher, actor: overseas.Actor,
    now: datetime, filename: str,
) -> int:  # fmt: skip
    added = await overseas.create_many(session, unit_id=unit_id, rows=rows, cipher=cipher, actor=actor, now=now)
    audit.record(session, "overseas.imported", actor_label=actor.label, object_type="unit", object_id=unit_id,
                 file=filename, rows=added)  # fmt: skip
    return added


# ---- chat --------------------------------------------------------------------------------------------------------


async def send_template(ctx: Ctx, rest: str) -> None:
    content = base64.b64encode(template()).decode()
    ctx.send_document(
        Document(TEMPLATE_NAME, content, ctx.t("Template for the list of overseas Vietnamese")),
        ctx.t("Fill in one row per person (columns marked * are required), then send the file back to me."),
    )


async def explain_import(ctx: Ctx, rest: str) -> None:
    ctx.say(
        ctx.t(
            "Send me your list as an Excel file (.xlsx), as a document. I will check every row and tell you what "
            "is wrong before anything is imported. The template: /kieubao mau"
        )
    )


async def receive_file(ctx: Ctx) -> None:
    """An officer sent a file: check it, stage the good rows, and ask before importing."""
    assert ctx.person is not None and ctx.person.unit_id is not None and ctx.attachment is not None
    name = ctx.attachment.filename
    if not name.lower().endswith((".xlsx", ".xlsm")):
        ctx.say(ctx.t("I can only import Excel files (.xlsx). The template: /kieubao mau"))
        return
    if ctx.attachment_data is None:
        ctx.say(ctx.t("I could not download that file (it may be larger than 10 MB). Please try again."))
        return
    read = ctx.attachment_read if isinstance(ctx.attachment_read, Checked) else None
    staged = await stage(ctx.session, ctx.person.unit_id, ctx.attachment_data, ctx.today,
                         can_encrypt=ctx.services.cipher.available, checked=read)  # fmt: skip
    text = report(staged, name, ctx.i18n)
    if staged.checked.fatal or not staged.new_rows:
        ctx.say(text, title=ctx.t("Import check"))
        return
    pending = OverseasImport(
        unit_id=ctx.person.unit_id, person_id=ctx.person.id, filename=name[:255],
        sha256=hashlib.sha256(ctx.attachment_data).hexdigest(), rows=staged.new_rows, created_at=ctx.now,
    )  # fmt: skip
    ctx.session.add(pending)
    await ctx.session.flush()
    rows = (
        (Option(f"m:kieubao nhapxn {pending.id}", ctx.t("Import {count} record(s)", count=len(staged.new_rows))),),
        (Option(f"m:kieubao nhaphuy {pending.id}", ctx.t("Do not import")),),
    )
    ctx.say(text, title=ctx.t("Import check"), rows=rows, typed_hint=ctx.t("Type 1 to import, 2 to cancel."))


async def _pending(ctx: Ctx, rest: str) -> OverseasImport | None:
    assert ctx.person is not None
    staged = None
    if (wanted := record_id(rest)) is not None:
        staged = await ctx.session.scalar(
            select(OverseasImport).where(
                OverseasImport.id == wanted, OverseasImport.person_id == ctx.person.id,
                OverseasImport.status == "checked",
            )
        )  # fmt: skip
    if staged is None:
        ctx.say(ctx.t("That import is no longer waiting (already imported or cancelled)."))
    return staged


async def confirm_import(ctx: Ctx, rest: str) -> None:
    assert ctx.person is not None
    staged = await _pending(ctx, rest)
    if staged is None:
        return
    if len(staged.rows) > IN_UPDATE:
        staged.status = "importing"
        await ctx.queue_job(REGISTER_IMPORT, {"import": staged.id}, progress=IMPORTING)
        return
    actor = overseas.Actor(ctx.person.id, ctx.person.full_name)
    added = await import_rows(ctx.session, staged.unit_id, list(staged.rows), cipher=ctx.services.cipher,
                              actor=actor, now=ctx.now, filename=staged.filename)  # fmt: skip
    staged.status, staged.rows, staged.finished_at = "imported", [], ctx.now
    ctx.say(ctx.t(IMPORTED, count=added))
    await ctx.services.show_menu(ctx)


async def cancel_import(ctx: Ctx, rest: str) -> None:
    staged = await _pending(ctx, rest)
    if staged is None:
        return
    staged.status, staged.rows, staged.finished_at = "cancelled", [], ctx.now
    ctx.say(ctx.t("Nothing was imported."))
    await ctx.services.show_menu(ctx)


async def import_in_batches(job: JobContext) -> list[Reply]:
    """The background job behind a large import: ``BATCH`` rows per transaction, each holding the job's lease and
    recording how far the import is; the last marks it imported and audits it once."""
    person = job.person
    actor = overseas.Actor(person.id, person.full_name)
    while True:
        async with job.app.db.transaction() as session:
            staged = await session.get(OverseasImport, job.args["import"], with_for_update=True)
            if staged is None or staged.person_id != person.id or staged.status not in ("importing", "imported"):
                raise PermissionError("the import is no longer this person's to finish")
            if staged.status == "imported":  # finished by an attempt that lost its lease at the very end
                return [Reply(text=job.i18n.t(IMPORTED, count=staged.added))]
            batch = list(staged.rows[staged.imported_rows : staged.imported_rows + BATCH])
            if batch:
                staged.added += await overseas.create_many(
                    session, unit_id=staged.unit_id, rows=batch, cipher=job.app.cipher, actor=actor,
                    now=job.app.clock(),
                )  # fmt: skip
                staged.imported_rows += len(batch)
            done = staged.imported_rows / max(1, len(staged.rows))
            await job.hold(session, done)
            if staged.imported_rows >= len(staged.rows):
                added = staged.added
                staged.status, staged.rows, staged.finished_at = "imported", [], job.app.clock()
                audit.record(session, "overseas.imported", actor_label=actor.label, object_type="unit",
                             object_id=staged.unit_id, file=staged.filename, rows=added)  # fmt: skip
                return [Reply(text=job.i18n.t(IMPORTED, count=added))]
        await job.progress(done)  # the person's progress message, edited now and then


def register(registry: Registry) -> None:
    registry.add_job_kind(JobKind(REGISTER_IMPORT, import_in_batches, progress=IMPORTING, done=IMPORT_DONE,
                                  failed=IMPORT_FAILED))  # fmt: skip
