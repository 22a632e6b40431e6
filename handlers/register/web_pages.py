"""*Kiều bào* in the web console: search the register of one's units (names folded, as in the chat), the counts by
country, group and unit, and one record at a time — each search and each opened record written to the audit log,
as in the chat. Nothing here exports the register: bulk exports stay with the administrators' audited
``caunoi export kieubao``, told to every administrator as it happens."""

from __future__ import annotations

from sqlalchemy import select

from bot.engine.countries import country_name, country_named
from bot.i18n import N_
from bot.registry import Registry
from bot.web.console import NotFound, Page, WebCtx, WebPage
from handlers.register.form import OVERSEAS_FORM, choice_label
from handlers.register.sheet import display_value
from storage import audit, overseas
from storage.models import Unit
from storage.text import record_id

SHOWN = 50  # records listed for one search; narrowing the words finds the others


async def register_page(ctx: WebCtx) -> Page:
    query = ctx.query.get("q", "").strip()[:100]
    found, total = [], 0
    if query:
        lines, total = await overseas.search(ctx.session, ctx.scope, query, country_named(query), limit=SHOWN)
        units = {u.id: u.name for u in (await ctx.session.scalars(
            select(Unit).where(Unit.id.in_({line.unit_id for line in lines}))
        )).all()}  # fmt: skip
        found = [{"line": line, "unit": units.get(line.unit_id, ""),
                  "country": country_name(line.country, ctx.i18n.language) if line.country else ""}
                 for line in lines]  # fmt: skip
        audit.record(
            ctx.session,
            "overseas.searched",
            actor=ctx.person,
            object_type="overseas_register",
            words=len(query.split()),
            results=total,
            channel="web",
        )  # the words may be a name: not kept
    by_country = await overseas.counts(ctx.session, ctx.scope, "country")
    by_group = await overseas.counts(ctx.session, ctx.scope, "group")
    by_unit = await overseas.counts(ctx.session, ctx.scope, "unit")
    return Page("register.html", {
        "query": query, "found": found, "total": total, "shown": len(found), "counted": overseas.COUNTED,
        "everyone": sum(count for _, count in by_country),
        "by_country": [(country_name(code, ctx.i18n.language) if code else ctx.t("(not given)"), count)
                       for code, count in by_country],
        "by_group": [(choice_label("overseas_group", code, ctx.i18n) or ctx.t("(not given)"), count)
                     for code, count in by_group],
        "by_unit": by_unit[:30], "other_units": sum(count for _, count in by_unit[30:]),
    }, N_("Overseas Vietnamese"))  # fmt: skip


async def record_page(ctx: WebCtx) -> Page:
    """One record, opened: the same fields as the chat shows, its latest changes; audited."""
    found = record_id(ctx.query.get("id", ""))
    record = await overseas.get(ctx.session, found, ctx.scope) if found is not None else None
    if record is None:
        raise NotFound
    values = {step.name: getattr(record, step.name, None) for step in OVERSEAS_FORM.steps}
    if ctx.cipher is not None:
        values.update(overseas.notes_of(record, ctx.cipher))
    fields = [(ctx.t(step.label), display_value(step, values.get(step.name), ctx.i18n))
              for step in OVERSEAS_FORM.steps if values.get(step.name) not in (None, "")]  # fmt: skip
    fields.append((ctx.t("Status"), choice_label("overseas_status", record.status, ctx.i18n)))
    unit = await ctx.session.get(Unit, record.unit_id)
    zone = ctx.zone
    changes = []
    for change in await overseas.history(ctx.session, record, limit=10):
        step = OVERSEAS_FORM.step(change.field)
        changes.append(
            {
                "day": change.at.astimezone(zone).date() if zone else change.at.date(),
                "who": change.actor_label or "",
                "what": ctx.t(step.label) if step else ctx.t("Status"),
            }
        )
    audit.record(ctx.session, "overseas.viewed", actor=ctx.person, object_type="overseas_record",
                 object_id=record.id, unit_id=record.unit_id, channel="web")  # fmt: skip
    return Page("record.html", {
        "record": record, "fields": fields, "unit": unit.name if unit else "", "changes": changes,
        "updated": record.updated_at.astimezone(zone).date() if zone else record.updated_at.date(),
    }, N_("Overseas Vietnamese"))  # fmt: skip


def register(registry: Registry) -> None:
    registry.web_pages += [
        WebPage("kieubao", register_page, menu=N_("Overseas Vietnamese"), rank=35),
        WebPage("kieubao/hoso", record_page),
    ]
