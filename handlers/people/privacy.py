"""Personal data, as the Law on Personal Data Protection (Law 91/2025/QH15) and Decree 356/2025/NĐ-CP ask: a notice
shown when a person joins and on /quyenriengtu; a person's own request from the chat (/quyenriengtu yeucau …), the
admins told; and for admins, ``caunoi privacy export|request|requests|close`` — everything held about one record or
person as a file (audited), and each request followed to its legal deadlines."""

from __future__ import annotations

import argparse
import json
import os
from datetime import date
from pathlib import Path

from bot.context import Ctx
from bot.engine.replies import READING_LIMIT, Reply
from bot.i18n import N_, I18n
from bot.notify import to_admins
from bot.registry import CliVerb, Command, Registry, Runtime, cli_actor
from storage import audit, privacy
from storage.models import PrivacyRequest
from storage.text import split_lines
from storage.types import utcnow

NOTICE = N_(
    "How Cầu Nối uses personal data (Law 91/2025/QH15 on personal data protection):\n"
    "• What: your name, unit, role and messenger accounts; the reports you file; for the register of overseas "
    "Vietnamese, the people's and their relatives' details that officers enter.\n"
    "• Why: the Fatherland Front's reporting and its work with overseas Vietnamese, and nothing else.\n"
    "• Who sees it: you; your unit's officers; the supervising officers above your unit; the administrators. Every "
    "look at a register record and every export is logged.\n"
    "• How long: kept while you work with the bot; temporary data (unfinished forms, files waiting to be imported, "
    "delivered messages) is removed on a fixed schedule.\n"
    "• Your rights: to know, see, correct or erase your data, to restrict or object to its processing, and to withdraw "
    "consent. Type /quyenriengtu yeucau followed by your request: it is answered within two working days."
)


SHORT_NOTICE = N_(
    "Cầu Nối keeps your name, unit, role, messenger accounts and reports for the Fatherland Front's work only "
    "(Law 91/2025/QH15). Who sees them, for how long, and your rights: /quyenriengtu."
)


def notice(i18n: I18n) -> Reply:
    """The first layer of the notice, shown when a person joins; the whole notice is one command away."""
    return Reply(text=i18n.t(SHORT_NOTICE), title=i18n.t("Personal data"))


def full_notice(i18n: I18n) -> list[Reply]:
    """The whole notice, in pages a phone shows at once."""
    pages = split_lines(i18n.t(NOTICE), READING_LIMIT - 40)
    return [Reply(text=page, title=i18n.t("Personal data") + (f" {number}/{len(pages)}" if len(pages) > 1 else ""),
                  reading=True) for number, page in enumerate(pages, start=1)]  # fmt: skip


async def privacy_command(ctx: Ctx, args: str) -> None:
    """/quyenriengtu: the notice; "/quyenriengtu yeucau <text>": a request about one's own data."""
    assert ctx.person is not None
    word, _, rest = args.strip().partition(" ")
    if word not in ("yeucau", "request"):
        ctx.replies.extend(full_notice(ctx.i18n))
        return
    if not rest.strip():
        ctx.say(ctx.t("Type /quyenriengtu yeucau followed by what you ask (to see, correct or erase your data …)."))
        return
    request = privacy.open_request(ctx.session, "person", ctx.person.id, "other", ctx.today, detail=rest.strip()[:2000],
                                   by=ctx.person.full_name)  # fmt: skip
    await ctx.session.flush()
    audit.record(ctx.session, "privacy.requested", actor=ctx.person, object_type="privacy_request",
                 object_id=request.id)  # fmt: skip
    await _tell_admins(ctx, request)
    ctx.say(ctx.t("Your request #{id} is recorded. You will be answered by {respond_by}; the request is to be done "
                  "by {complete_by}.", id=request.id, respond_by=ctx.i18n.date(request.respond_by),
                  complete_by=ctx.i18n.date(request.complete_by)))  # fmt: skip


async def _tell_admins(ctx: Ctx, request: PrivacyRequest) -> None:
    def build(i18n: I18n) -> Reply:
        return Reply(text=i18n.t("A personal data request (#{id}) from {name}: answer by {respond_by}, done by "
                                 "{complete_by}. See: caunoi privacy requests", id=request.id,
                                 name=ctx.person.full_name if ctx.person else "—",
                                 respond_by=i18n.date(request.respond_by), complete_by=i18n.date(request.complete_by)),
                     title=i18n.t("Personal data"))  # fmt: skip

    await to_admins(ctx.session, build, ctx.now)


# ---- command line ------------------------------------------------------------------------------------------------


def _subject(args: argparse.Namespace) -> tuple[str, int]:
    if (args.record is None) == (args.person is None):
        raise ValueError("give exactly one of --record N or --person ID")
    return ("record", args.record) if args.record is not None else ("person", args.person)


async def export(app: Runtime | None, args: argparse.Namespace) -> None:
    """Everything held about one subject, as a JSON file readable only by its owner; audited."""
    assert app is not None
    kind, subject_id = _subject(args)
    async with app.db.transaction() as session:
        data = await (privacy.record_data(session, subject_id, app.cipher) if kind == "record"
                      else privacy.person_data(session, subject_id))  # fmt: skip
        if data is None:
            raise ValueError(f"there is no {kind} #{subject_id}")
        audit.record(session, "privacy.exported", actor_label=cli_actor(), object_type=kind, object_id=subject_id)
    output = args.output or Path(f"du-lieu-ca-nhan-{kind}-{subject_id}.json")
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"exported_at": utcnow().isoformat(), **data}, handle, ensure_ascii=False, indent=1)
    print(f"{kind} #{subject_id}: written to {output} (readable by you only); the export is in the audit log")


async def request(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    kind, subject_id = _subject(args)
    received = date.fromisoformat(args.received) if args.received else utcnow().date()
    async with app.db.transaction() as session:
        made = privacy.open_request(session, kind, subject_id, args.kind, received, detail=args.detail,
                                    by=cli_actor())  # fmt: skip
        await session.flush()
        audit.record(session, "privacy.requested", actor_label=cli_actor(), object_type="privacy_request",
                     object_id=made.id, subject=f"{kind}:{subject_id}", kind=args.kind)  # fmt: skip
    print(f"request #{made.id} ({args.kind}, {kind} #{subject_id}) received {received}: answer by {made.respond_by}, "
          f"done by {made.complete_by}")  # fmt: skip


async def list_requests(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    today = utcnow().date()
    async with app.db.transaction() as session:
        found = await privacy.requests(session, open_only=not args.all)
    for item in found:
        late = " OVERDUE" if item.status == "open" and item.complete_by < today else (
            " ANSWER DUE" if item.status == "open" and item.respond_by <= today else "")  # fmt: skip
        print(
            f"#{item.id} {item.status}{late} {item.kind} {item.subject_type} #{item.subject_id} received "
            f"{item.received_on} answer by {item.respond_by} done by {item.complete_by} — {(item.detail or '')[:80]}"
        )
    if not found:
        print("no open personal data request" if not args.all else "no personal data request")


async def close(app: Runtime | None, args: argparse.Namespace) -> None:
    assert app is not None
    async with app.db.transaction() as session:
        item = await session.get(PrivacyRequest, args.id)
        if item is None:
            raise ValueError(f"there is no request #{args.id}")
        item.status, item.closed_at, item.closing_note = ("refused" if args.refused else "done"), utcnow(), args.note
        audit.record(session, "privacy.closed", actor_label=cli_actor(), object_type="privacy_request",
                     object_id=item.id, status=item.status)  # fmt: skip
    print(f"request #{args.id}: {item.status}")


def _subject_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--record", type=int, help="a record of the register of overseas Vietnamese")
    parser.add_argument("--person", type=int, help="a person who uses the bot")


def _export_options(parser: argparse.ArgumentParser) -> None:
    _subject_options(parser)
    parser.add_argument("--output", type=Path, help="file to write (default: du-lieu-ca-nhan-KIND-ID.json)")


def _request_options(parser: argparse.ArgumentParser) -> None:
    _subject_options(parser)
    parser.add_argument("--kind", required=True, choices=privacy.KINDS)
    parser.add_argument("--received", help="the day the request arrived (YYYY-MM-DD; default today)")
    parser.add_argument("--detail", help="what was asked")


def _list_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--all", action="store_true", help="closed ones too")


def _close_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", type=int)
    parser.add_argument("--note", required=True, help="what was done, or why it was refused")
    parser.add_argument("--refused", action="store_true")


def register(registry: Registry) -> None:
    registry.add_command(Command("quyenriengtu", privacy_command, N_("Personal data: how it is used, your requests"),
                                 aliases=("privacy",)))  # fmt: skip
    registry.add_cli_group("privacy", "personal data: a subject's data and requests (Law 91/2025/QH15)")
    registry.add_cli(CliVerb("privacy", "export", "everything held about one record or person, as a file",
                             export, _export_options))  # fmt: skip
    registry.add_cli(CliVerb("privacy", "request", "record a data subject's request, with its legal deadlines",
                             request, _request_options))  # fmt: skip
    registry.add_cli(CliVerb("privacy", "requests", "the requests and their deadlines", list_requests, _list_options))
    registry.add_cli(CliVerb("privacy", "close", "close a request: done, or refused with the reason", close,
                             _close_options))  # fmt: skip
