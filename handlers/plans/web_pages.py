"""*Kế hoạch* in the web console: upload a plan in any format the chat's reader takes, check its preview — the
parts for each level, the tasks it will follow with their deadlines as read, the report schedules it suggests —,
correct a deadline read wrongly, then publish it (each level its part, each unit its tasks), save it or discard
it; and follow a published plan's tasks, unit by unit within one's scope. The same ``drafts`` functions and audit
lines as the chat: a draft is its author's alone until published."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from aiohttp import web
from sqlalchemy import case, func, select
from yarl import URL

from bot.engine.errors import InvalidInput
from bot.engine.parsers import parse_date
from bot.i18n import N_
from bot.registry import Registry
from bot.web.console import NotFound, Page, WebCtx, WebPage, see_other
from handlers.plans.chat import RHYTHM_LABELS, UNREADABLE, ReadFile, read_file
from handlers.plans.documents import PLAN_FILES, UnreadableDocument
from handlers.plans.drafts import (
    LEVEL_NAMES,
    confirm,
    correct,
    discard,
    followed_tasks,
    schedule_suggestions,
    send_parts,
    stage,
    when_due,
)  # fmt: skip
from storage import audit, plan_tasks
from storage.models import Plan, PlanTask, PlanTaskUnit
from storage.people import Role
from storage.text import record_id

LISTED = 30
FOLLOWED = 200  # tasks shown on a published plan's page


def _back(path: str, notice: str, **query: Any) -> web.StreamResponse:
    return see_other(str(URL(path).update_query({**query, "thongbao": notice})))


async def plans_page(ctx: WebCtx) -> Page:
    """One's drafts waiting for a decision, the published plans with their tasks done within one's scope, and the
    upload form."""
    drafts = (await ctx.session.scalars(
        select(Plan).where(Plan.status == "draft", Plan.created_by_id == ctx.person.id)
        .order_by(Plan.created_at.desc()).limit(LISTED)
    )).all()  # fmt: skip
    published = (await ctx.session.scalars(
        select(Plan).where(Plan.status == "active").order_by(Plan.created_at.desc()).limit(LISTED)
    )).all()  # fmt: skip
    done = func.sum(case((PlanTaskUnit.status == "done", 1), else_=0))
    counted = {plan_id: (int(total), int(closed or 0)) for plan_id, total, closed in await ctx.session.execute(
        select(PlanTask.plan_id, func.count(), done).join(PlanTaskUnit, PlanTaskUnit.task_id == PlanTask.id)
        .where(PlanTask.plan_id.in_([plan.id for plan in published]), ctx.scope.clause(PlanTaskUnit.unit_id))
        .group_by(PlanTask.plan_id)
    )}  # fmt: skip
    return Page("plans.html", {
        "drafts": drafts, "published": [(plan, counted.get(plan.id, (0, 0))) for plan in published],
        "accept": ",".join(sorted(PLAN_FILES)), "notice": ctx.query.get("thongbao", ""),
    }, N_("Plan documents"))  # fmt: skip


async def upload_plan(ctx: WebCtx) -> web.StreamResponse:
    """The file was read before this transaction (``WebPage.upload``); a draft is staged and its preview opened."""
    sent = ctx.upload
    if sent is None:
        return _back("/web/kehoach", ctx.t("Please choose the plan's file."))
    if sent.too_large:
        return _back("/web/kehoach", ctx.t("I could not download that file (it may be larger than 10 MB). Please "
                                           "try again."))  # fmt: skip
    if isinstance(sent.read, UnreadableDocument):
        return _back("/web/kehoach", ctx.t(UNREADABLE.get(sent.read.reason, UNREADABLE["format"])))
    if not isinstance(sent.read, ReadFile):
        return _back("/web/kehoach", ctx.t(UNREADABLE["damaged"]))
    plan = await stage(ctx.session, sent.filename, sent.read.text, ctx.person.unit_id, ctx.person.id, ctx.now,
                       read=sent.read.plan)  # fmt: skip
    audit.record(ctx.session, "plan.uploaded", actor=ctx.person, object_type="plan", object_id=plan.id,
                 size=sent.size, channel="web")  # fmt: skip
    return see_other(f"/web/kehoach/xem?id={plan.id}")


async def _plan(ctx: WebCtx, raw: str, *, draft: bool | None = None) -> Plan:
    """A published plan (anyone may read it) or one's own draft; anything else is 404. ``draft`` True or False
    asks for that kind only."""
    found = record_id(raw)
    plan = await ctx.session.get(Plan, found) if found is not None else None
    own_draft = plan is not None and plan.status == "draft" and plan.created_by_id == ctx.person.id
    if plan is None or not (own_draft or plan.status == "active") or (draft is not None and own_draft != draft):
        raise NotFound
    return plan


async def plan_page(ctx: WebCtx) -> Page:
    plan = await _plan(ctx, ctx.query.get("id", ""))
    data = plan.structure
    levels = Counter(level for excerpt in data.get("excerpts", []) for level in excerpt["levels"])
    values: dict[str, Any] = {
        "plan": plan,
        "draft": plan.status == "draft",
        "notice": ctx.query.get("thongbao", ""),
        "doc_type": data.get("doc_type") or ctx.t("Document"),
        "levels": ", ".join(f"{ctx.t(LEVEL_NAMES.get(level, level))} ({count})" for level, count in levels.items()),
        "sections": [f"{s['number']} {s['title']}".strip() for s in data.get("sections", []) if s.get("number")],
    }
    if plan.status == "draft":
        values["tasks"] = [{"number": number, "addressee": task["addressee"][:120], "when": when_due(ctx.i18n, task),
                            "due": ctx.i18n.date(date.fromisoformat(task["due"])) if task.get("due") else ""}
                           for number, task in enumerate(followed_tasks(data), start=1)]  # fmt: skip
        values["suggestions"] = [ctx.t("• {rhythm}: a report due {day}/{month}",
                                       rhythm=ctx.t(RHYTHM_LABELS[item["period_type"]]), day=item["day"],
                                       month=item["month"]) for item in schedule_suggestions(data)]  # fmt: skip
    else:
        values["followed"] = await plan_tasks.progress(ctx.session, ctx.scope, ctx.today, limit=FOLLOWED,
                                                       plan_id=plan.id)  # fmt: skip
    return Page("plan.html", values, N_("Plan documents"))


async def correct_deadline(ctx: WebCtx) -> web.StreamResponse:
    plan = await _plan(ctx, ctx.form.get("id", ""), draft=True)
    here = f"/web/kehoach/xem?id={plan.id}"
    number, when = ctx.form.get("so", ""), ctx.form.get("ngay", "").strip()
    index = int(number) - 1 if number.isdecimal() and len(number) < 4 else -1
    if not 0 <= index < len(followed_tasks(plan.structure)):
        return _back(here, ctx.t("There is no task {number} in this plan.", number=number[:8]))
    try:
        due = parse_date(when, ctx.today, prefer_past=False)
    except InvalidInput:
        return _back(here, ctx.t("Please write the date as day/month/year, for example 15/03/2026."))
    correct(ctx.session, plan, index, due, ctx.i18n.date(due), ctx.person)
    return _back(here, ctx.t("Task {number} now falls due on {date}.", number=index + 1, date=ctx.i18n.date(due)))


async def decide(ctx: WebCtx) -> web.StreamResponse:
    """ "dang": publish and send the parts (with the schedules its deadlines suggest); "luu" / "luulich": save
    without or with those schedules; "bo": discard. As the chat's buttons on the preview."""
    plan = await _plan(ctx, ctx.form.get("id", ""), draft=True)
    action = ctx.form.get("action", "")
    if action == "bo":
        discard(ctx.session, plan, ctx.person)
        return _back("/web/kehoach", ctx.t("Discarded. Nothing was saved."))
    if action not in ("dang", "luu", "luulich"):
        raise NotFound
    with_schedules = action == "luulich" or (action == "dang" and bool(schedule_suggestions(plan.structure)))
    made = await confirm(ctx.session, plan, with_schedules=with_schedules, root_unit_id=ctx.person.unit_id,
                         now=ctx.now)  # fmt: skip
    audit.record(ctx.session, "plan.saved", actor=ctx.person, object_type="plan", object_id=plan.id,
                 schedules=len(made), channel="web")  # fmt: skip
    lines = [ctx.t("Plan published (#{id}).", id=plan.id) if action == "dang" else
             ctx.t("Plan saved (#{id}).", id=plan.id), *made]  # fmt: skip
    if action == "dang":
        lines += await send_parts(ctx.session, plan, ctx.person, ctx.i18n, ctx.now, ctx.today,
                                  every_messenger=ctx.settings.notify_every_messenger)  # fmt: skip
    return _back(f"/web/kehoach/xem?id={plan.id}", " · ".join(lines))


async def send_plan_parts(ctx: WebCtx) -> web.StreamResponse:
    """A saved plan's parts sent later (the chat's "Gửi từng cấp phần của mình"), by its author or an admin."""
    plan = await _plan(ctx, ctx.form.get("id", ""), draft=False)
    if plan.created_by_id != ctx.person.id and ctx.person.role != Role.ADMIN.value:
        raise NotFound
    lines = await send_parts(ctx.session, plan, ctx.person, ctx.i18n, ctx.now, ctx.today,
                             every_messenger=ctx.settings.notify_every_messenger)  # fmt: skip
    notice = " · ".join(lines) or ctx.t("This plan has no part addressed to communes or districts.")
    return _back(f"/web/kehoach/xem?id={plan.id}", notice)


def register(registry: Registry) -> None:
    registry.web_pages += [
        WebPage("kehoach", plans_page, menu=N_("Plan documents"), rank=36),
        WebPage("kehoach/tai", upload_plan, method="POST", upload=read_file),
        WebPage("kehoach/xem", plan_page),
        WebPage("kehoach/han", correct_deadline, method="POST"),
        WebPage("kehoach/quyetdinh", decide, method="POST"),
        WebPage("kehoach/gui", send_plan_parts, method="POST"),
    ]
