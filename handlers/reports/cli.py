"""``caunoi kinds``, ``schedule``, ``report summary``, ``export activities`` and ``reminders sweep``."""

from __future__ import annotations

import argparse
import base64
import json
import re
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.i18n import I18n
from bot.registry import CliVerb, Registry, Runtime, cli_actor
from handlers.reports.exports import activity_rows, to_csv, to_json
from handlers.reports.reminders import sweep
from handlers.reports.schedule_admin import describe
from handlers.reports.summary import cli_summary
from storage import activities, audit, schedules
from storage.models import ReportSchedule
from storage.periods import parse_deadline, parse_offsets
from storage.types import utcnow
from storage.units import require


async def kinds(app: Runtime | None, args: argparse.Namespace) -> None:
    """Edits reach running bots within their catalogue cache time (30 s)."""
    assert app is not None
    async with app.db.transaction() as session:
        if args.action == "list":
            for kind in await activities.all_kinds(session):
                state = "" if kind.active else "  (disabled)"
                print(f"{kind.sort_order:4d}  {kind.code:22s} {kind.name_vi} / {kind.name_en}{state}")
            return
        created = args.action == "add"
        if created and not re.fullmatch(r"[a-z0-9_]{2,48}", args.code):
            raise ValueError("a kind's code is 2-48 of a-z, 0-9 and _")
        if args.action in ("add", "rename"):
            kind = await activities.edit_kind(
                session, args.code, create=created, name_vi=args.vi, name_en=args.en, sort_order=args.order,
                short_vi=args.short_vi, short_en=args.short_en,
            )  # fmt: skip
        else:
            kind = await activities.set_kind_active(session, args.code, args.action == "enable")
        audit.record(session, f"kind.{args.action}", actor_label=cli_actor(), object_type="activity_kind",
                     object_id=kind.code, name_vi=kind.name_vi, name_en=kind.name_en, active=kind.active)  # fmt: skip
        print(f"{'added' if created else 'updated'}: {kind.code} {kind.name_vi} / {kind.name_en}"
              f"{'' if kind.active else ' (disabled)'}")  # fmt: skip


async def export_activities(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    rows = await activity_rows(app.db, args.unit, actor_label=cli_actor())
    text = to_csv(rows) if args.format == "csv" else to_json(rows)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"{len(rows)} activity report(s) written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


async def schedule(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    i18n = I18n(app.settings.default_language)
    actor = cli_actor()
    async with app.db.transaction() as session:
        if args.action == "list":
            for found in (await session.scalars(select(ReportSchedule).order_by(ReportSchedule.id))).all():
                print(f"{found.code:24s} {describe(i18n, found)}")
            return
        if args.action in ("disable", "enable"):
            changed = await schedules.save(
                session, args.code, create=False, now=utcnow(), active=args.action == "enable"
            )
            audit.record(session, f"schedule.{args.action}d", actor_label=actor, object_type="report_schedule",
                         object_id=changed.id)  # fmt: skip
            print(f"{args.action}d: {changed.code}")
            return
        rule = parse_deadline(args.deadline) if args.deadline else None
        root = (await require(session, args.unit)).id if args.unit else None
        saved = await schedules.save(
            session, args.code, create=args.action == "add", now=utcnow(), name=args.name, period_type=args.period,
            level=args.level, root_unit_id=root, plan_ref=args.plan,
            deadline_days_after=rule.days_after_end if rule else None, deadline_day=rule.day if rule else None,
            deadline_month=rule.month if rule else None,
            only_periods=[int(part) for part in args.only.replace(",", " ").split()] if args.only else None,
            remind_before=parse_offsets(args.before) if args.before else None,
            remind_after=parse_offsets(args.after) if args.after else None,
        )  # fmt: skip
        audit.record(session, f"schedule.{'created' if args.action == 'add' else 'changed'}", actor_label=actor,
                     object_type="report_schedule", object_id=saved.id)  # fmt: skip
        print(f"{'added' if args.action == 'add' else 'changed'}: {saved.code} {describe(i18n, saved)}")


async def summary(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    zone = ZoneInfo(app.settings.timezone)
    today = utcnow().astimezone(zone).date()
    async with app.db.transaction() as session:
        figures, documents = await cli_summary(session, args.unit, args.period, args.format, today, zone, cli_actor())
    if args.format == "json":
        text = json.dumps(figures.to_json(), ensure_ascii=False, indent=2, default=str) + "\n"
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return
    for document in documents:
        target = args.output or Path(document.filename)
        if args.output and len(documents) > 1:
            target = args.output.with_name(f"{args.output.stem}-{document.filename.rsplit('-', 1)[-1]}")
        target.write_bytes(base64.b64decode(document.content_b64))
        print(f"written: {target}", file=sys.stderr)


async def reminders(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    result = await sweep(app.db, app.settings, utcnow())
    print(f"reminders: {result.reminded_units} unit(s), {result.digests} digest(s), "
          f"{result.messages} message(s) queued for delivery by `caunoi run`")  # fmt: skip


def _kind_fields(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="short code, e.g. hoi_thao")
    parser.add_argument("--vi", help="Vietnamese name")
    parser.add_argument("--en", help="English name")
    parser.add_argument("--short-vi", help="Vietnamese short name for the choice screen (at most 48 characters)")
    parser.add_argument("--short-en", help="English short name for the choice screen (at most 48 characters)")
    parser.add_argument("--order", type=int, help="position in the list (smaller first)")


def _code(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code")


def _export_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument("--unit", help="only this unit and the units below it")
    parser.add_argument("--output", type=Path, help="write to a file instead of standard output")


def _schedule_fields(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="short code, e.g. dnnd-6thang")
    parser.add_argument("--name", help="the report's name, e.g. 'Báo cáo 6 tháng công tác đối ngoại nhân dân'")
    parser.add_argument("--period", choices=("month", "quarter", "half", "year"))
    parser.add_argument("--level", help="level of the units that report, e.g. commune")
    parser.add_argument("--unit", help="only units under this unit code (default: everywhere)")
    parser.add_argument("--deadline", help="day/month ('10/6') or days after the period ends ('15')")
    parser.add_argument("--only", help="only these periods of the year, e.g. '1' (first half)")
    parser.add_argument("--before", help="reminder days before the deadline (default 7,3,1,0)")
    parser.add_argument("--after", help="reminder days after the deadline (default 1,3)")
    parser.add_argument("--plan", help="the plan it comes from, e.g. 'Kế hoạch 183-KH/MTTW'")


def _summary_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unit", required=True, help="unit code: that unit and everything below it")
    parser.add_argument("--period", help="2026-H1, 2026-Q2, 2026-05 or 2026 (default: the period being reported)")
    parser.add_argument("--format", choices=("xlsx", "docx", "png", "json"), default="json")
    parser.add_argument("--output", type=Path, help="file to write (png: two charts, -hoat-dong and -tien-do)")


def register(registry: Registry) -> None:
    registry.add_cli_group("kinds", "the catalogue of activity kinds")
    registry.add_cli(CliVerb("kinds", "list", "every kind, active or not", kinds))
    registry.add_cli(CliVerb("kinds", "add", "add a kind", kinds, _kind_fields))
    registry.add_cli(CliVerb("kinds", "rename", "rename or reorder a kind", kinds, _kind_fields))
    for action in ("disable", "enable"):
        registry.add_cli(CliVerb("kinds", action, f"{action} a kind for new reports", kinds, _code))
    registry.add_cli_group("export", "export stored data")
    registry.add_cli(CliVerb("export", "activities", "activity reports", export_activities, _export_options))
    registry.add_cli_group("schedule", "report schedules: who reports what, how often, by when")
    registry.add_cli(CliVerb("schedule", "list", "every schedule", schedule))
    registry.add_cli(CliVerb("schedule", "add", "add a schedule", schedule, _schedule_fields))
    registry.add_cli(CliVerb("schedule", "edit", "change a schedule (only the options given)", schedule,
                             _schedule_fields))  # fmt: skip
    for action in ("disable", "enable"):
        registry.add_cli(CliVerb("schedule", action, f"{action} a schedule", schedule, _code))
    registry.add_cli_group("report", "compiled reports")
    registry.add_cli(CliVerb("report", "summary", "figures and files for a unit's subtree and a period (audited)",
                             summary, _summary_options))  # fmt: skip
    registry.add_cli_group("reminders", "the reminder scheduler")
    registry.add_cli(CliVerb("reminders", "sweep",
                             "work out and enqueue what is due now (`caunoi run` does this every minute)",
                             reminders))  # fmt: skip
