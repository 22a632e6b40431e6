"""Plan tasks in the chat: each commune's (or district's) share of a published plan's deadlines, pushed to its
officers, reminded before the deadline, closed with "Đã hoàn thành" (a tap, or typed: "xong", "xong 2",
"đã hoàn thành") with an optional short result; supervisors see who is done in /viec and in /tiendo."""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.context import Ctx
from bot.engine.replies import Option, Reply
from bot.i18n import N_, I18n, i18n_for
from bot.notify import EVERGREEN, days_left, is_quiet, write
from bot.registry import Command, Periodic, Registry, Runtime
from storage import audit, outbox, plan_tasks, schedules
from storage.db import Database
from storage.models import ActivityReport, Plan, PlanTask, PlanTaskUnit
from storage.people import SUPERVISING, Role, scope_of
from storage.text import fold, record_id
from storage.units import Scope

log = logging.getLogger(__name__)

LISTED = 10
LATE_NAMED = 15
ENGLISH_WORDS = {"done": "xong", "result": "ketqua", "see": "xem"}
_DONE_WORDS = re.compile(r"^(?:da )?(?:hoan thanh|xong|lam xong|xong roi|done)(?: (?:viec )?(\d{1,3}))?$")  # folded


_STATED = re.compile(r"^(?:[a-zđ]\)\s*)?(?:Nhiệm vụ|Nội dung)(?: thực hiện)?\s*:\s*\S")


def _due(i18n: I18n, task: PlanTask, today: date) -> str:
    if task.due is None:
        return i18n.t("when: {wording}", wording=task.wording[:80])
    return i18n.t("due {date} ({when})", date=i18n.date(task.due), when=days_left(i18n, task.due, today))


def _summary(task: PlanTask) -> str:
    """The task in a line: what it says to do ("Nhiệm vụ: …", a table's task), else its first line, without the
    heading number."""
    lines = task.excerpt.split("\n")
    stated = next((line.split(":", 1)[1] for line in lines if _STATED.match(line)), None)
    first = re.sub(r"^(?:[IVX]+|\d{1,2}(?:\.\d{1,2})*|[a-zđ])\s*[.)]\s*|^-\s*", "", stated or lines[0]).strip()
    return (first or task.addressee)[:140]


def task_list(i18n: I18n, plan: Plan, shares: list[tuple[PlanTaskUnit, PlanTask]], today: date) -> Reply:
    """An officer's tasks of one plan, each with its "Đã hoàn thành" button: sent when the plan is published."""
    lines = [i18n.t("Tasks for your unit in plan {plan}:", plan=plan.number or "#" + str(plan.id)), plan.title[:160]]
    rows = []
    for number, (share, task) in enumerate(shares, start=1):
        lines.append(f"{number}. {_summary(task)} — {_due(i18n, task, today)}")
        rows.append((Option(f"m:viec xong {share.id}", i18n.t("✅ Done: task {number}", number=number)),))
    return Reply(text="\n".join(lines), title=i18n.t("Plan tasks"), rows=tuple(rows), screen=EVERGREEN,
                 typed_hint=i18n.t("When one is done, type: xong <number> (or /viec)."))  # fmt: skip


async def create_and_push(session: AsyncSession, plan: Plan, level: str, root_unit_id: int | None, now: datetime,
                          today: date, *, every_messenger: bool) -> tuple[int, int]:  # fmt: skip
    """The plan's tasks for ``level`` as tasks of each unit of that level, and one message to each of their
    officers. Once per plan and level: publishing again sends nothing twice. Returns (tasks, messages)."""
    exists = await session.scalar(select(PlanTask.id).where(PlanTask.plan_id == plan.id, PlanTask.level == level))
    if exists is not None:
        return 0, 0
    excerpts = plan.structure.get("excerpts", [])
    wanted = [
        dict(task, excerpt=excerpts[task["excerpt"]]["text"] if task.get("excerpt") is not None else "", levels=[level])
        for task in plan.structure.get("tasks", [])
        if level in task.get("levels", [])
    ]
    made = await plan_tasks.create(session, plan, wanted, root_unit_id, now)
    if not made:
        return 0, 0
    shares: dict[int, list[tuple[PlanTaskUnit, PlanTask]]] = defaultdict(list)
    tasks = {task.id: task for task, _ in made}
    rows = await session.scalars(select(PlanTaskUnit).where(PlanTaskUnit.task_id.in_(tasks)).order_by(PlanTaskUnit.id))
    for share in rows:
        shares[share.unit_id].append((share, tasks[share.task_id]))
    people = await schedules.recipients(session, list(shares), ("officer",), every_messenger=every_messenger)
    sent = await write(session, people, lambda person: task_list(i18n_for(person.language), plan,
                                                                 shares[person.unit_id], today), now,
                       priority=outbox.BULK)  # after the part itself, and after every waiting reply  # fmt: skip
    return len(made), sent


# ---- officers ----------------------------------------------------------------------------------------------------


async def _my_share(ctx: Ctx, text: str) -> PlanTaskUnit | None:
    assert ctx.person is not None
    share = await ctx.session.get(PlanTaskUnit, found) if (found := record_id(text)) is not None else None
    if share is None or share.unit_id != ctx.person.unit_id:  # another unit's task is as if it did not exist
        ctx.say(ctx.t("There is no task #{id} for your unit.", id=text[:12]))
        return None
    return share


async def close_task(ctx: Ctx, share: PlanTaskUnit, result: str) -> None:
    assert ctx.person is not None
    task = await ctx.session.get(PlanTask, share.task_id)
    assert task is not None
    activity = None
    if (linked := re.search(r"#(\d{1,9})\b", result)) is not None:
        report = await ctx.session.get(ActivityReport, int(linked.group(1)))
        activity = report.id if report is not None and report.unit_id == share.unit_id else None
    first = await plan_tasks.close(ctx.session, share, ctx.person.id, ctx.now, result=result or None,
                                   activity_id=activity)  # fmt: skip
    audit.record(ctx.session, "plan_task.done", actor=ctx.person, object_type="plan_task_unit", object_id=share.id,
                 task=task.id, first=first, with_result=bool(result))  # fmt: skip
    lines = [ctx.t("Recorded as done: {task}.", task=_summary(task)) if first
             else ctx.t("This task was already recorded as done; your note was added.") if result
             else ctx.t("This task was already recorded as done.")]  # fmt: skip
    if not result:
        lines.append(ctx.t("To add a short result (or the number of the activity report that carried it out), "
                           "type: /viec ketqua {id} <a few words>", id=share.id))  # fmt: skip
    ctx.say("\n".join(lines))


async def my_tasks(ctx: Ctx) -> None:
    assert ctx.person is not None
    shares = await plan_tasks.for_unit(ctx.session, ctx.person.unit_id) if ctx.person.unit_id else []
    if not shares:
        ctx.say(ctx.t("Your unit has no open plan tasks."))
        return
    lines, rows = [ctx.t("Open plan tasks of your unit:")], []
    for number, (share, task) in enumerate(shares[:LISTED], start=1):
        lines.append(f"{number}. {_summary(task)} — {_due(ctx.i18n, task, ctx.today)}")
        rows.append((Option(f"m:viec xong {share.id}", ctx.t("✅ Done: task {number}", number=number)),))
    ctx.say("\n".join(lines), title=ctx.t("Plan tasks"), rows=tuple(rows),
            typed_hint=ctx.t("When one is done, type: xong <number> (or /viec)."))  # fmt: skip


async def typed_done(ctx: Ctx, text: str) -> bool:
    """ "xong", "xong 2", "đã hoàn thành": closes the officer's task (its number in /viec), or asks which one."""
    match = _DONE_WORDS.match(fold(text).strip(" .!"))
    if match is None or ctx.person is None or ctx.person.role != Role.OFFICER or ctx.person.unit_id is None:
        return False
    shares = await plan_tasks.for_unit(ctx.session, ctx.person.unit_id)
    if not shares:
        return False  # nothing to close: the words mean something else here
    chosen = int(match.group(1)) if match.group(1) else (1 if len(shares) == 1 else None)
    if chosen is None or not 1 <= chosen <= min(len(shares), LISTED):
        await my_tasks(ctx)
        return True
    await close_task(ctx, shares[chosen - 1][0], "")
    return True


# ---- supervisors -------------------------------------------------------------------------------------------------


def progress_lines(i18n: I18n, items: list[plan_tasks.Progress], today: date) -> list[str]:
    lines = []
    for item in items:
        line = i18n.t("{task} — {done}/{total} done, {due}", task=_summary(item.task), done=item.done,
                      total=item.total, due=_due(i18n, item.task, today))  # fmt: skip
        if item.late_units:
            shown = ", ".join(item.late_units[:LATE_NAMED])
            more = i18n.t(" and {count} more", count=len(item.late_units) - LATE_NAMED) \
                if len(item.late_units) > LATE_NAMED else ""  # fmt: skip
            line += "\n   " + i18n.t("Late: {units}{more}.", units=shown, more=more)
        lines.append(line)
    return lines


async def progress_part(ctx: Ctx, scope: Scope) -> tuple[list[str], list[tuple[Option, ...]]]:
    """The plan tasks' lines and buttons for /tiendo."""
    items = await plan_tasks.progress(ctx.session, scope, ctx.today, limit=5)
    if not items:
        return [], []
    lines = [ctx.t("Plan tasks:"), *progress_lines(ctx.i18n, items, ctx.today)]
    return lines, [(Option("m:viec", ctx.t("Plan tasks: details")),)]


async def todo_part(ctx: Ctx, scope: Scope) -> tuple[list[str], list[tuple[Option, ...]]]:
    """The unit's open plan tasks for /nhacviec, numbered as "xong <number>" closes them."""
    shares = await plan_tasks.for_unit(ctx.session, scope.unit_id) if scope.unit_id is not None else []
    if not shares:
        return [], []
    lines = [ctx.t("Plan tasks:")]
    lines += [f"{n}. {_summary(task)} — {_due(ctx.i18n, task, ctx.today)}" for n, (_, task) in
              enumerate(shares[:LISTED], start=1)]  # fmt: skip
    lines.append(ctx.t("When one is done, type: xong <number> (or /viec)."))
    return lines, []


async def show_task(ctx: Ctx, rest: str) -> None:
    assert ctx.person is not None
    task = await ctx.session.get(PlanTask, found) if (found := record_id(rest)) is not None else None
    scope = scope_of(ctx.person)
    if task is None:
        ctx.say(ctx.t("There is no task #{id}.", id=rest[:12]))
        return
    shares = (await ctx.session.execute(
        select(PlanTaskUnit).where(PlanTaskUnit.task_id == task.id, scope.clause(PlanTaskUnit.unit_id))
    )).scalars().all()  # fmt: skip
    if not shares:
        ctx.say(ctx.t("There is no task #{id}.", id=rest[:12]))
        return
    done = [share for share in shares if share.status == "done"]
    late = await plan_tasks.open_units(ctx.session, task.id, scope)
    lines = [_summary(task), _due(ctx.i18n, task, ctx.today),
             ctx.t("{done}/{total} units done.", done=len(done), total=len(shares))]  # fmt: skip
    if late:
        lines.append(ctx.t("Not yet: {units}.", units=", ".join(late[:40])))
    results = [share.result for share in done if share.result][:5]
    if results:
        lines.append(ctx.t("Results reported:") + "\n" + "\n".join(f"• {text[:160]}" for text in results))
    ctx.say("\n".join(lines), title=ctx.t("Plan task #{id}", id=task.id))


async def supervisor_tasks(ctx: Ctx) -> None:
    assert ctx.person is not None
    items = await plan_tasks.progress(ctx.session, scope_of(ctx.person), ctx.today, limit=LISTED)
    if not items:
        ctx.say(ctx.t("No plan task concerns the units you supervise."))
        return
    rows = tuple((Option(f"m:viec xem {item.task.id}", f"{_summary(item.task)[:60]} ({item.done}/{item.total})"),)
                 for item in items)  # fmt: skip
    ctx.say("\n".join(progress_lines(ctx.i18n, items, ctx.today)), title=ctx.t("Plan tasks"), rows=rows,
            typed_hint=ctx.t("Type the number of a task to see the units."))  # fmt: skip


async def tasks_command(ctx: Ctx, args: str) -> None:
    assert ctx.person is not None
    word, _, rest = args.strip().partition(" ")
    word, rest = ENGLISH_WORDS.get(word, word), rest.strip()  # the English UI's words do what the Vietnamese do
    if word == "xong":
        number, _, result = rest.partition(" ")
        if (share := await _my_share(ctx, number)) is not None:
            await close_task(ctx, share, result.strip())
    elif word == "ketqua":
        number, _, result = rest.partition(" ")
        if not result.strip():
            ctx.say(ctx.t("Type /viec ketqua {id} followed by the result.", id=number[:12] or "…"))
        elif (share := await _my_share(ctx, number)) is not None:
            await close_task(ctx, share, result.strip())
    elif word == "xem" and ctx.person.role in SUPERVISING:
        await show_task(ctx, rest)
    elif ctx.person.role in SUPERVISING:
        await supervisor_tasks(ctx)
    else:
        await my_tasks(ctx)


# ---- reminders ---------------------------------------------------------------------------------------------------


def reminder(i18n: I18n, share: PlanTaskUnit, task: PlanTask, today: date) -> Reply:
    text = i18n.t("Plan task — {task}: {due}. Your unit has not recorded it as done yet.", task=_summary(task),
                  due=_due(i18n, task, today))  # fmt: skip
    button = Option(f"m:viec xong {share.id}", i18n.t("✅ Done"))
    return Reply(text=text, title=i18n.t("Reminder"), rows=((button,),), screen=EVERGREEN,
                 typed_hint=i18n.t("When it is done, type: /viec xong {id}", id=share.id))  # fmt: skip


async def remind_tasks(db: Database, settings: Settings, now: datetime) -> int:
    """Three days before a task's deadline, on the day and the day after, each open share's officers hear once."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    if is_quiet(settings, local):
        return 0
    today = local.date()
    sent = 0
    async with db.transaction() as session:
        for share, task in await plan_tasks.shares_to_remind(session, today):
            stage = plan_tasks.stage_on(task.due, today) if task.due else None
            if stage is None or share.reminded == stage:
                continue
            people = [
                p for p in await schedules.recipients(session, [share.unit_id], ("officer",)) if not p.unreachable
            ]
            if not people or not await plan_tasks.claim_stage(session, share.id, stage):
                continue  # nobody to tell yet (someone who joins later still hears), or another worker did
            sent += await write(session, people, lambda p, s=share, t=task: reminder(i18n_for(p.language), s, t, today),
                                now)  # fmt: skip
    return sent


async def reminder_job(app: Runtime) -> int:
    sent = await remind_tasks(app.db, app.settings, app.clock())
    if sent:
        log.info("plan task reminders: %d message(s)", sent)
    return sent


def register(registry: Registry) -> None:
    registry.add_command(Command("viec", tasks_command, N_("Plan tasks and marking them done"), aliases=("tasks",)))
    registry.add_periodic(
        Periodic("plan task reminders", lambda settings: settings.reminder_sweep_seconds, reminder_job)
    )
    registry.typed.append(typed_done)
    registry.add_lines("progress", progress_part)
    registry.add_lines("todo", todo_part)
