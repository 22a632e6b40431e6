"""The compiled figures of a subtree for a period: what every output (chat, xlsx, docx, charts, JSON) is made from.

The activities' figures of whole months are read from the per-month totals the database keeps beside the reports
(``storage.models.ActivityMonthTotal``), and only a month begun is summed from the reports themselves: a province of
3,300 communes and a million activity reports is added up from a few rows per unit and month, not in Python.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, false, func, literal_column, or_, select, true, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import I18n
from storage import schedules
from storage.models import (
    ActivityKind,
    ActivityMonthTotal,
    ActivityReport,
    OverseasRecord,
    PeriodicReport,
    ReportSchedule,
    Unit,
)
from storage.periods import Period
from storage.units import Scope

NOTABLE = 8
WIDE_SHARE = 20  # a subtree with at least one unit in twenty is read along the date index
_VI = I18n("vi")


@dataclass
class UnitFigures:
    unit_id: int
    code: str
    name: str
    level: str
    activities: int = 0
    participants: int = 0
    foreign_participants: int = 0
    money_vnd: int = 0
    overseas_added: int = 0
    overseas_updated: int = 0


@dataclass
class Completeness:
    """DHIS2's reporting rate and timeliness for one schedule's period in the subtree."""

    schedule: str
    period_key: str
    deadline: date
    expected: int
    submitted: int
    on_time: int
    missing: list[str] = field(default_factory=list)


@dataclass
class Narrative:
    unit: str
    results: str | None
    difficulties: str | None
    proposals: str | None


@dataclass
class Notable:
    day: date
    unit: str
    kind: str
    title: str
    participants: int
    partner_country: str | None


@dataclass
class Summary:
    root_code: str
    root_name: str
    period: Period
    start: date
    end: date
    units: list[UnitFigures]
    by_kind: dict[str, int]
    kind_names: dict[str, str]
    completeness: list[Completeness]
    narratives: list[Narrative]
    notable: list[Notable]

    def total(self, name: str) -> int:
        return sum(getattr(unit, name) for unit in self.units)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["period"] = self.period.key
        data["totals"] = {name: self.total(name) for name in TOTALS}
        return data


TOTALS = ("activities", "participants", "foreign_participants", "money_vnd", "overseas_added", "overseas_updated")


async def compile_summary(session: AsyncSession, root: Unit, period: Period, today: date, zone: ZoneInfo) -> Summary:
    """Figures for ``root`` and every unit below it, for the part of ``period`` that has passed."""
    scope = Scope(root.id, subtree=True)
    start, end = period.start, min(period.end, today)
    core = await session.connection()  # plain rows: the ORM's row loading cost more than the query's grouping
    # The root of the only tree (a province's own deployment) holds every unit: no subtree test is needed at all.
    everything = root.parent_id is None and await session.scalar(
        select(func.count()).select_from(Unit).where(Unit.parent_id.is_(None))
    ) == 1  # fmt: skip
    units = {
        unit_id: UnitFigures(unit_id, code, name, level)
        for unit_id, code, name, level in (await core.execute(
            select(Unit.id, Unit.code, Unit.name, Unit.level)
            .where(true() if everything else scope.clause(Unit.id)).order_by(Unit.name)
        )).all()  # all at once: a row at a time is a trip through the async adapter each
    }  # fmt: skip
    # Whole months are summed from the totals the database keeps per unit, kind and month (a few per unit and
    # month); only the days of a month begun (today's) are read from the reports themselves. A subtree of many
    # units is read along the month (or date) index, not unit by unit.
    wide = len(units) * WIDE_SHARE >= (await session.scalar(select(func.count()).select_from(Unit)) or 0)
    kind_names = {code: name for code, name in await session.execute(select(ActivityKind.code, ActivityKind.name_vi))}
    kinds = list(kind_names)
    first, after = whole_months(start, end)
    edges = [(day, last) for day, last in ((start, min(end, first - timedelta(days=1))), (max(start, after), end))
             if day <= last]  # fmt: skip
    within = true() if everything else scope.clause(ActivityReport.unit_id, scanning=wide)
    in_period = (or_(*(ActivityReport.activity_date.between(day, last) for day, last in edges)) if edges else false(),
                 within)  # fmt: skip
    grouped = []
    if first < after:
        total = ActivityMonthTotal
        grouped += (await core.execute(
            select(total.unit_id, func.sum(total.activities), func.sum(total.participants),
                   func.sum(total.foreign_participants), func.sum(total.money_vnd), func.max(total.most_participants),
                   *(func.sum(total.activities).filter(total.kind_code == kind) for kind in kinds))
            .where(total.month_start >= first, total.month_start < after, total.activities > 0,
                   true() if everything else scope.clause(total.unit_id, scanning=wide))
            .group_by(total.unit_id)
        )).all()  # fmt: skip
    if edges:
        # Grouped by unit alone, each kind counted with a filter: PostgreSQL aggregates that in parallel workers, as
        # it does a plain aggregate (grouped by unit and kind it did not, and took 2–4× as long).
        grouped += (await core.execute(
            select(ActivityReport.unit_id, func.count(), func.sum(ActivityReport.participants),
                   func.sum(ActivityReport.foreign_participants), func.sum(ActivityReport.money_vnd),
                   func.max(ActivityReport.participants),
                   *(func.count().filter(ActivityReport.kind_code == kind) for kind in kinds))
            .where(*in_period).group_by(ActivityReport.unit_id)
        )).all()  # fmt: skip
    most: dict[int, int] = {}
    by_kind = dict.fromkeys(kinds, 0)
    for unit_id, count, people, foreign, money, largest_here, *counted in grouped:
        figures = units.get(unit_id)
        if figures is None:  # a unit removed since (the totals keep no reference to it)
            continue
        figures.activities += int(count)
        figures.participants += int(people or 0)
        figures.foreign_participants += int(foreign or 0)
        figures.money_vnd += int(money or 0)
        most[unit_id] = max(most.get(unit_id, 0), int(largest_here or 0))
        for kind, number in zip(kinds, counted, strict=True):
            by_kind[kind] += int(number or 0)
    by_kind = {kind: total for kind, total in by_kind.items() if total}
    in_period = (ActivityReport.activity_date.between(start, end), within)
    begin = datetime.combine(start, time(), zone)
    finish = datetime.combine(end + timedelta(days=1), time(), zone)
    live = (OverseasRecord.deleted_at.is_(None), scope.clause(OverseasRecord.unit_id))
    for column, condition in (
        ("overseas_added", (OverseasRecord.created_at >= begin, OverseasRecord.created_at < finish)),
        ("overseas_updated", (OverseasRecord.created_at < begin, OverseasRecord.updated_at >= begin,
                              OverseasRecord.updated_at < finish)),
    ):  # fmt: skip
        query = select(OverseasRecord.unit_id, func.count()).where(*live, *condition).group_by(OverseasRecord.unit_id)
        for unit_id, count in await session.execute(query):
            setattr(units[unit_id], column, count)
    largest = sorted(most.values(), reverse=True)
    floor = largest[NOTABLE - 1] if len(largest) >= NOTABLE else None
    if floor is not None and wide and session.get_bind().dialect.name == "sqlite":
        # SQLite has no statistics and would take the date index, reading the period again; a unary plus (a no-op
        # on the value) keeps it off that index, so the participants index serves. PostgreSQL's planner chooses.
        dated = type_coerce(literal_column(f"+{ActivityReport.__tablename__}.activity_date"), Date)
        in_period = (dated.between(start, end), *in_period[1:])
    notable = await _notable(session, in_period, units, floor)
    completeness, narratives = await _reporting(session, root, scope, period, units)
    return Summary(root.code, root.name, period, start, end, list(units.values()), by_kind, kind_names,
                   completeness, narratives, notable)  # fmt: skip


def whole_months(start: date, end: date) -> tuple[date, date]:
    """The whole months within ``start``–``end``, as the first one's first day and the first day after the last
    (equal when there is none)."""
    first = start if start.day == 1 else _month_after(start)
    after = (end + timedelta(days=1)).replace(day=1)
    return first, max(first, after)


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


async def _notable(
    session: AsyncSession, in_period: tuple[Any, ...], units: dict[int, UnitFigures], floor: int | None
) -> list[Notable]:
    """The period's ``NOTABLE`` largest activities. With that many units, the eighth-largest of their maxima is a
    floor, and only the rows at or above it are read, through the participants index. The kept maxima are upper
    bounds (a changed or deleted report does not lower them): when fewer than eight rows reach the floor, the
    period is read again without it."""
    at_least = () if floor is None else (ActivityReport.participants >= floor,)
    query = (
        select(ActivityReport.activity_date, ActivityReport.unit_id, ActivityReport.kind_code, ActivityReport.title,
               ActivityReport.participants, ActivityReport.partner_country)
        .where(*in_period, *at_least)
        .order_by(ActivityReport.participants.desc(), ActivityReport.id).limit(NOTABLE)
    )  # fmt: skip
    rows = (await session.execute(query)).all()
    if floor is not None and len(rows) < NOTABLE:
        return await _notable(session, in_period, units, None)
    return [Notable(day, units[unit_id].name, kind, title, people, country)
            for day, unit_id, kind, title, people, country in rows]  # fmt: skip


async def _reporting(
    session: AsyncSession, root: Unit, scope: Scope, period: Period, units: dict[int, UnitFigures]
) -> tuple[list[Completeness], list[Narrative]]:
    """Completeness of every active schedule of this period type, and the periodic reports' narrative parts."""
    completeness, narratives = [], []
    for schedule in await schedules.active(session):
        if not schedules.applies(schedule, period):
            continue
        expected = await schedules.expected_units(session, schedule, within=scope)
        if not expected:
            continue
        reports = await schedules.reports_for(session, schedule.id, period.key, [unit.id for unit in expected])
        done = [report for report in reports.values() if report.status in schedules.DONE]
        completeness.append(Completeness(
            schedule.name, period.key, schedules.deadline_of(schedule, period), len(expected), len(done),
            sum(1 for report in done if not report.late),
            [unit.name for unit in expected if unit.id not in {report.unit_id for report in done}],
        ))  # fmt: skip
        narratives.extend(
            Narrative(units[report.unit_id].name, report.results, report.difficulties, report.proposals)
            for report in sorted(done, key=lambda r: units[r.unit_id].name)
        )
    return completeness, narratives


async def periodic_rows(session: AsyncSession, root: Unit, period: Period) -> list[tuple[PeriodicReport, str, str]]:
    """The periodic reports of the period in the subtree, with their schedule's and unit's names."""
    scope = Scope(root.id, subtree=True)
    query = (
        select(PeriodicReport, ReportSchedule.name, Unit.name)
        .join(ReportSchedule, ReportSchedule.id == PeriodicReport.schedule_id)
        .join(Unit, Unit.id == PeriodicReport.unit_id)
        .where(PeriodicReport.period_key == period.key, scope.clause(PeriodicReport.unit_id))
        .order_by(Unit.name)
    )
    return [(report, schedule, unit) for report, schedule, unit in await session.execute(query)]


async def activity_rows(session: AsyncSession, root: Unit, summary: Summary) -> Any:
    """Every activity of the period in the subtree, streamed (a province's half-year is hundreds of thousands)."""
    scope = Scope(root.id, subtree=True)
    query = (
        select(ActivityReport.activity_date, Unit.code, Unit.name, ActivityReport.kind_code, ActivityReport.title,
               ActivityReport.place, ActivityReport.partner_country, ActivityReport.participants,
               ActivityReport.foreign_participants, ActivityReport.money_vnd)
        .join(Unit, Unit.id == ActivityReport.unit_id)
        .where(ActivityReport.activity_date.between(summary.start, summary.end), scope.clause(ActivityReport.unit_id))
        .order_by(ActivityReport.activity_date, ActivityReport.id)
    )  # fmt: skip
    return await session.stream(query.execution_options(yield_per=5000))


async def completeness_history(
    session: AsyncSession, root: Unit, period: Period, count: int = 12
) -> list[tuple[str, float | None]]:
    """Share of expected reports submitted, per period of the last year (``count`` periods back, up to a year),
    over every active schedule of that period type; None where nothing was expected."""
    scope = Scope(root.id, subtree=True)
    active = await schedules.active(session)
    periods = [period]
    while len(periods) < count and periods[-1].previous().end >= period.start.replace(year=period.start.year - 1):
        periods.append(periods[-1].previous())
    history = []
    for item in reversed(periods):
        expected = submitted = 0
        for schedule in active:
            if not schedules.applies(schedule, item):
                continue
            units = await schedules.expected_units(session, schedule, within=scope)
            reports = await schedules.reports_for(session, schedule.id, item.key, [unit.id for unit in units])
            expected += len(units)
            submitted += sum(1 for report in reports.values() if report.status in schedules.DONE)
        history.append((item.label(_VI), 100 * submitted / expected if expected else None))
    return history


async def register_by_country(session: AsyncSession, root: Unit) -> list[tuple[str, str, str, int]]:
    """Overseas records counted per unit and country: numbers, no personal details."""
    scope = Scope(root.id, subtree=True)
    query = (
        select(Unit.code, Unit.name, OverseasRecord.country, func.count())
        .select_from(OverseasRecord)
        .join(Unit, Unit.id == OverseasRecord.unit_id)
        .where(OverseasRecord.deleted_at.is_(None), scope.clause(OverseasRecord.unit_id))
        .group_by(Unit.code, Unit.name, OverseasRecord.country)
        .order_by(Unit.name, func.count().desc())
    )
    return [(code, name, country or "", count) for code, name, country, count in await session.execute(query)]
