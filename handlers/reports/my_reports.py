"""/cuatoi: an officer's own activity reports — listed, opened, and corrected within ``CAUNOI_CORRECTION_DAYS`` of
sending. A correction goes through the same form and review as the report did; every change is kept with who and
when, and when the report had already been counted in a periodic report, the supervisors above the unit are told."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.context import Ctx
from bot.engine.countries import country_name
from bot.engine.forms import Form
from bot.engine.kinds import with_note
from bot.engine.replies import Option, Reply
from bot.i18n import N_, I18n
from bot.notify import EVERGREEN, to_units
from bot.registry import Command, Registry
from handlers.reports.kinds import kind_names
from storage import activities, audit, periodic, schedules
from storage.models import ActivityReport, Unit
from storage.people import Role
from storage.periods import period_containing
from storage.text import record_id
from storage.types import VIETNAM

CORRECTING = "correcting"  # in the activity form's draft: the id of the sent report being corrected
LISTED = 8


async def my_reports_command(ctx: Ctx, args: str) -> None:
    """/cuatoi: the latest reports; "/cuatoi N" opens one; "/cuatoi sua N" corrects it."""
    word, _, rest = args.strip().partition(" ")
    if word in ("sua", "sửa", "edit"):
        await start_correction(ctx, rest)
        return
    if word:
        await show_report(ctx, word if word not in ("xem", "open") else rest)
        return
    assert ctx.person is not None
    reports = await activities.recent_by_reporter(ctx.session, ctx.person.id, limit=LISTED)
    if not reports:
        ctx.say(ctx.t("You have not reported any activity yet. Type /baocao to report one."))
        await ctx.services.reshow_form(ctx)
        return
    rows = tuple(
        (Option(f"m:cuatoi {report.id}", f"#{report.id} · {ctx.i18n.date(report.activity_date)} · "
                                         + (report.title if len(report.title) <= 40 else report.title[:39] + "…")),)
        for report in reports
    )  # fmt: skip
    ctx.say(ctx.t("Your latest reports: choose one to open (and correct) it."), title=ctx.t("My reports"), rows=rows,
            typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip
    await ctx.services.reshow_form(ctx)


async def _own(ctx: Ctx, text: str) -> ActivityReport | None:
    """The person's own report with that id, or None (said so): a report is opened by its reporter only."""
    wanted = record_id(text)
    report = await ctx.session.get(ActivityReport, wanted) if wanted is not None else None
    if report is None or ctx.person is None or report.reporter_id != ctx.person.id:
        ctx.say(ctx.t("You have no report #{id}.", id=text.strip()[:12] or "—"))
        return None
    return report


def _open_until(ctx: Ctx, report: ActivityReport) -> date | None:
    """The last day the reporter may correct the report, or None when corrections are off."""
    days = ctx.settings.correction_days
    if days <= 0:
        return None
    return report.created_at.astimezone(VIETNAM).date() + timedelta(days=days)


def _still_open(ctx: Ctx, report: ActivityReport) -> bool:
    """Whether the reporter may still correct the report (said to them when not)."""
    until = _open_until(ctx, report)
    if until is not None and ctx.today <= until:
        return True
    ctx.say(ctx.t("Report #{id} can no longer be corrected here; ask the Front committee above you if it must "
                  "change.", id=report.id))  # fmt: skip
    return False


async def show_report(ctx: Ctx, text: str) -> None:
    report = await _own(ctx, text)
    if report is None:
        return
    i18n, t = ctx.i18n, ctx.t
    names = {code: short for code, _name, short in await kind_names(ctx, i18n)}
    lines = [
        f"{i18n.date(report.activity_date)} · {names.get(report.kind_code, report.kind_code)}",
        report.title,
        t("Place: {place}", place=report.place or "—"),
        t("{count} participants", count=with_note(i18n.number(report.participants), report.participants_note, i18n))
        + (t(", of whom {count} foreigners or overseas Vietnamese", count=i18n.number(report.foreign_participants))
           if report.foreign_participants else ""),
    ]  # fmt: skip
    if report.partner_country:
        partner = country_name(report.partner_country, i18n.language)
        lines.append(t("Partner: {partner}", partner=", ".join(p for p in (partner, report.partner_org) if p)))
    if report.money_vnd:
        lines.append(t("Mobilised: {money}", money=i18n.money(report.money_vnd)))
    if report.photos:
        lines.append(t("{count} photo(s)", count=len(report.photos)))
    if report.description:
        lines.append(report.description[:200] + ("…" if len(report.description) > 200 else ""))
    changes = await activities.history(ctx.session, report.id)
    if changes:
        lines.append(t("Corrected {count} time(s), last on {date}.", count=len(changes),
                       date=i18n.date(changes[-1].at.astimezone(VIETNAM).date())))  # fmt: skip
    rows: list[tuple[Option, ...]] = []
    until = _open_until(ctx, report)
    if until is not None and ctx.today <= until:
        rows.append((Option(f"m:cuatoi sua {report.id}", t("✏️ Correct it")),))
        lines.append(t("You can correct it until {date}.", date=i18n.date(until)))
    rows.append((Option("m:cuatoi", t("Back to my reports")),))
    ctx.say("\n".join(lines), title=t("Report #{id}", id=report.id), rows=tuple(rows), reading=True,
            typed_hint=t("Type the number of your choice, or its name."))  # fmt: skip


async def start_correction(ctx: Ctx, text: str) -> None:
    """The sent report, opened in the activity form at its review: the officer changes what is wrong and confirms."""
    report = await _own(ctx, text)
    if report is None:
        return
    if not _still_open(ctx, report):
        return
    await ctx.services.start_form(ctx, "activity", answers=activities.answers_of(report),
                                  extra={CORRECTING: report.id, "details": False})  # fmt: skip


async def save_correction(ctx: Ctx, report_id: int, answers: dict[str, Any], form: Form) -> None:
    """Applies a confirmed correction (checked again: still the reporter's, still within the window), keeps it in
    the report's history, and tells the supervisors when the report had already been counted."""
    report = await _own(ctx, str(report_id))
    if report is None:
        return
    if not _still_open(ctx, report):
        return
    old_date = report.activity_date
    assert ctx.person is not None
    changes = await activities.correct_report(ctx.session, report, answers, actor_id=ctx.person.id, now=ctx.now)
    if not changes:
        ctx.say(ctx.t("Nothing changed in report #{id}.", id=report.id))
        await ctx.services.show_menu(ctx)
        return
    audit.record(ctx.session, "activity.corrected", actor=ctx.person, object_type="activity_report",
                 object_id=report.id, unit_id=report.unit_id, fields=sorted(changes))  # fmt: skip
    counted = await _counted_in(ctx, report.unit_id, {old_date, report.activity_date})
    labels = [step.label for name in sorted(changes) if (step := form.step(name)) is not None]
    told = await _tell_supervisors(ctx, report, counted, labels) if counted else 0
    ctx.say(ctx.t("Report #{id} corrected ({count} change(s)).", id=report.id, count=len(changes))
            + (" " + ctx.t("It had been counted in {reports}; the supervisors were told.", reports="; ".join(counted))
               if told else ""))  # fmt: skip
    await ctx.services.show_menu(ctx)


async def _counted_in(ctx: Ctx, unit_id: int, days: set[date]) -> list[str]:
    """The periodic reports of the unit, already submitted, whose period holds one of those days."""
    unit = await ctx.session.get(Unit, unit_id)
    found: list[str] = []
    if unit is None:
        return found
    for schedule in await schedules.active(ctx.session):
        if not await schedules.covers(ctx.session, schedule, unit):
            continue
        for period in {period_containing(schedule.period_type, day) for day in days}:
            filed = await periodic.find(ctx.session, schedule.id, period.key, unit.id)
            if filed is not None and filed.status != "returned":
                found.append(f"{schedule.name} — {period.label(ctx.i18n)}")
    return sorted(found)


async def _tell_supervisors(ctx: Ctx, report: ActivityReport, counted: list[str], fields: list[str]) -> int:
    unit = await ctx.session.get(Unit, report.unit_id)
    above: list[int] = []
    while unit is not None and unit.parent_id is not None:
        above.append(unit.parent_id)
        unit = await ctx.session.get(Unit, unit.parent_id)
    reporter = ctx.person.full_name if ctx.person else "—"

    def notice(i18n: I18n) -> Reply:
        text = i18n.t("{name} corrected activity report #{id} ({fields}), which had been counted in {reports}.",
                      name=reporter, id=report.id, fields=", ".join(i18n.t(f).lower() for f in fields),
                      reports="; ".join(counted))  # fmt: skip
        return Reply(text=text, screen=EVERGREEN)

    return await to_units(ctx.session, above, (Role.SUPERVISOR.value,), notice, ctx.now,
                          every_messenger=ctx.settings.notify_every_messenger)  # fmt: skip


def register(registry: Registry) -> None:
    registry.add_command(
        Command(
            "cuatoi",
            my_reports_command,
            N_("My recent reports: open and correct them"),
            menu=N_("My reports"),
            menu_rank=11,
            aliases=("mine",),
        )
    )
