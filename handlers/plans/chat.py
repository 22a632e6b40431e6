"""Plans and directives: an admin sends one (in any format of ``documents``), checks the preview — the tasks it will
follow, a wrongly read deadline corrected — and publishes it in one tap: report schedules for its recurring
deadlines, each level its part, each unit its tasks. Everyone reads plans (/kehoach): sections as short pages, "my
part" (the excerpt for my unit's level) with its deadlines, and a search that ignores diacritics."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Ctx
from bot.engine.errors import InvalidInput
from bot.engine.parsers import parse_date
from bot.engine.replies import READING_LIMIT, Option
from bot.i18n import N_, I18n
from bot.registry import Command, Registry
from handlers.plans.documents import PLAN_FILES, UnreadableDocument, document_text
from handlers.plans.drafts import (
    LEVEL_NAMES,
    confirm,
    correct,
    discard,
    followed_tasks,
    part_pages,
    schedule_suggestions,
    send_parts,
    stage,
    when_due,
)  # fmt: skip
from handlers.plans.reader import DOC_TYPES, read_plan
from handlers.plans.reader import Plan as ReadPlan
from storage import audit
from storage.models import Plan, Unit
from storage.people import Role
from storage.text import fold, record_id, split_lines

PAGE = READING_LIMIT - 100  # a page of a section, with its title and buttons, on one phone screen
PREVIEW_TASKS = 10
LISTED = 10
UNREADABLE = {
    "format": N_("I could not read that file; please send the plan as .docx, .doc, .odt, .pdf, .txt or a web page."),
    "damaged": N_("That file seems to be damaged: I could not open it. Please save it again and resend it."),
    "too large": N_("That file is too large to be a plan (over 40 MB unpacked or 300 pages). Please send the plan "
                    "alone, without attachments."),
    "no text layer": N_("That PDF is a scan without text, which I cannot read. Please send the Word file of the "
                        "plan, or a PDF saved from Word."),
    "no converter": N_("I cannot convert .doc or .odt files on this server. Please save the plan as .docx (Word: "
                       "File → Save As → Word Document) and send it again."),
}  # fmt: skip
RHYTHM_LABELS = {"month": N_("Monthly"), "quarter": N_("Quarterly"), "half": N_("Half-yearly"), "year": N_("Yearly")}
LEVELS_FOR_UNIT = {"commune": ("commune",), "district": ("district",)}


@dataclass(frozen=True)
class ReadFile:
    text: str
    plan: ReadPlan


def read_file(name: str, data: bytes, today: date, can_encrypt: bool) -> ReadFile:
    """The registry's file reader for plans (in a worker thread, before the update's transaction)."""
    text = document_text(name, data)
    return ReadFile(text, read_plan(text))


def preview(plan: Plan, i18n: I18n, *, publishing: bool = True) -> str:
    """What the admin checks before anything is saved: header, whom the plan asks, the tasks it will follow (each
    deadline as read, numbered so a wrong one can be corrected) and the report schedules it would create."""
    data = plan.structure
    t = i18n.t
    issued = i18n.date(plan.issued_on) if plan.issued_on else "—"
    lines = [
        " ".join(
            filter(None, [data.get("doc_type") or t("Document"), plan.number and t("no. {number}", number=plan.number)])
        )
        + f" — {issued}",
        plan.title[:200],
    ]
    levels = Counter(level for excerpt in data.get("excerpts", []) for level in excerpt["levels"])
    if levels:
        lines.append(t("Parts for: {levels}", levels=", ".join(f"{t(LEVEL_NAMES.get(level, level))} ({count})"
                                                               for level, count in levels.items())))  # fmt: skip
    else:
        lines.append(t("No part addressed to a level of units was found."))
    tasks = followed_tasks(data)
    if not publishing:  # a published plan, read by anyone: no talk of what publishing would make
        return "\n".join(lines)
    if tasks:
        lines.append(t("Tasks to follow ({count}):", count=len(tasks)))
        for number, task in enumerate(tasks[:PREVIEW_TASKS], start=1):
            lines.append(f"{number}. {task['addressee'][:60]} — {when_due(i18n, task)}")
        if len(tasks) > PREVIEW_TASKS:
            lines.append(t("… and {count} more.", count=len(tasks) - PREVIEW_TASKS))
        lines.append(t("A deadline read wrongly? Type /kehoach han {id} <task number> <date>.", id=plan.id))
    suggestions = schedule_suggestions(data)
    if suggestions:
        lines.append(t("Report schedules it can create: {count}.", count=len(suggestions)))
        lines += [t("• {rhythm}: a report due {day}/{month}", rhythm=t(RHYTHM_LABELS[item["period_type"]]),
                    day=item["day"], month=item["month"]) for item in suggestions]  # fmt: skip
    return "\n".join(lines)


# ---- chat --------------------------------------------------------------------------------------------------------


async def receive_plan_file(ctx: Ctx) -> None:
    """An admin or supervisor sent a plan: read it and show the preview; nothing is saved as active yet."""
    assert ctx.person is not None and ctx.attachment is not None
    if ctx.person.role not in (Role.ADMIN, Role.SUPERVISOR):
        ctx.say(ctx.t("Only administrators and supervising officers can add plans."))
        return
    if ctx.attachment_data is None:
        ctx.say(ctx.t("I could not download that file (it may be larger than 10 MB). Please try again."))
        return
    read = ctx.attachment_read  # read before the transaction opened (bot/pipeline.py): nobody waited on it
    if isinstance(read, UnreadableDocument):
        ctx.say(ctx.t(UNREADABLE.get(read.reason, UNREADABLE["format"])))
        return
    if not isinstance(read, ReadFile):
        ctx.say(ctx.t(UNREADABLE["damaged"]))
        return
    plan = await stage(ctx.session, ctx.attachment.filename, read.text, ctx.person.unit_id, ctx.person.id, ctx.now,
                       read=read.plan)  # fmt: skip
    await show_preview(ctx, plan)


PASTED_MINIMUM = 600  # characters: a plan pasted into the chat, not a message about one


async def pasted_plan(ctx: Ctx, text: str) -> bool:
    """A plan pasted as text by an admin or supervisor ("KẾ HOẠCH" near its top, sections below): read like a file."""
    if ctx.person is None or ctx.person.role not in (Role.ADMIN, Role.SUPERVISOR) or len(text) < PASTED_MINIMUM:
        return False
    head = [fold(line).strip(" :.*#") for line in text.splitlines()[:25]]
    if not any(line in DOC_TYPES for line in head) or not re.search(r"(?m)^\s*(?:[IVX]+|\d{1,2})\s*[.\-)]\s", text):
        return False
    plan = await stage(ctx.session, "pasted.txt", text, ctx.person.unit_id, ctx.person.id, ctx.now)
    await show_preview(ctx, plan)
    return True


async def show_preview(ctx: Ctx, plan: Plan) -> None:
    suggestions = schedule_suggestions(plan.structure)
    rows = [(Option(f"m:kehoach dang {plan.id}", ctx.t("Publish and send each unit its part")),),
            (Option(f"m:kehoach luu {plan.id}", ctx.t("Save the plan")),)]  # fmt: skip
    if suggestions:
        rows.append((Option(f"m:kehoach luulich {plan.id}",
                            ctx.t("Save and create {count} report schedule(s)", count=len(suggestions))),))  # fmt: skip
    rows.append((Option(f"m:kehoach bo {plan.id}", ctx.t("Discard")),))
    ctx.say(preview(plan, ctx.i18n), title=ctx.t("Plan preview"), rows=tuple(rows), reading=True,
            typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip


async def _own_draft(ctx: Ctx, rest: str) -> Plan | None:
    assert ctx.person is not None
    plan = await ctx.session.get(Plan, found) if (found := record_id(rest)) is not None else None
    if plan is None or plan.status != "draft" or plan.created_by_id != ctx.person.id:
        ctx.say(ctx.t("That plan is no longer waiting for confirmation."))
        return None
    return plan


async def save(ctx: Ctx, rest: str, *, with_schedules: bool) -> None:
    plan = await _own_draft(ctx, rest)
    if plan is None:
        return
    made = await confirm(ctx.session, plan, with_schedules=with_schedules, root_unit_id=ctx.person.unit_id
                         if ctx.person else None, now=ctx.now)  # fmt: skip
    audit.record(ctx.session, "plan.saved", actor=ctx.person, object_type="plan", object_id=plan.id,
                 schedules=len(made))  # fmt: skip
    ctx.say(ctx.t("Plan saved (#{id}).", id=plan.id) + "".join(f"\n• {name}" for name in made),
            rows=((Option(f"m:kehoach gui {plan.id}", ctx.t("Send each level its part")),),),
            typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip


async def publish(ctx: Ctx, rest: str) -> None:
    """One tap: the draft becomes active (with the report schedules its recurring deadlines suggest), and each
    level gets its part and its tasks."""
    plan = await _own_draft(ctx, rest)
    if plan is None:
        return
    with_schedules = bool(schedule_suggestions(plan.structure))
    made = await confirm(ctx.session, plan, with_schedules=with_schedules, root_unit_id=ctx.person.unit_id
                         if ctx.person else None, now=ctx.now)  # fmt: skip
    audit.record(ctx.session, "plan.saved", actor=ctx.person, object_type="plan", object_id=plan.id,
                 schedules=len(made))  # fmt: skip
    ctx.say(ctx.t("Plan published (#{id}).", id=plan.id) + "".join(f"\n• {name}" for name in made))
    await _send_parts(ctx, plan)


async def push_parts(ctx: Ctx, rest: str) -> None:
    """Each level's part, with its deadlines, to every person in units of that level (in the sender's area), as
    an announcement with acknowledgements; and each unit's tasks to its officers, followed to done."""
    assert ctx.person is not None
    plan = await _plan(ctx, rest)
    if plan is None:
        return
    await _send_parts(ctx, plan)


async def _send_parts(ctx: Ctx, plan: Plan) -> None:
    assert ctx.person is not None
    lines = await send_parts(ctx.session, plan, ctx.person, ctx.i18n, ctx.now, ctx.today,
                             every_messenger=ctx.settings.notify_every_messenger)  # fmt: skip
    ctx.say("\n".join(lines) or ctx.t("This plan has no part addressed to communes or districts."))


async def correct_deadline(ctx: Ctx, rest: str) -> None:
    """ "/kehoach han 12 2 15/03/2026": the second task of draft 12 falls due on 15/03/2026, not as it was read."""
    plan_ref, _, rest = rest.partition(" ")
    number, _, when = rest.strip().partition(" ")
    plan = await _own_draft(ctx, plan_ref)
    if plan is None:
        return
    index = int(number) - 1 if number.isdecimal() and len(number) < 4 else -1
    if not 0 <= index < len(followed_tasks(plan.structure)):
        ctx.say(ctx.t("There is no task {number} in this plan.", number=number[:8]))
        await show_preview(ctx, plan)  # still deciding: the preview and its choices again
        return
    try:
        due = parse_date(when, ctx.today, prefer_past=False)
    except InvalidInput:
        ctx.say(ctx.t("Please write the date as day/month/year, for example 15/03/2026."))
        await show_preview(ctx, plan)
        return
    correct(ctx.session, plan, index, due, when, ctx.person)
    ctx.say(ctx.t("Task {number} now falls due on {date}.", number=index + 1, date=ctx.i18n.date(due)))
    await show_preview(ctx, plan)


async def plans_command(ctx: Ctx, args: str) -> None:
    word, _, rest = args.strip().partition(" ")
    rest = rest.strip()
    if word == "dang":
        await publish(ctx, rest)
    elif word == "han":
        await correct_deadline(ctx, rest)
    elif word == "luu":
        await save(ctx, rest, with_schedules=False)
    elif word == "luulich":
        await save(ctx, rest, with_schedules=True)
    elif word == "bo":
        plan = await _own_draft(ctx, rest)
        if plan is not None:
            discard(ctx.session, plan, ctx.person)
            ctx.say(ctx.t("Discarded. Nothing was saved."))
    elif word == "xem":
        await show_plan(ctx, rest)
    elif word == "gui":
        await push_parts(ctx, rest)
    elif word == "muc":
        await show_section(ctx, rest)
    elif word == "cuatoi":
        await my_part(ctx, rest)
    elif word == "tim":
        await search(ctx, rest)
    elif word.isdecimal():
        await show_plan(ctx, word)
    else:
        await list_plans(ctx)


async def list_plans(ctx: Ctx) -> None:
    plans = (await ctx.session.scalars(select(Plan).where(Plan.status == "active")
                                       .order_by(Plan.created_at.desc()).limit(LISTED))).all()  # fmt: skip
    if not plans:
        ctx.say(ctx.t("No plan has been published yet."))
        return
    rows = tuple((Option(f"m:kehoach xem {plan.id}", f"{plan.number or '#' + str(plan.id)} — {plan.title}"[:120]),)
                 for plan in plans)  # fmt: skip
    ctx.say(ctx.t("Plans and directives:"), title=ctx.t("Plans"), rows=rows,
            typed_hint=ctx.t("Type the number of a plan, or /kehoach tim <words> to search."))  # fmt: skip


async def _plan(ctx: Ctx, text: str) -> Plan | None:
    plan = await ctx.session.get(Plan, found) if (found := record_id(text)) is not None else None
    if plan is None or plan.status != "active":
        ctx.say(ctx.t("There is no plan #{id}.", id=text[:12]))
        return None
    return plan


async def show_plan(ctx: Ctx, rest: str) -> None:
    plan = await _plan(ctx, rest.split(" ")[0])
    if plan is None:
        return
    data = plan.structure
    lines = [preview(plan, ctx.i18n, publishing=False)]
    rows = [(Option(f"m:kehoach cuatoi {plan.id}", ctx.t("My part and deadlines")),)]
    for index, section in enumerate(data["sections"]):
        if section["number"]:
            rows.append((Option(f"m:kehoach muc {plan.id} {index}", f"{section['number']} {section['title']}"[:80]),))
    ctx.say("\n".join(lines), title=ctx.t("Plan #{id}", id=plan.id), rows=tuple(rows), reading=True,
            typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip


def _section_text(section: dict[str, Any]) -> str:
    parts = [
        f"{section['number']} {section['title']}".strip(),
        *section["text"],
        *(f"- {b}" for b in section["bullets"]),
    ]
    parts += [_section_text(child) for child in section["children"]]
    return "\n".join(part for part in parts if part)


async def show_section(ctx: Ctx, rest: str) -> None:
    words = rest.split()
    plan = await _plan(ctx, words[0] if words else "")
    if plan is None:
        return
    sections = plan.structure["sections"]
    index = int(words[1]) if len(words) > 1 and words[1].isdecimal() else -1
    if not 0 <= index < len(sections):
        ctx.say(ctx.t("There is no such section."))
        return
    page = int(words[2]) if len(words) > 2 and words[2].isdecimal() else 0
    text = _section_text(sections[index])
    pages = split_lines(text, PAGE) or [""]
    page = min(page, len(pages) - 1)
    rows = []
    if page + 1 < len(pages):
        rows.append((Option(f"m:kehoach muc {plan.id} {index} {page + 1}", ctx.t("Next page")),))
    rows.append((Option(f"m:kehoach xem {plan.id}", ctx.t("Back to the plan")),))
    ctx.say(pages[page], title=ctx.t("Page {page} of {pages}", page=page + 1, pages=len(pages)), rows=tuple(rows),
            reading=True, typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip


async def my_part(ctx: Ctx, rest: str) -> None:
    """The excerpts addressed to my unit's level (communes: "các xã, phường"), whole, each deadline once: a page of
    at most PART_PAGE characters at a time."""
    assert ctx.person is not None
    plan_ref, _, page_ref = rest.partition(" ")
    plan = await _plan(ctx, plan_ref)
    if plan is None:
        return
    unit = await ctx.session.get(Unit, ctx.person.unit_id) if ctx.person.unit_id else None
    wanted = LEVELS_FOR_UNIT.get(unit.level if unit else "", ("standing", "member"))
    excerpts = plan.structure.get("excerpts", [])
    mine = [e for e in excerpts if set(wanted) & set(e["levels"])]
    if not mine and wanted == ("commune",):
        mine = [e for e in excerpts if "district" in e["levels"]]  # two-level localities do the districts' part
    if not mine:
        ctx.say(ctx.t("This plan has no part addressed to your level; here is its organising section instead."))
        mine = excerpts
    if not mine:
        ctx.say(ctx.t("There is no such section."))
        return
    pages = part_pages(ctx.i18n, plan, mine)
    page = min(max(int(page_ref), 1), len(pages)) if page_ref.isdecimal() and len(page_ref) < 4 else 1
    rows = ((Option(f"m:kehoach cuatoi {plan.id} {page + 1}", ctx.t("Next page")),),) if page < len(pages) else ()
    ctx.say(pages[page - 1], title=ctx.t("My part ({page}/{pages})", page=page, pages=len(pages)), rows=rows,
            reading=True, typed_hint=ctx.t("Type the number of your choice, or its name.") if rows else "")  # fmt: skip


async def search(ctx: Ctx, words: str) -> None:
    """Sections of active plans whose text holds every word typed, diacritics optional."""
    wanted = fold(words).split()
    if not wanted:
        ctx.say(ctx.t("Type /kehoach tim followed by the words to look for."))
        return
    plans = (await ctx.session.scalars(select(Plan).where(Plan.status == "active"))).all()
    rows, lines = [], []
    for plan in plans:
        for index, section in enumerate(plan.structure["sections"]):
            for piece in _pieces(section):
                folded = fold(piece)
                if all(re.search(rf"\b{re.escape(word)}", folded) for word in wanted):
                    lines.append(f"• {plan.number or '#' + str(plan.id)}: {piece[:160]}")
                    if len(rows) < LISTED:
                        label = f"{plan.number or plan.id} {section['number']} {section['title']}"[:80]
                        rows.append((Option(f"m:kehoach muc {plan.id} {index}", label),))
    if not lines:
        ctx.say(ctx.t("Nothing in the plans matches “{words}”.", words=words[:60]))
        return
    ctx.say("\n".join(lines[:20]), title=ctx.t("Search the plans"), rows=tuple(rows),
            typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip


def _pieces(section: dict[str, Any]) -> list[str]:
    pieces = [section["title"], *section["text"], *section["bullets"]]
    for child in section["children"]:
        pieces.extend(_pieces(child))
    return [piece for piece in pieces if piece]


SAMPLE = Path(__file__).with_name("samples") / "ke-hoach-tam-ky-2024.txt"


async def publish_sample(session: AsyncSession, now: Any) -> None:
    """The demo's plan: a real one of the genre (Tam Kỳ's 2024 plan), published so /kehoach has something to read."""
    plan = await stage(session, SAMPLE.name, document_text(SAMPLE.name, SAMPLE.read_bytes()), None, None, now)
    await confirm(session, plan, with_schedules=False, root_unit_id=None, now=now)


def register(registry: Registry) -> None:
    registry.samples.append(publish_sample)
    registry.add_command(Command("kehoach", plans_command, N_("Plans and directives"), menu=N_("Plans"), menu_rank=40,
                                 aliases=("plans",)))  # fmt: skip
    registry.typed.append(pasted_plan)
    for suffix in PLAN_FILES:
        registry.attachments[suffix] = receive_plan_file
        registry.readers[suffix] = read_file
