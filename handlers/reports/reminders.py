"""The reminder sweep: run every minute by every worker, it works out what is due now and enqueues it once.

Nothing is scheduled ahead in memory or in the outbox: each sweep recomputes from the schedules and the submitted
reports, so a changed schedule or a new submission takes effect at once. The ``reminder_log`` unique key
(schedule, period, unit, kind, deadline) is claimed in the same transaction as the outbox rows, so two workers, a
restart or a clock jumping back cannot send a reminder twice. Sweeps do nothing at night (21:00–07:00 local by
default): what fell due at night goes out with the first sweep of the morning.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.engine.replies import Option, Reply
from bot.i18n import I18n, i18n_for
from bot.notify import EVERGREEN, days_left, is_quiet, write
from bot.registry import Periodic, Registry, Runtime
from storage import audit, schedules
from storage.db import Database
from storage.models import Person, ReminderLog, ReportSchedule
from storage.periods import Period, due_offset, periods_in_window

log = logging.getLogger(__name__)

DIGEST_LISTED = 25


@dataclass
class SweepResult:
    reminded_units: int = 0
    digests: int = 0
    messages: int = 0


async def sweep(db: Database, settings: Settings, now: datetime) -> SweepResult:
    """One pass over every active schedule; each schedule in its own transaction."""
    result = SweepResult()
    zone = ZoneInfo(settings.timezone)
    local = now.astimezone(zone)
    if is_quiet(settings, local):
        return result
    today = local.date()
    async with db.transaction() as session:
        ids = [schedule.id for schedule in await schedules.active(session)]
    for schedule_id in ids:
        async with db.transaction() as session:
            schedule = await session.get(ReportSchedule, schedule_id)
            if schedule is None or not schedule.active:
                continue
            await _sweep_schedule(session, schedule, today, now, result, settings.notify_every_messenger)
    return result


async def _sweep_schedule(
    session: AsyncSession, schedule: ReportSchedule, today: date, now: datetime, result: SweepResult,
    every_messenger: bool,
) -> None:  # fmt: skip
    before, after = schedule.remind_before or [0], schedule.remind_after or []
    window = periods_in_window(schedule.period_type, schedules.rule_of(schedule), today,
                               days_before=max(before, default=0), days_after=max(after, default=0) + 1)  # fmt: skip
    for period, deadline in window:
        if not schedules.applies(schedule, period) or period.start > today:
            continue  # a period that has not begun cannot be filed yet, however early its reminders start
        kind = due_offset(deadline, today, before, after)
        if kind is None:
            continue
        expected = await schedules.expected_units(session, schedule)
        done = await schedules.reports_for(session, schedule.id, period.key)
        late = [unit for unit in expected if unit.id not in done or done[unit.id].status not in schedules.DONE]
        sent = await remind(session, schedule, period, deadline, [unit.id for unit in late], kind, today, now,
                            every_messenger=every_messenger)  # fmt: skip
        result.reminded_units += sent.units
        result.messages += sent.messages
        if kind == "0" or kind.startswith("+"):
            digests = await digest(session, schedule, period, deadline, expected, done, "digest" + kind, today, now,
                                   every_messenger=every_messenger)  # fmt: skip
            result.digests += digests.units
            result.messages += digests.messages


@dataclass
class Sent:
    units: int = 0
    messages: int = 0


async def claim(
    session: AsyncSession, schedule: ReportSchedule, period: Period, deadline: date, unit_ids: list[int], kind: str,
    now: datetime,
) -> list[int]:  # fmt: skip
    """Inserts the log rows that do not exist yet and returns their units: exactly these may be messaged."""
    if not unit_ids:
        return []
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    claimed: list[int] = []
    for start in range(0, len(unit_ids), 1000):
        rows = [
            {"schedule_id": schedule.id, "period_key": period.key, "unit_id": unit_id, "kind": kind,
             "deadline": deadline, "created_at": now, "recipients": 0}
            for unit_id in unit_ids[start : start + 1000]
        ]  # fmt: skip
        statement = insert(ReminderLog).values(rows).on_conflict_do_nothing().returning(ReminderLog.unit_id)
        claimed.extend((await session.scalars(statement)).all())
    return claimed


async def unclaimed(
    session: AsyncSession, schedule: ReportSchedule, period: Period, deadline: date, unit_ids: Iterable[int], kind: str
) -> list[int]:
    """The units not yet reminded: a read, so a sweep with nothing new to send takes no write lock."""
    done = set(
        (
            await session.scalars(
                select(ReminderLog.unit_id).where(
                    ReminderLog.schedule_id == schedule.id, ReminderLog.period_key == period.key,
                    ReminderLog.kind == kind, ReminderLog.deadline == deadline,
                )
            )
        ).all()
    )  # fmt: skip
    return [unit_id for unit_id in unit_ids if unit_id not in done]


def officer_reminder(i18n: I18n, schedule: ReportSchedule, period: Period, deadline: date, today: date) -> Reply:
    text = i18n.t(
        "{report} — {period}: due {deadline} ({when}). Your unit has not submitted it yet. Type /baocaoky to file it.",
        report=schedule.name, period=period.label(i18n), deadline=i18n.date(deadline),
        when=days_left(i18n, deadline, today),
    )  # fmt: skip
    button = Option(f"m:baocaoky {schedule.id} {period.key}", i18n.t("File the report now"))
    return Reply(text=text, title=i18n.t("Reminder"), rows=((button,),), screen=EVERGREEN)


async def remind(
    session: AsyncSession, schedule: ReportSchedule, period: Period, deadline: date, unit_ids: list[int], kind: str,
    today: date, now: datetime, *, every_messenger: bool = False,
) -> Sent:  # fmt: skip
    """The reminder to the reachable officers of each unit not yet reminded (``kind`` and deadline)."""
    return await _claim_and_write(
        session, schedule, period, deadline, unit_ids, kind, ("officer",), now, every_messenger,
        lambda person: officer_reminder(i18n_for(person.language), schedule, period, deadline, today),
    )  # fmt: skip


async def nudge(
    session: AsyncSession, settings: Settings, actor: Person, schedule: ReportSchedule, period: Period,
    unit_ids: list[int], today: date, now: datetime, *, via: str | None = None,
) -> Sent:  # fmt: skip
    """A supervisor's "remind them now" (/nhactre, the console's buttons): the officers' reminder to each unit not
    reminded so today, audited as the supervisor's."""
    sent = await remind(session, schedule, period, schedules.deadline_of(schedule, period), unit_ids,
                        f"nudge:{today.isoformat()}", today, now,
                        every_messenger=settings.notify_every_messenger)  # fmt: skip
    where = {"via": via} if via else {}
    audit.record(session, "periodic.nudged", actor=actor, object_type="report_schedule", object_id=schedule.id,
                 period=period.key, units=sent.units, messages=sent.messages, **where)  # fmt: skip
    return sent


async def _claim_and_write(
    session: AsyncSession, schedule: ReportSchedule, period: Period, deadline: date, unit_ids: Iterable[int],
    kind: str, roles: tuple[str, ...], now: datetime, every_messenger: bool,
    build: Callable[[schedules.Recipient], Reply],
) -> Sent:  # fmt: skip
    """Claims (schedule, period, unit, kind) for each unit with someone reachable and writes their messages in the
    same transaction. A unit nobody can be told about yet is not claimed: someone who joins later still hears."""
    pending = await unclaimed(session, schedule, period, deadline, unit_ids, kind)
    if not pending:
        return Sent()
    people = [person for person in await schedules.recipients(session, pending, roles, every_messenger=every_messenger)
              if not person.unreachable]  # fmt: skip
    claimed = set(await claim(session, schedule, period, deadline, sorted({p.unit_id for p in people}), kind, now))
    count = await write(session, [person for person in people if person.unit_id in claimed], build, now)
    return Sent(len(claimed), count)


def digest_reply(
    i18n: I18n, schedule: ReportSchedule, period: Period, deadline: date, done: int, total: int, missing: list[str]
) -> Reply:
    lines = [i18n.t("{report} — {period} (due {deadline}): {done}/{total} units have submitted.",
                    report=schedule.name, period=period.label(i18n), deadline=i18n.date(deadline), done=done,
                    total=total)]  # fmt: skip
    if missing:
        shown = ", ".join(missing[:DIGEST_LISTED])
        more = i18n.t(" and {count} more", count=len(missing) - DIGEST_LISTED) if len(missing) > DIGEST_LISTED else ""
        lines.append(i18n.t("Not yet: {units}{more}.", units=shown, more=more))
    rows = [(Option(f"m:tiendo {schedule.id} {period.key}", i18n.t("Details")),)]
    if missing:
        rows.insert(0, (Option(f"m:nhactre {schedule.id} {period.key}", i18n.t("Remind all late units")),))
    return Reply(text="\n".join(lines), title=i18n.t("Reporting progress"), rows=tuple(rows), screen=EVERGREEN)


async def digest(
    session: AsyncSession, schedule: ReportSchedule, period: Period, deadline: date,
    expected: Iterable[schedules.Expected], done: dict[int, object], kind: str, today: date, now: datetime, *,
    every_messenger: bool = False,
) -> Sent:  # fmt: skip
    """One message per supervising unit (the parent of expected units) to its supervisors."""
    by_parent: dict[int, list[schedules.Expected]] = defaultdict(list)
    for unit in expected:
        if unit.parent_id is not None:
            by_parent[unit.parent_id].append(unit)
    submitted = {unit_id for unit_id, report in done.items() if getattr(report, "status", None) in schedules.DONE}

    def reply(person: schedules.Recipient) -> Reply:
        units = by_parent[person.unit_id]
        missing = [unit.name for unit in units if unit.id not in submitted]
        return digest_reply(i18n_for(person.language), schedule, period, deadline, len(units) - len(missing),
                            len(units), missing)  # fmt: skip

    return await _claim_and_write(session, schedule, period, deadline, by_parent, kind, ("supervisor", "admin"), now,
                                  every_messenger, reply)  # fmt: skip


async def sweep_job(app: Runtime) -> int:
    result = await sweep(app.db, app.settings, app.clock())
    if result.messages:
        log.info("reminders: %d unit(s), %d digest(s), %d message(s)", result.reminded_units, result.digests,
                 result.messages)  # fmt: skip
    return result.messages


def register(registry: Registry) -> None:
    registry.add_periodic(Periodic("reminder sweep", lambda settings: settings.reminder_sweep_seconds, sweep_job))
