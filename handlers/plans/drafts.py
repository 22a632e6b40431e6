"""A plan's life from file to published, the same from the chat, the command line and the web console: staged as a
draft, checked (the tasks it will follow, the schedules its recurring deadlines suggest), a wrongly read deadline
corrected, then saved or published — each level sent its part as an announcement and each unit its tasks — or
discarded. Who may touch a draft is the caller's to check (its author)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.replies import READING_LIMIT
from bot.i18n import N_, I18n
from handlers.announcements import broadcasts
from handlers.plans import tasks
from handlers.plans.reader import Plan as ReadPlan
from handlers.plans.reader import read_plan
from storage import audit, plan_tasks, schedules
from storage.models import Person, Plan
from storage.people import Role
from storage.text import split_lines

PART_PAGE = READING_LIMIT - 100  # "my part" fits one screen of a phone
LEVEL_NAMES = {"commune": N_("communes"), "district": N_("districts"), "province": N_("the province"),
               "member": N_("member organisations"), "standing": N_("the standing committee")}  # fmt: skip
RHYTHM_NAMES = {"month": "tháng", "quarter": "quý", "half": "6 tháng", "year": "năm"}  # in schedules' names


def schedule_suggestions(structure: dict[str, Any]) -> list[dict[str, Any]]:
    """Recurring reporting deadlines addressed to communes ("báo cáo 6 tháng (trước ngày 10/6)") that can become
    schedules: rhythm + day and month, once each. A deadline that comes once is a task instead."""
    seen, found = set(), []
    for excerpt in structure.get("excerpts", []):
        if "commune" not in excerpt.get("levels", []):
            continue
        for deadline in excerpt.get("deadlines", []):
            rhythm, on = deadline.get("rhythm"), deadline.get("on")
            if not on or rhythm not in RHYTHM_NAMES:
                continue
            day, month = int(on[8:10]), int(on[5:7])
            if (rhythm, day, month) not in seen:
                seen.add((rhythm, day, month))
                found.append({"period_type": rhythm, "day": day, "month": month})
    return found


async def stage(session: AsyncSession, filename: str, text: str, unit_id: int | None, person_id: int | None,
                now: Any, *, read: ReadPlan | None = None) -> Plan:  # fmt: skip
    plan = read if read is not None else await asyncio.to_thread(read_plan, text)
    row = Plan(doc_type=plan.doc_type, number=plan.number, title=plan.title or filename, issued_on=plan.issued_on,
               source_name=filename[:255], body=text, structure=plan.to_json(), status="draft", unit_id=unit_id,
               created_by_id=person_id, created_at=now)  # fmt: skip
    session.add(row)
    await session.flush()
    return row


def when_due(i18n: I18n, task: dict[str, Any]) -> str:
    """A followed task's deadline as the preview shows it: a date, or the plan's wording when it names none."""
    if task.get("due"):
        return i18n.date(date.fromisoformat(task["due"]))
    return i18n.t("when {wording}", wording=task.get("wording", "")[:60])


def followed_tasks(structure: dict[str, Any]) -> list[dict[str, Any]]:
    """The tasks publishing will follow: those of a level that uses the bot (communes, districts)."""
    return [task for task in structure.get("tasks", []) if set(task.get("levels", [])) & set(plan_tasks.LEVELS)]


async def confirm(session: AsyncSession, plan: Plan, *, with_schedules: bool, root_unit_id: int | None,
                  now: Any) -> list[str]:  # fmt: skip
    """Makes the plan active; with ``with_schedules``, each suggested deadline becomes a report schedule."""
    plan.status = "active"
    made = []
    if with_schedules:
        for index, item in enumerate(schedule_suggestions(plan.structure), start=1):
            name = f"Báo cáo {RHYTHM_NAMES[item['period_type']]} — {plan.title}"[:250]
            schedule = await schedules.save(
                session, f"kh{plan.id}-{index}", create=True, now=now, name=name, period_type=item["period_type"],
                level="commune", root_unit_id=root_unit_id, deadline_day=item["day"], deadline_month=item["month"],
                plan_ref=f"{plan.doc_type or ''} {plan.number or ''} {plan.title}".strip()[:255],
            )  # fmt: skip
            made.append(schedule.name)
    return made


async def send_parts(session: AsyncSession, plan: Plan, sender: Person, i18n: I18n, now: datetime, today: date, *,
                     every_messenger: bool) -> list[str]:  # fmt: skip
    """Each level's part, with its deadlines, to every person in units of that level (in the sender's area), as an
    announcement with acknowledgements; and each unit's tasks to its officers, followed to done. Returns what was
    sent, one line per level, in ``i18n``'s language."""
    root = None if sender.role == Role.ADMIN else sender.unit_id
    lines = []
    for level in plan_tasks.LEVELS:
        parts = [e for e in plan.structure.get("excerpts", []) if level in e["levels"]]
        if not parts:
            continue
        pages = part_pages(i18n, plan, parts)
        text = pages[0] + (("\n\n" + i18n.t("(The whole part: /kehoach cuatoi {id})", id=plan.id))
                           if len(pages) > 1 else "")  # fmt: skip
        audience = broadcasts.Audience(root, level, None)
        targets = await broadcasts.recipients(session, audience)
        sent = await broadcasts.send(session, audience, targets, text, None, sender_id=sender.id,
                                     sender_label=sender.full_name, now=now, plan_id=plan.id)  # fmt: skip
        made, messages = await tasks.create_and_push(session, plan, level, root, now, today,
                                                     every_messenger=every_messenger)  # fmt: skip
        audit.record(session, "plan.pushed", actor=sender, object_type="plan", object_id=plan.id,
                     level=level, recipients=len(targets), broadcast=sent.id, tasks=made)  # fmt: skip
        lines.append(i18n.t("Units “{level}”: {count} people (announcement #{id}).",
                            level=i18n.t(LEVEL_NAMES.get(level, level)), count=len(targets), id=sent.id))  # fmt: skip
        if made:
            lines.append(i18n.t("{tasks} task(s) to follow, sent to {messages} officer account(s).", tasks=made,
                                messages=messages))  # fmt: skip
    return lines


def correct(session: AsyncSession, plan: Plan, index: int, due: date, wording: str, actor: Person | None) -> None:
    """The ``index``-th followed task (from 0) falls due on ``due``, as the person wrote it (``wording``), not as
    it was read; audited."""
    structure = dict(plan.structure)
    corrected = [dict(task) for task in structure.get("tasks", [])]
    wanted = followed_tasks(plan.structure)[index]
    position = next(i for i, task in enumerate(structure.get("tasks", [])) if task == wanted)
    corrected[position].update(
        due=due.isoformat(), period=None, wording=f"{corrected[position]['wording']} → {wording}"[:255]
    )
    structure["tasks"] = corrected
    plan.structure = structure
    audit.record(session, "plan.deadline_corrected", actor=actor, object_type="plan", object_id=plan.id,
                 task=index + 1, due=due.isoformat())  # fmt: skip


def discard(session: AsyncSession, plan: Plan, actor: Person | None) -> None:
    plan.status = "discarded"
    audit.record(session, "plan.discarded", actor=actor, object_type="plan", object_id=plan.id)


def part_pages(i18n: I18n, plan: Plan, parts: list[dict[str, Any]]) -> list[str]:
    """A level's part: every deadline at the top (the first page is what a notice shows), then its paragraphs whole,
    each deadline once after the paragraph it closes, in pages of at most PART_PAGE characters cut at line ends."""
    lines = [plan.title[:200]]
    whens = [(i18n.date(date.fromisoformat(d["on"])) if d.get("on") else d.get("text", "")[:80])
             for excerpt in parts for d in excerpt["deadlines"]]  # fmt: skip
    if whens:
        lines.append(i18n.t("⏰ Deadlines: {dates}", dates=" · ".join(dict.fromkeys(whens))))
    seen: set[tuple[str | None, str]] = set()
    for excerpt in parts:
        lines.append("")
        lines.extend(excerpt["text"].split("\n"))
        for deadline in excerpt["deadlines"]:
            key = (deadline.get("on"), deadline.get("text", ""))
            if key in seen:
                continue
            seen.add(key)
            when = (i18n.date(date.fromisoformat(deadline["on"])) if deadline.get("on")
                    else deadline.get("text", "")[:80])  # fmt: skip
            lines.append(i18n.t("⏰ Deadline: {when}", when=when))
    return split_lines("\n".join(lines).strip(), PART_PAGE)
