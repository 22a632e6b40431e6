"""*Nhật ký* in the web console (admins): the audit log, newest first, filtered by kind of action, person and days,
in keyset pages. Reading it is itself audited: the log says who looked at whom."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from yarl import URL

from bot.i18n import N_
from bot.registry import Registry
from bot.web.console import Page, WebCtx, WebPage
from storage import audit
from storage.models import AuditEntry
from storage.people import Role
from storage.text import record_id
from storage.types import VIETNAM

PAGE = 100


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


async def audit_page(ctx: WebCtx) -> Page:
    shown = {name: ctx.query.get(name, "").strip()[:64] for name in ("hanhdong", "nguoi", "tu", "den")}
    query = select(AuditEntry)
    if shown["hanhdong"]:  # "export." lists every export; "web.signed_in" one action
        action = shown["hanhdong"]
        query = query.where(AuditEntry.action.startswith(action, autoescape=True) if action.endswith(".")
                            else AuditEntry.action == action)  # fmt: skip
    if (person := record_id(shown["nguoi"])) is not None:
        query = query.where(AuditEntry.actor_id == person)
    else:
        shown["nguoi"] = ""
    for name, test in (("tu", AuditEntry.at.__ge__), ("den", AuditEntry.at.__lt__)):
        if (day := _day(shown[name])) is None:
            shown[name] = ""
            continue
        moment = datetime.combine(day + timedelta(days=1 if name == "den" else 0), time(), VIETNAM)
        query = query.where(test(moment))
    if (before := record_id(ctx.query.get("truoc", ""))) is not None:
        query = query.where(AuditEntry.id < before)
    entries = list((await ctx.session.scalars(query.order_by(AuditEntry.id.desc()).limit(PAGE + 1))).all())
    filtered = {name: value for name, value in shown.items() if value}
    following = None
    if len(entries) > PAGE:
        entries = entries[:PAGE]
        following = str(URL("/web/nhatky").with_query({**filtered, "truoc": str(entries[-1].id)}))
    audit.record(ctx.session, "audit.viewed", actor=ctx.person, via="web", filters=filtered)
    return Page("audit.html", {
        "entries": [{"entry": entry, "at": entry.at.astimezone(VIETNAM), "details": ", ".join(
            f"{key}={value}" for key, value in sorted(entry.details.items()))[:300]} for entry in entries],
        "filters": shown, "next": following,
        "first": str(URL("/web/nhatky").with_query(filtered)) if before is not None else None,
    }, N_("Audit log"))  # fmt: skip


def register(registry: Registry) -> None:
    registry.web_pages.append(WebPage("nhatky", audit_page, menu=N_("Audit log"), rank=80,
                                      roles=frozenset({Role.ADMIN.value})))  # fmt: skip
