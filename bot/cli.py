"""The ``caunoi`` command: run the bot, the console demo, migrations, units, invites and exports."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import re
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import App
from bot.config import Settings
from bot.i18n import I18n
from storage.types import start_clock_at

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.models import Unit


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="caunoi", description="Cầu Nối: reporting bot for the Fatherland Front")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot on Telegram and/or Zalo (polling, or webhooks when their URLs are set)")
    demo = sub.add_parser("demo", help="chat with the bot in this terminal (no token needed)")
    demo.add_argument("--reset", action="store_true", help="start from an empty demo database")

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply all migrations")

    units = sub.add_parser("units", help="administrative units").add_subparsers(dest="action", required=True)
    vn = units.add_parser("import-vn", help="Vietnam's provinces and communes from the vietnam-provinces package")
    vn.add_argument("--province", help="only this province (name or code)")
    from_csv = units.add_parser("import-csv", help="units from a CSV file: code,name,level,parent_code")
    from_csv.add_argument("file", type=Path)

    invite = sub.add_parser("invite", help="invite codes").add_subparsers(dest="action", required=True)
    create = invite.add_parser("create", help="create single-use invite codes for a unit")
    create.add_argument("--unit", required=True, help="unit code")
    create.add_argument("--role", default="officer", choices=("officer", "supervisor", "admin"))
    create.add_argument("--count", type=int, default=1)

    kinds = sub.add_parser("kinds", help="the catalogue of activity kinds").add_subparsers(dest="action", required=True)
    kinds.add_parser("list", help="every kind, active or not")
    for action, text in (("add", "add a kind"), ("rename", "rename or reorder a kind")):
        edit = kinds.add_parser(action, help=text)
        edit.add_argument("code", help="short code, e.g. hoi_thao")
        edit.add_argument("--vi", help="Vietnamese name")
        edit.add_argument("--en", help="English name")
        edit.add_argument("--order", type=int, help="position in the list (smaller first)")
    for action in ("disable", "enable"):
        kinds.add_parser(action, help=f"{action} a kind for new reports").add_argument("code")

    export = sub.add_parser("export", help="export stored data").add_subparsers(dest="action", required=True)
    activities = export.add_parser("activities", help="activity reports")
    activities.add_argument("--format", choices=("csv", "json"), default="csv")
    activities.add_argument("--unit", help="only this unit and the units below it")
    activities.add_argument("--output", type=Path, help="write to a file instead of standard output")
    register = export.add_parser("kieubao", help="the register of overseas Vietnamese (personal data: audited)")
    register.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    register.add_argument("--unit", help="only this unit and the units below it")
    register.add_argument("--output", type=Path, help="file to write (default: kieubao-<unit>.<format>)")

    overseas = sub.add_parser("kieubao", help="the register of overseas Vietnamese").add_subparsers(
        dest="action", required=True
    )
    template = overseas.add_parser("template", help="write the empty Excel template")
    template.add_argument("--output", type=Path, default=Path("mau-danh-sach-kieu-bao.xlsx"))
    load = overseas.add_parser("import", help="check an Excel list and, with --yes, import it into a unit")
    load.add_argument("file", type=Path)
    load.add_argument("--unit", required=True, help="unit code the people belong to")
    load.add_argument("--yes", action="store_true", help="import the valid rows (without it: only check)")

    schedule = sub.add_parser("schedule", help="report schedules: who reports what, how often, by when").add_subparsers(
        dest="action", required=True
    )
    schedule.add_parser("list", help="every schedule")
    for action, text in (("add", "add a schedule"), ("edit", "change a schedule (only the options given)")):
        edit = schedule.add_parser(action, help=text)
        edit.add_argument("code", help="short code, e.g. dnnd-6thang")
        edit.add_argument("--name", help="the report's name, e.g. 'Báo cáo 6 tháng công tác đối ngoại nhân dân'")
        edit.add_argument("--period", choices=("month", "quarter", "half", "year"))
        edit.add_argument("--level", help="level of the units that report, e.g. commune")
        edit.add_argument("--unit", help="only units under this unit code (default: everywhere)")
        edit.add_argument("--deadline", help="day/month ('10/6') or days after the period ends ('15')")
        edit.add_argument("--only", help="only these periods of the year, e.g. '1' (first half)")
        edit.add_argument("--before", help="reminder days before the deadline (default 7,3,1,0)")
        edit.add_argument("--after", help="reminder days after the deadline (default 1,3)")
        edit.add_argument("--plan", help="the plan it comes from, e.g. 'Kế hoạch 183-KH/MTTW'")
    for action in ("disable", "enable"):
        schedule.add_parser(action, help=f"{action} a schedule").add_argument("code")
    report = sub.add_parser("report", help="compiled reports").add_subparsers(dest="action", required=True)
    summary = report.add_parser("summary", help="figures and files for a unit's subtree and a period (audited)")
    summary.add_argument("--unit", required=True, help="unit code: that unit and everything below it")
    summary.add_argument("--period", help="2026-H1, 2026-Q2, 2026-05 or 2026 (default: the period being reported)")
    summary.add_argument("--format", choices=("xlsx", "docx", "png", "json"), default="json")
    summary.add_argument("--output", type=Path, help="file to write (png: two charts, -hoat-dong and -tien-do)")
    plan = sub.add_parser("plan", help="plans and directives").add_subparsers(dest="action", required=True)
    parse = plan.add_parser("parse", help="read a plan (.txt, .docx) and print its structure; nothing is saved")
    parse.add_argument("file", type=Path)
    parse.add_argument("--format", choices=("json", "text"), default="json")
    load_plan = plan.add_parser("import", help="read a plan and publish it (for /kehoach)")
    load_plan.add_argument("file", type=Path)
    load_plan.add_argument("--schedules", action="store_true", help="turn its commune deadlines into report schedules")
    load_plan.add_argument("--unit", help="unit code the schedules cover (default: everywhere)")

    broadcast = sub.add_parser("broadcast", help="messages to many people, with receipts").add_subparsers(
        dest="action", required=True
    )
    send = broadcast.add_parser("send", help="send a message (and optionally a file) to an audience")
    send.add_argument("--unit", help="everyone in this unit's subtree (default: everyone)")
    send.add_argument("--level", help="only people in units of this level, e.g. commune")
    send.add_argument("--role", choices=("officer", "supervisor", "admin"), help="only people with this role")
    send.add_argument("--text", required=True)
    send.add_argument("--file", type=Path, help="a document to attach (plans, forms)")
    send.add_argument("--dry-run", action="store_true", help="only count the recipients")
    status = broadcast.add_parser("status", help="sent / failed / unreachable / acknowledged, and who has not")
    status.add_argument("id", type=int)
    resend = broadcast.add_parser("resend", help="send again to those who have not acknowledged")
    resend.add_argument("id", type=int)

    reminders = sub.add_parser("reminders", help="the reminder scheduler").add_subparsers(dest="action", required=True)
    reminders.add_parser("sweep", help="work out and enqueue what is due now (`caunoi run` does this every minute)")

    datakey = sub.add_parser("datakey", help="the key that encrypts notes").add_subparsers(dest="action", required=True)
    datakey.add_parser("new", help="print a new key for CAUNOI_DATA_KEY")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    start_clock_at(settings.clock_start)
    log_format = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    if args.command == "demo":  # the terminal is the chat: logs go to a file, never into the conversation
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        logging.basicConfig(
            level=settings.log_level.upper(), format=log_format, filename=settings.data_dir / "demo.log"
        )
    else:
        logging.basicConfig(level=settings.log_level.upper(), format=log_format, stream=sys.stderr)
    if logging.getLogger().level > logging.DEBUG:  # a line per migration step on every command is noise
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return asyncio.run(_dispatch(args, settings)) or 0
    except ValueError as error:
        print(f"caunoi: {error}", file=sys.stderr)
        return 2


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int | None:
    if args.command == "run":
        from bot.runtime import run_bot

        await run_bot(settings)
        return 0
    if args.command == "demo":
        return await _demo(settings, reset=args.reset)
    if args.command == "plan" and args.action == "parse":
        return _parse_plan(args)
    if args.command == "datakey":
        from storage.crypto import new_key

        print(new_key())
        return 0
    app = App(settings)
    try:
        await app.migrate()
        if args.command == "db":
            print("database is at the latest schema")
        elif args.command == "invite":
            await _invite(app, settings, args)
        else:
            await {
                "units": _units, "kinds": _kinds, "export": _export, "kieubao": _overseas, "schedule": _schedule,
                "report": _report, "plan": _plan, "broadcast": _broadcast, "reminders": _reminders,
            }[args.command](app, args)  # fmt: skip
    finally:
        await app.close()
    return 0


async def _demo(settings: Settings, *, reset: bool) -> int:
    from bot.channels.console import ConsoleChat, ConsoleSender, interactive
    from bot.demo import DEMO_USER, prepare_demo

    path = settings.data_dir / "demo.sqlite3"
    if reset:
        _remove_sqlite(path)
    url = settings.database_url or settings.sqlite_url(path.name)
    if settings.data_key is None:  # the demo keeps its own key beside its database, so notes can be tried
        from pydantic import SecretStr

        from storage.crypto import new_key

        key_file = settings.data_dir / "demo.key"
        if reset or not key_file.exists():
            key_file.write_text(new_key() + "\n", encoding="utf-8")
        settings.data_key = SecretStr(key_file.read_text(encoding="utf-8").strip())
    app = App(settings, database_url=url)
    app.add_sender(ConsoleSender(write=lambda _chat, text: print("\n" + text), files=settings.data_dir / "files"))
    try:
        print("Đang chuẩn bị dữ liệu mẫu (tỉnh, xã/phường thật)…", flush=True)
        await prepare_demo(app)
        banner = (
            "Cầu Nối — trò chuyện thử trong cửa sổ dòng lệnh / console demo.\n"
            f"Cơ sở dữ liệu: {url}\n"
            "Gõ số hoặc chữ để chọn; /baocao báo cáo hoạt động; /kieubao danh sách kiều bào; "
            "'!photo tên.jpg' gửi ảnh; '!file đường/dẫn.xlsx' gửi tệp; /thoat để thoát."
        )
        await interactive(app, ConsoleChat(app, DEMO_USER), banner)
    finally:
        await app.close()
    return 0


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def _units(app: App, args: argparse.Namespace) -> None:
    from storage.unit_sources import csv_units, vietnam_units
    from storage.units import upsert_units

    rows = list(vietnam_units(args.province)) if args.action == "import-vn" else csv_units(args.file)
    async with app.db.transaction() as session:
        result = await upsert_units(session, rows)
    print(f"units: {result.created} created, {result.updated} updated, {result.unchanged} unchanged")


async def _unit(session: AsyncSession, code: str) -> Unit:
    """The unit with this code, or an error that says what to do (the CLI prints it; no traceback)."""
    from storage.units import by_code

    unit = await by_code(session, code)
    if unit is None:
        raise ValueError(f"unknown unit code {code!r}; import units first (caunoi units import-vn)")
    return unit


async def _invite(app: App, settings: Settings, args: argparse.Namespace) -> None:
    from storage import audit
    from storage.people import Role, create_invite, display_code
    from storage.types import utcnow

    async with app.db.transaction() as session:
        unit = await _unit(session, args.unit)
        ttl = timedelta(hours=settings.invite_ttl_hours)
        for _ in range(max(1, args.count)):
            new = await create_invite(session, unit, Role(args.role), utcnow(), ttl)
            audit.record(
                session,
                "invite.created",
                actor_label=f"cli:{getpass.getuser()}",
                object_type="unit",
                object_id=unit.code,
                role=args.role,
            )
            link = (
                f"  https://t.me/{settings.telegram_bot_username}?start={new.code}"
                if settings.telegram_bot_username
                else ""
            )
            print(
                f"{display_code(new.code)}  {unit.code} {unit.name}  {args.role}  "
                f"expires {new.invite.expires_at:%Y-%m-%d %H:%M} UTC{link}"
            )


async def _kinds(app: App, args: argparse.Namespace) -> None:
    """Edits reach running bots within their catalogue cache time (30 s)."""
    from storage import activities, audit

    actor = f"cli:{getpass.getuser()}"
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
                session, args.code, create=created, name_vi=args.vi, name_en=args.en, sort_order=args.order
            )
        else:
            kind = await activities.set_kind_active(session, args.code, args.action == "enable")
        audit.record(session, f"kind.{args.action}", actor_label=actor, object_type="activity_kind",
                     object_id=kind.code, name_vi=kind.name_vi, name_en=kind.name_en, active=kind.active)  # fmt: skip
        print(f"{'added' if created else 'updated'}: {kind.code} {kind.name_vi} / {kind.name_en}"
              f"{'' if kind.active else ' (disabled)'}")  # fmt: skip


async def _overseas(app: App, args: argparse.Namespace) -> None:
    from handlers.overseas_import import import_rows, report, stage
    from handlers.overseas_sheet import template
    from storage.overseas import Actor
    from storage.types import utcnow

    if args.action == "template":
        args.output.write_bytes(template())
        print(f"template written to {args.output}")
        return
    i18n = I18n(app.settings.default_language)
    actor = Actor(None, f"cli:{getpass.getuser()}")
    async with app.db.transaction() as session:
        unit = await _unit(session, args.unit)
        now = utcnow()
        today = now.astimezone(ZoneInfo(app.settings.timezone)).date()
        staged = await stage(session, unit.id, args.file.read_bytes(), today, can_encrypt=app.cipher.available)
        print(report(staged, args.file.name, i18n, shown=None))
        if staged.checked.fatal:
            raise ValueError("nothing imported")
        if not args.yes:
            print("(checked only; add --yes to import the valid rows)")
            return
        added = await import_rows(session, unit.id, staged.new_rows, cipher=app.cipher, actor=actor, now=now,
                                  filename=args.file.name)  # fmt: skip
    print(f"{added} record(s) imported into {unit.code} {unit.name}")


async def _export(app: App, args: argparse.Namespace) -> None:
    if args.action == "kieubao":
        await _export_register(app, args)
        return
    from bot.exports import activity_rows, to_csv, to_json

    rows = await activity_rows(app.db, args.unit, actor_label=f"cli:{getpass.getuser()}")
    text = to_csv(rows) if args.format == "csv" else to_json(rows)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"{len(rows)} activity report(s) written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


async def _export_register(app: App, args: argparse.Namespace) -> None:
    from bot.exports import register_rows, register_to_csv
    from handlers.overseas_sheet import workbook

    rows = await register_rows(app.db, app.cipher, args.unit, actor_label=f"cli:{getpass.getuser()}")
    output = args.output or Path(f"kieubao-{args.unit or 'tat-ca'}.{args.format}")
    if args.format == "xlsx":
        output.write_bytes(workbook(rows))
    else:
        output.write_text(register_to_csv(rows), encoding="utf-8")
    print(f"{len(rows)} record(s) written to {output}", file=sys.stderr)


async def _schedule(app: App, args: argparse.Namespace) -> None:
    from bot.periods import parse_deadline, parse_offsets
    from handlers.schedule_admin import describe
    from storage import audit, schedules
    from storage.models import ReportSchedule
    from storage.types import utcnow

    i18n = I18n(app.settings.default_language)
    actor = f"cli:{getpass.getuser()}"
    async with app.db.transaction() as session:
        if args.action == "list":
            for schedule in (await session.scalars(select(ReportSchedule).order_by(ReportSchedule.id))).all():
                print(f"{schedule.code:24s} {describe(i18n, schedule)}")
            return
        if args.action in ("disable", "enable"):
            schedule = await schedules.save(
                session, args.code, create=False, now=utcnow(), active=args.action == "enable"
            )
            audit.record(session, f"schedule.{args.action}d", actor_label=actor, object_type="report_schedule",
                         object_id=schedule.id)  # fmt: skip
            print(f"{args.action}d: {schedule.code}")
            return
        rule = parse_deadline(args.deadline) if args.deadline else None
        root = (await _unit(session, args.unit)).id if args.unit else None
        schedule = await schedules.save(
            session, args.code, create=args.action == "add", now=utcnow(), name=args.name, period_type=args.period,
            level=args.level, root_unit_id=root, plan_ref=args.plan,
            deadline_days_after=rule.days_after_end if rule else None, deadline_day=rule.day if rule else None,
            deadline_month=rule.month if rule else None,
            only_periods=[int(part) for part in args.only.replace(",", " ").split()] if args.only else None,
            remind_before=parse_offsets(args.before) if args.before else None,
            remind_after=parse_offsets(args.after) if args.after else None,
        )  # fmt: skip
        audit.record(session, f"schedule.{'created' if args.action == 'add' else 'changed'}", actor_label=actor,
                     object_type="report_schedule", object_id=schedule.id)  # fmt: skip
        print(f"{'added' if args.action == 'add' else 'changed'}: {schedule.code} {describe(i18n, schedule)}")


async def _report(app: App, args: argparse.Namespace) -> None:
    import base64
    import json

    from handlers.summary import cli_summary
    from storage.types import utcnow

    zone = ZoneInfo(app.settings.timezone)
    today, actor = utcnow().astimezone(zone).date(), f"cli:{getpass.getuser()}"
    async with app.db.transaction() as session:
        summary, documents = await cli_summary(session, args.unit, args.period, args.format, today, zone, actor)
    if args.format == "json":
        text = json.dumps(summary.to_json(), ensure_ascii=False, indent=2, default=str) + "\n"
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


def _parse_plan(args: argparse.Namespace) -> int:
    import json

    from bot.plan_reader import read_plan
    from handlers.plans import document_text

    plan = read_plan(document_text(args.file.name, args.file.read_bytes()))
    if args.format == "json":
        print(json.dumps(plan.to_json(), ensure_ascii=False, indent=2))
        return 0
    print(f"{plan.doc_type or '?'} {plan.number or ''} {plan.place or ''} {plan.issued_on or ''}\n{plan.title}")
    for section in plan.sections_flat():
        print(f"{'  ' * (section.level - 1)}{section.number} {section.title[:100]}")
    for excerpt in plan.excerpts:
        print(f"→ {excerpt.addressee} {excerpt.levels}: " + ", ".join(str(d.on) for d in excerpt.deadlines))
    for found in plan.dates:
        print(f"  {found.kind:9s} {found.on or found.rhythm}  « {found.sentence[:90]} »")
    return 0


async def _plan(app: App, args: argparse.Namespace) -> None:
    from handlers.plans import confirm, document_text, stage
    from storage import audit
    from storage.types import utcnow

    text = document_text(args.file.name, args.file.read_bytes())
    async with app.db.transaction() as session:
        root = (await _unit(session, args.unit)).id if args.unit else None
        plan = await stage(session, args.file.name, text, root, None, utcnow())
        made = await confirm(session, plan, with_schedules=args.schedules, root_unit_id=root, now=utcnow())
        audit.record(session, "plan.saved", actor_label=f"cli:{getpass.getuser()}", object_type="plan",
                     object_id=plan.id, schedules=len(made))  # fmt: skip
    print(f"plan #{plan.id} published: {plan.title[:100]}")
    for name in made:
        print(f"schedule: {name}")


async def _broadcast(app: App, args: argparse.Namespace) -> None:
    from bot import broadcasts
    from storage.types import utcnow

    actor = f"cli:{getpass.getuser()}"
    async with app.db.transaction() as session:
        if args.action == "status":
            print(await broadcasts.status_text(session, args.id, I18n(app.settings.default_language)))
            return
        if args.action == "resend":
            count = await broadcasts.resend(session, args.id, utcnow())
            print(f"sent again to {count} person(s) who have not acknowledged")
            return
        audience = await broadcasts.Audience.from_codes(session, args.unit, args.level, args.role)
        people = await broadcasts.recipients(session, audience)
        if args.dry_run:
            print(f"{len(people)} person(s) would receive it")
            return
        document = broadcasts.attach(args.file.name, args.file.read_bytes()) if args.file else None
        sent = await broadcasts.send(session, audience, people, args.text, document, sender_id=None,
                                     sender_label=actor, now=utcnow())  # fmt: skip
    print(f"broadcast #{sent.id}: {len(people)} recipient(s) queued; `caunoi run` delivers them")


async def _reminders(app: App, args: argparse.Namespace) -> None:
    from bot.reminders import sweep
    from storage.types import utcnow

    result = await sweep(app.db, app.settings, utcnow())
    print(f"reminders: {result.reminded_units} unit(s), {result.digests} digest(s), "
          f"{result.messages} message(s) queued for delivery by `caunoi run`")  # fmt: skip
