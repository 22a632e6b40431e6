"""The overseas register in chat (/kieubao): add, search, open, edit, change status, delete on request, counts.

Every read goes through the person's scope (their unit; a supervisor's subtree; an admin's everything), so a
crafted button or a typed id outside it finds nothing. Opening a record and searching are written to the audit
log. Lists show names and ids; a whole record is shown only when asked for, one at a time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.context import Ctx
from bot.engine.countries import country_name, country_named
from bot.engine.replies import Option
from bot.i18n import N_
from bot.registry import Command, Flow, Registry
from handlers.register import sheet_import
from handlers.register.form import (
    DELETE_FORM,
    OVERSEAS_FORM,
    SEARCH_FORM,
    STATUS_FORM,
    choice_label,
    needs_data_key,
    not_before,
    static_options,
)
from handlers.register.sheet import display_value
from storage import audit, overseas
from storage.models import OverseasRecord, Unit
from storage.people import Role, scope_of
from storage.text import fold, name_key, record_id

SubCommand = Callable[[Ctx, str], Awaitable[None]]
RESULTS = 10


def _actor(ctx: Ctx) -> overseas.Actor:
    assert ctx.person is not None
    return overseas.Actor(ctx.person.id, ctx.person.full_name)


def _answers(ctx: Ctx, record: OverseasRecord) -> dict[str, Any]:
    values = {step.name: getattr(record, step.name, None) for step in OVERSEAS_FORM.steps}
    values.update(overseas.notes_of(record, ctx.services.cipher))
    return values


def _short(ctx: Ctx, record_id: int, name: str, year: int | None, country: str | None) -> str:
    born = f" ({year})" if year else ""
    where = f" · {country_name(country, ctx.i18n.language)}" if country else ""
    return f"#{record_id} {name}{born}{where}"


async def _record(ctx: Ctx, rest: str) -> OverseasRecord | None:
    """The record named by ``rest`` if the person may see it; the same answer whether it is missing or not theirs."""
    assert ctx.person is not None
    text = rest.strip().lstrip("#")
    found = record_id(text)
    record = await overseas.get(ctx.session, found, scope_of(ctx.person)) if found is not None else None
    if record is None:
        ctx.say(ctx.t("There is no record #{id} in your units.", id=text[:12]))
    return record


# ---- menu ----------------------------------------------------------------------------------------------------------


async def register_command(ctx: Ctx, args: str) -> None:
    if ctx.person is None or ctx.person.unit_id is None:
        ctx.say(
            ctx.t(
                "Your account is not attached to a unit yet; please ask the Front committee above you for an "
                "invite code."
            )
        )
        return
    word, _, rest = args.strip().partition(" ")
    word = fold(word).lstrip("#")
    if word.isdecimal():  # any number: too large a one is "no such record", like a missing one
        await show_record(ctx, word)
        return
    await SUBCOMMANDS.get(word, show_menu)(ctx, rest.strip())


async def show_menu(ctx: Ctx, rest: str = "") -> None:
    assert ctx.person is not None
    choices = [
        ("m:kieubao them", N_("Add a person")),
        ("m:kieubao tim", N_("Search")),
        ("m:kieubao thongke", N_("Counts")),
        ("m:kieubao nhap", N_("Import an Excel list")),
        ("m:kieubao mau", N_("Excel template")),
        ("m:menu", N_("Main menu")),
    ]
    rows = tuple((Option(key, ctx.t(label)),) for key, label in choices)
    ctx.say(
        ctx.t(
            "The list of overseas Vietnamese from your locality and their relatives at home. What would you like to do?"
        ),
        title=ctx.t("Overseas Vietnamese register"),
        rows=rows,
        typed_hint=ctx.t("Type the number of your choice, or its name."),
    )


# ---- add and edit ----------------------------------------------------------------------------------------------------


async def add(ctx: Ctx, rest: str) -> None:
    await ctx.services.start_form(ctx, OVERSEAS_FORM.name)


async def edit(ctx: Ctx, rest: str) -> None:
    record = await _record(ctx, rest)
    if record is not None:
        await ctx.services.start_form(
            ctx, OVERSEAS_FORM.name, answers=_answers(ctx, record), extra={"record": record.id}
        )


async def save_record(ctx: Ctx, answers: dict[str, Any], state: dict[str, Any]) -> None:
    """Submit of the record form: an edit updates (with history); a new entry first looks for the same person."""
    assert ctx.person is not None and ctx.person.unit_id is not None
    if state.get("record"):
        await _update(ctx, str(state["record"]), answers)
        return
    similar = await overseas.similar(
        ctx.session, ctx.person.unit_id, answers["full_name"], answers.get("birth_year"), answers.get("country")
    )
    if similar:
        _hold(ctx, answers, state["draft"])
        lines = [ctx.t("This person may already be in the register:")]
        rows: list[tuple[Option, ...]] = []
        for record in similar:
            short = _short(ctx, record.id, record.full_name or "", record.birth_year, record.country)
            lines.append("• " + short)
            rows.append((Option(f"m:kieubao capnhat {record.id}", ctx.t("Update {record}", record=short)),))
        rows.append((Option("m:kieubao themmoi", ctx.t("Add as a new person")),))
        rows.append((Option("m:kieubao bo", ctx.t("Discard what I entered")),))
        lines.append(ctx.t("Update the existing record with what you entered, or add a new one?"))
        ctx.say("\n".join(lines), title=ctx.t("Possible duplicate"), rows=tuple(rows),
                typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip
        return
    await _create(ctx, answers, state["draft"])


def _hold(ctx: Ctx, answers: dict[str, Any], draft: str) -> None:
    """Keeps the entered answers while the officer decides about a duplicate; encrypted when notes may be in them."""
    ctx.hold("record", {"answers": answers, "draft": draft}, sealed=True)


def _take_held(ctx: Ctx) -> dict[str, Any] | None:
    held = ctx.take("record")
    if held is None:
        ctx.say(ctx.t("There is nothing waiting to be saved; it was already saved or discarded."))
    return held


async def _create(ctx: Ctx, answers: dict[str, Any], draft: str) -> None:
    assert ctx.person is not None and ctx.person.unit_id is not None
    record, created = await overseas.create(
        ctx.session, unit_id=ctx.person.unit_id, values=answers, cipher=ctx.services.cipher, actor=_actor(ctx),
        now=ctx.now, draft_key=draft,
    )  # fmt: skip
    if created:
        audit.record(ctx.session, "overseas.created", actor=ctx.person, object_type="overseas_record",
                     object_id=record.id, unit_id=record.unit_id)  # fmt: skip
    ctx.say(ctx.t("Saved as record #{id}.", id=record.id))
    await _after(ctx, record.id)


async def _update(ctx: Ctx, rest: str, values: dict[str, Any]) -> None:
    record = await _record(ctx, rest)
    if record is None:
        return
    changed = await overseas.update(ctx.session, record, values, cipher=ctx.services.cipher, actor=_actor(ctx),
                                    now=ctx.now)  # fmt: skip
    if changed:
        audit.record(ctx.session, "overseas.updated", actor=ctx.person, object_type="overseas_record",
                     object_id=record.id, unit_id=record.unit_id, fields=changed)  # fmt: skip
        ctx.say(ctx.t("Record #{id} updated ({count} change(s)).", id=record.id, count=len(changed)))
    else:
        ctx.say(ctx.t("Nothing changed in record #{id}.", id=record.id))
    await _after(ctx, record.id)


async def _after(ctx: Ctx, record_id: int) -> None:
    rows = (
        (Option(f"m:kieubao xem {record_id}", ctx.t("Open record #{id}", id=record_id)),),
        (Option("m:kieubao them", ctx.t("Add another person")),),
        (Option("m:kieubao", ctx.t("Register menu")),),
    )
    ctx.say(ctx.t("What next?"), rows=rows, typed_hint=ctx.t("Type the number of your choice, or its name."))


async def update_held(ctx: Ctx, rest: str) -> None:
    held = _take_held(ctx)
    if held is None:
        return
    values = {name: value for name, value in held["answers"].items() if value not in (None, "")}
    record = await _record(ctx, rest)
    if record is not None and name_key(record.full_name or "") == name_key(values["full_name"]):
        values.pop("full_name")  # "Nguyen Van An" typed fast must not replace "Nguyễn Văn An"
    await _update(ctx, rest, values)


async def create_held(ctx: Ctx, rest: str) -> None:
    held = _take_held(ctx)
    if held is not None:
        await _create(ctx, held["answers"], held["draft"])


async def discard_held(ctx: Ctx, rest: str) -> None:
    if _take_held(ctx) is not None:
        ctx.say(ctx.t("Discarded. Nothing was saved."))
        await show_menu(ctx)


# ---- reading ---------------------------------------------------------------------------------------------------------


async def show_record(ctx: Ctx, rest: str) -> None:
    record = await _record(ctx, rest)
    if record is None:
        return
    values = _answers(ctx, record)
    lines = []
    for step in OVERSEAS_FORM.steps:
        value = values.get(step.name)
        if value not in (None, ""):
            lines.append(f"{ctx.t(step.label)}: {display_value(step, value, ctx.i18n)}")
    lines.append(f"{ctx.t('Status')}: {choice_label('overseas_status', record.status, ctx.i18n)}")
    unit = await ctx.session.get(Unit, record.unit_id)
    updated = ctx.i18n.date(record.updated_at.astimezone(ctx.services.zone).date())
    lines.append(ctx.t("Unit: {unit} · updated {date}", unit=unit.name if unit else "", date=updated))
    changes = await overseas.history(ctx.session, record, limit=5)
    if changes:
        lines.append(ctx.t("Latest changes:"))
        for change in changes:
            step = OVERSEAS_FORM.step(change.field)
            label = ctx.t(step.label) if step else ctx.t("Status")
            when = ctx.i18n.date(change.at.astimezone(ctx.services.zone).date())
            lines.append(f"• {when} · {change.actor_label or ''} · {label}")
    audit.record(ctx.session, "overseas.viewed", actor=ctx.person, object_type="overseas_record",
                 object_id=record.id, unit_id=record.unit_id)  # fmt: skip
    rows = (
        (Option(f"m:kieubao sua {record.id}", ctx.t("Edit")),
         Option(f"m:kieubao tinhtrang {record.id}", ctx.t("Change status"))),
        (Option(f"m:kieubao xoa {record.id}", ctx.t("Delete on request")),),
        (Option("m:kieubao tim", ctx.t("Search again")), Option("m:kieubao", ctx.t("Register menu"))),
    )  # fmt: skip
    ctx.say("\n".join(lines), title=f"#{record.id} {record.full_name}", rows=rows, reading=True,
            typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip


async def search(ctx: Ctx, rest: str) -> None:
    if rest.strip():
        await _search(ctx, rest.strip())
    else:
        await ctx.services.start_form(ctx, SEARCH_FORM.name)


async def search_submitted(ctx: Ctx, answers: dict[str, Any], state: dict[str, Any]) -> None:
    await _search(ctx, answers["query"])


async def _search(ctx: Ctx, query: str) -> None:
    assert ctx.person is not None
    query = query[:100]
    lines_found, total = await overseas.search(ctx.session, scope_of(ctx.person), query, country_named(query),
                                               limit=RESULTS)  # fmt: skip
    audit.record(ctx.session, "overseas.searched", actor=ctx.person, object_type="overseas_register",
                 words=len(query.split()), results=total)  # the words may be a name: not kept  # fmt: skip
    nav = (Option("m:kieubao tim", ctx.t("Search again")), Option("m:kieubao", ctx.t("Register menu")))
    if not lines_found:
        ctx.say(ctx.t("No one matches “{query}” in your units.", query=query), rows=(nav,),
                typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip
        return
    if total > overseas.COUNTED:
        counted = ctx.i18n.number(overseas.COUNTED)
        text = [ctx.t("More than {total} records match “{query}”:", total=counted, query=query)]
    else:
        text = [ctx.t("{total} record(s) match “{query}”:", total=total, query=query)]
    rows: list[tuple[Option, ...]] = []
    for line in lines_found:  # the choices are the list: numbered on Zalo and the console, buttons on Telegram
        short = _short(ctx, line.id, line.full_name, line.birth_year, line.country)
        relative = ctx.t(" · relative: {name}", name=line.relative_name) if line.relative_name else ""
        rows.append((Option(f"m:kieubao xem {line.id}", short + relative),))
    if total > len(lines_found):
        text.append(ctx.t("Showing the first {shown}; type more of the name to narrow it down.", shown=len(rows)))
    rows.append(nav)
    ctx.say("\n".join(text), title=ctx.t("Search the register"), rows=tuple(rows),
            typed_hint=ctx.t("Type the number of a person to open their record."))  # fmt: skip


async def counts(ctx: Ctx, rest: str) -> None:
    assert ctx.person is not None
    scope = scope_of(ctx.person)
    by_country = await overseas.counts(ctx.session, scope, "country")
    total = sum(count for _, count in by_country)
    lines = [ctx.t("{total} person(s) in the register of your units.", total=ctx.i18n.number(total))]
    if total:
        lines.append(ctx.t("By country:"))
        lines.extend(f"• {country_name(code, ctx.i18n.language)}: {n}" for code, n in by_country[:10])
        if len(by_country) > 10:
            lines.append(ctx.t("• other countries: {count}", count=sum(n for _, n in by_country[10:])))
        lines.append(ctx.t("By occupation or group:"))
        lines.extend(
            f"• {choice_label('overseas_group', code, ctx.i18n) or ctx.t('(not given)')}: {n}"
            for code, n in await overseas.counts(ctx.session, scope, "group")
        )
        if ctx.person.role != Role.OFFICER:
            by_unit = await overseas.counts(ctx.session, scope, "unit")
            lines.append(ctx.t("By unit:"))
            lines.extend(f"• {name}: {n}" for name, n in by_unit[:15])
            if len(by_unit) > 15:
                lines.append(ctx.t("• other units: {count}", count=sum(n for _, n in by_unit[15:])))
    ctx.say("\n".join(lines), title=ctx.t("Overseas Vietnamese register"))
    await show_menu(ctx)


# ---- status and deletion ---------------------------------------------------------------------------------------------


async def change_status(ctx: Ctx, rest: str) -> None:
    record = await _record(ctx, rest)
    if record is not None:
        await ctx.services.start_form(ctx, STATUS_FORM.name, extra={"record": record.id})


async def status_submitted(ctx: Ctx, answers: dict[str, Any], state: dict[str, Any]) -> None:
    await _update(ctx, str(state["record"]), {"status": answers["status"]})


async def delete(ctx: Ctx, rest: str) -> None:
    record = await _record(ctx, rest)
    if record is not None:
        ctx.say(ctx.t("You are about to delete record #{id} ({name}).", id=record.id, name=record.full_name))
        await ctx.services.start_form(ctx, DELETE_FORM.name, extra={"record": record.id})


async def delete_submitted(ctx: Ctx, answers: dict[str, Any], state: dict[str, Any]) -> None:
    record = await _record(ctx, str(state["record"]))
    if record is None:
        return
    await overseas.erase(ctx.session, record, ctx.now)
    audit.record(ctx.session, "overseas.deleted", actor=ctx.person, object_type="overseas_record",
                 object_id=record.id, unit_id=record.unit_id, reason=answers["reason"])  # fmt: skip
    ctx.say(ctx.t("Record #{id} was deleted; its personal data is erased.", id=record.id))
    await show_menu(ctx)


SUBCOMMANDS: dict[str, SubCommand] = {
    "them": add,
    "add": add,
    "tim": search,
    "search": search,
    "xem": show_record,
    "open": show_record,
    "sua": edit,
    "edit": edit,
    "tinhtrang": change_status,
    "status": change_status,
    "xoa": delete,
    "delete": delete,
    "thongke": counts,
    "counts": counts,
    "mau": sheet_import.send_template,
    "template": sheet_import.send_template,
    "nhap": sheet_import.explain_import,
    "import": sheet_import.explain_import,
    "nhapxn": sheet_import.confirm_import,
    "nhaphuy": sheet_import.cancel_import,
    "capnhat": update_held,
    "themmoi": create_held,
    "bo": discard_held,
}


def register(registry: Registry) -> None:
    registry.add_command(
        Command(
            "kieubao",
            register_command,
            N_("Overseas Vietnamese register"),
            menu=N_("Overseas Vietnamese list"),
            menu_rank=30,
            aliases=("overseas",),
        )
    )
    registry.add_flow(Flow(OVERSEAS_FORM, save_record))
    registry.add_flow(Flow(STATUS_FORM, status_submitted))
    registry.add_flow(Flow(DELETE_FORM, delete_submitted))
    registry.add_flow(Flow(SEARCH_FORM, search_submitted))
    for name in ("gender", "overseas_group", "overseas_status", "yes_no"):
        registry.options[name] = static_options(name)
    registry.validators.update(not_before=not_before, needs_data_key=needs_data_key)
    for suffix in (".xlsx", ".xlsm", ".xls", ".csv"):
        registry.attachments[suffix] = sheet_import.receive_file
    for suffix in (".xlsx", ".xlsm"):
        registry.readers[suffix] = sheet_import.read_sheet
    sheet_import.register(registry)
