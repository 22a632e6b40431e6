"""Reporting periods (month, quarter, half-year, year), their deadlines, and which reminder is due on a given day.

Pure date arithmetic in local dates (Asia/Ho_Chi_Minh): no database, no clock, so every edge — a year end, 29
February, a missed day — is a plain unit test.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from storage.text import Translator, fold

PERIOD_TYPES = ("month", "quarter", "half", "year")
_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
_ROMAN = ("I", "II", "III", "IV")
_KEY = re.compile(r"^(\d{4})(?:-(?:(H)([12])|(Q)([1-4])|(\d{2})))?$")


@dataclass(frozen=True, order=True)
class Period:
    """One period: ``number`` counts from 1 within the year (month 1–12, quarter 1–4, half 1–2, year 1)."""

    type: str
    year: int
    number: int = 1

    @property
    def key(self) -> str:
        """ "2026-05", "2026-Q2", "2026-H1", "2026": how periods are stored and typed on the command line."""
        if self.type == "month":
            return f"{self.year}-{self.number:02d}"
        if self.type == "quarter":
            return f"{self.year}-Q{self.number}"
        if self.type == "half":
            return f"{self.year}-H{self.number}"
        return str(self.year)

    @property
    def start(self) -> date:
        return date(self.year, (self.number - 1) * _MONTHS[self.type] + 1, 1)

    @property
    def end(self) -> date:
        month = self.number * _MONTHS[self.type]
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    def next(self) -> Period:
        if self.number == 12 // _MONTHS[self.type]:
            return Period(self.type, self.year + 1, 1)
        return Period(self.type, self.year, self.number + 1)

    def previous(self) -> Period:
        if self.number == 1:
            return Period(self.type, self.year - 1, 12 // _MONTHS[self.type])
        return Period(self.type, self.year, self.number - 1)

    def label(self, i18n: Translator) -> str:
        if self.type == "month":
            return i18n.t("month {month}/{year}", month=self.number, year=self.year)
        if self.type == "quarter":
            return i18n.t("quarter {roman}/{year}", roman=_ROMAN[self.number - 1], year=self.year)
        if self.type == "half" and self.number == 1:
            return i18n.t("first half of {year}", year=self.year)
        if self.type == "half":
            return i18n.t("second half of {year}", year=self.year)
        return i18n.t("year {year}", year=self.year)


def period_containing(period_type: str, day: date) -> Period:
    return Period(period_type, day.year, (day.month - 1) // _MONTHS[period_type] + 1)


def parse_period(key: str) -> Period:
    """The inverse of ``Period.key``; ValueError for anything else."""
    match = _KEY.match(key.strip().upper())
    if not match:
        raise ValueError(f"not a period: {key!r} (examples: 2026-05, 2026-Q2, 2026-H1, 2026)")
    year = int(match.group(1))
    if match.group(2):
        return Period("half", year, int(match.group(3)))
    if match.group(4):
        return Period("quarter", year, int(match.group(5)))
    if match.group(6):
        month = int(match.group(6))
        if not 1 <= month <= 12:
            raise ValueError(f"not a month: {key!r}")
        return Period("month", year, month)
    return Period("year", year)


@dataclass(frozen=True)
class DeadlineRule:
    """Either N days after the period ends, or a day and month ("trước ngày 10/6"): the first such date on or after
    the period's start, so 10/6 is in the same year for the first half and 10/11 for the year; see ``serves``."""

    days_after_end: int | None = None
    day: int | None = None
    month: int | None = None

    def __post_init__(self) -> None:
        fixed = self.day is not None and self.month is not None
        if fixed == (self.days_after_end is not None):
            raise ValueError("a deadline is either a day and month or a number of days after the period")
        if fixed and not (1 <= self.month <= 12 and 1 <= self.day <= calendar.monthrange(2024, self.month)[1]):  # type: ignore[operator]
            raise ValueError(f"no such day: {self.day}/{self.month}")

    def deadline(self, period: Period) -> date:
        if self.days_after_end is not None:
            return period.end + timedelta(days=self.days_after_end)
        assert self.day is not None and self.month is not None
        for year in (period.start.year, period.start.year + 1):
            day = min(self.day, calendar.monthrange(year, self.month)[1])  # 29/2 in a common year is 28/2
            candidate = date(year, self.month, day)
            if candidate >= period.start:
                return candidate
        raise AssertionError("unreachable: a day and month recur every year")

    def serves(self, period: Period) -> bool:
        """A day and month closes one period a year: the last one to start before it (10/6 is the first half's
        deadline, not also the second half's of the year before). Days-after rules serve every period."""
        return self.days_after_end is not None or period.next().start > self.deadline(period)

    def describe(self, i18n: Translator) -> str:
        if self.days_after_end is not None:
            return i18n.t("{days} days after the period ends", days=self.days_after_end)
        return i18n.t("by {day}/{month}", day=self.day, month=self.month)


_DAYS_AFTER = re.compile(r"^(\d{1,3})\s*(?:ngay|days?|d)?(?:\s*(?:sau|after).*)?$")
_DAY_MONTH = re.compile(r"^(?:truoc\s*)?(?:ngay\s*)?(\d{1,2})\s*[/.\-]\s*(\d{1,2})$")


def parse_deadline(text: str) -> DeadlineRule:
    """ "10/6", "trước ngày 10/6" → a day and month; "15", "15 ngày sau kỳ" → days after the period ends."""
    folded = fold(text)
    if match := _DAY_MONTH.match(folded):
        return DeadlineRule(day=int(match.group(1)), month=int(match.group(2)))
    if match := _DAYS_AFTER.match(folded):
        return DeadlineRule(days_after_end=int(match.group(1)))
    raise ValueError(f"not a deadline: {text!r} (examples: 10/6, 15 ngày sau kỳ)")


def periods_in_window(
    period_type: str, rule: DeadlineRule, today: date, *, days_before: int, days_after: int
) -> Iterator[tuple[Period, date]]:
    """Periods whose deadline lies within [today - days_after, today + days_before], oldest first."""
    period = period_containing(period_type, today - timedelta(days=days_after + 400))
    last = period_containing(period_type, today + timedelta(days=days_before + 400))
    while period <= last:
        deadline = rule.deadline(period)
        if today - timedelta(days=days_after) <= deadline <= today + timedelta(days=days_before):
            yield period, deadline
        period = period.next()


def periods_to_chase(
    period_type: str, rule: DeadlineRule, today: date, applies: Callable[[Period], bool] = lambda _period: True
) -> list[Period]:
    """What a supervisor chases on ``today``, most urgent first: the latest period whose deadline is running or
    overdue (it has ended, or its deadline has come), then the period in progress if it is another one.

    Between a period's end and its deadline — the first days of every month, quarter and half-year — the one
    that has just ended comes first, not the one that has just begun."""
    current = period_containing(period_type, today)
    chased: list[Period] = []
    period = current
    for _ in range(4 * 12 // _MONTHS[period_type] + 1):  # four years back covers every rule
        if applies(period) and (period.end < today or rule.deadline(period) <= today):
            chased.append(period)
            break
        period = period.previous()
    if applies(current) and current not in chased:
        chased.append(current)
    return chased


def due_offset(deadline: date, today: date, before: Sequence[int], after: Sequence[int]) -> str | None:
    """The reminder that applies today: the latest trigger day not after today ("-7", "-3", "-1", "0", "+1", "+3").

    A day without a new trigger repeats the previous one (already sent, so nothing happens), and after a day with the
    bot down only the latest missed reminder goes out, not all of them."""
    triggers = {(-days, f"-{days}" if days else "0") for days in before} | {(days, f"+{days}") for days in after}
    current = None
    for offset, name in sorted(triggers):
        if deadline + timedelta(days=offset) <= today:
            current = name
    return current


def offsets_text(values: Sequence[int]) -> str:
    return ", ".join(str(value) for value in values)


def parse_offsets(text: str) -> list[int]:
    """ "7, 3, 1, 0" → [7, 3, 1, 0]; each 0–60 days."""
    values = sorted({int(part) for part in re.split(r"[,\s;]+", text.strip()) if part}, reverse=True)
    if any(value < 0 or value > 60 for value in values):
        raise ValueError("reminder offsets are whole days from 0 to 60")
    return values
