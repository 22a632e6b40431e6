"""Periods, deadlines and which reminder is due: year ends, 29 February, missed days, parsing what admins type."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import I18n
from storage.periods import (
    DeadlineRule,
    Period,
    due_offset,
    parse_deadline,
    parse_offsets,
    parse_period,
    period_containing,
    periods_in_window,
    periods_to_chase,
)

VI = I18n("vi")


@pytest.mark.parametrize(("period", "key", "start", "end", "label"), [
    (Period("month", 2026, 2), "2026-02", date(2026, 2, 1), date(2026, 2, 28), "tháng 2/2026"),
    (Period("month", 2028, 2), "2028-02", date(2028, 2, 1), date(2028, 2, 29), "tháng 2/2028"),
    (Period("quarter", 2026, 4), "2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "quý IV/2026"),
    (Period("half", 2026, 1), "2026-H1", date(2026, 1, 1), date(2026, 6, 30), "6 tháng đầu năm 2026"),
    (Period("year", 2026), "2026", date(2026, 1, 1), date(2026, 12, 31), "năm 2026"),
])  # fmt: skip
def test_periods(period: Period, key: str, start: date, end: date, label: str) -> None:
    assert (period.key, period.start, period.end, period.label(VI)) == (key, start, end, label)
    assert parse_period(key) == period


def test_periods_step_over_year_ends() -> None:
    assert Period("quarter", 2026, 4).next() == Period("quarter", 2027, 1)
    assert Period("month", 2027, 1).previous() == Period("month", 2026, 12)
    assert period_containing("half", date(2026, 7, 1)) == Period("half", 2026, 2)


@given(st.sampled_from(["month", "quarter", "half", "year"]), st.dates(date(2000, 1, 1), date(2100, 12, 31)))
def test_every_day_is_in_exactly_its_period(period_type: str, day: date) -> None:
    period = period_containing(period_type, day)
    assert period.start <= day <= period.end
    assert period.next().start == period.end.fromordinal(period.end.toordinal() + 1)
    assert parse_period(period.key) == period and period.next().previous() == period


def test_deadlines() -> None:
    by_10_june, by_10_nov = DeadlineRule(day=10, month=6), DeadlineRule(day=10, month=11)
    assert by_10_june.deadline(Period("half", 2026, 1)) == date(2026, 6, 10)
    assert by_10_nov.deadline(Period("year", 2026)) == date(2026, 11, 10)
    assert DeadlineRule(days_after_end=10).deadline(Period("quarter", 2026, 4)) == date(2027, 1, 10)  # over a year end
    leap = DeadlineRule(day=29, month=2)
    assert leap.deadline(Period("year", 2028)) == date(2028, 2, 29)
    assert leap.deadline(Period("year", 2026)) == date(2026, 2, 28)  # no 29 February: the last day of February
    assert by_10_june.serves(Period("half", 2026, 1)) and not by_10_june.serves(Period("half", 2025, 2))
    assert [q for q in range(1, 5) if by_10_june.serves(Period("quarter", 2026, q))] == [2]
    assert [m for m in range(1, 13) if by_10_june.serves(Period("month", 2026, m))] == [6]
    assert DeadlineRule(days_after_end=5).serves(Period("month", 2026, 3))
    with pytest.raises(ValueError):
        DeadlineRule(day=31, month=4)
    with pytest.raises(ValueError):
        DeadlineRule()


@pytest.mark.parametrize(("text", "rule"), [
    ("10/6", DeadlineRule(day=10, month=6)), ("trước ngày 10/6", DeadlineRule(day=10, month=6)),
    ("15", DeadlineRule(days_after_end=15)), ("15 ngày sau kỳ", DeadlineRule(days_after_end=15)),
    ("5 ngay", DeadlineRule(days_after_end=5)),
])  # fmt: skip
def test_parse_deadline(text: str, rule: DeadlineRule) -> None:
    assert parse_deadline(text) == rule


@pytest.mark.parametrize("text", ["", "31/4", "10/13", "sometime", "ngày mai"])
def test_bad_deadlines(text: str) -> None:
    with pytest.raises(ValueError):
        parse_deadline(text)


def test_offsets() -> None:
    assert parse_offsets("7, 3, 1, 0") == [7, 3, 1, 0] and parse_offsets("3 1") == [3, 1]
    with pytest.raises(ValueError):
        parse_offsets("90")


def test_due_offset_is_the_latest_trigger() -> None:
    deadline = date(2026, 6, 10)
    before, after = [7, 3, 1, 0], [1, 3]
    expected = {date(2026, 6, 2): None, date(2026, 6, 3): "-7", date(2026, 6, 5): "-7", date(2026, 6, 7): "-3",
                date(2026, 6, 9): "-1", date(2026, 6, 10): "0", date(2026, 6, 11): "+1", date(2026, 6, 12): "+1",
                date(2026, 6, 13): "+3", date(2026, 7, 30): "+3"}  # fmt: skip
    for day, offset in expected.items():
        assert due_offset(deadline, day, before, after) == offset, day


def test_periods_in_window_cross_the_year() -> None:
    rule = DeadlineRule(days_after_end=10)
    found = list(periods_in_window("quarter", rule, date(2027, 1, 8), days_before=7, days_after=4))
    assert found == [(Period("quarter", 2026, 4), date(2027, 1, 10))]


def _keys(period_type: str, rule: DeadlineRule, day: date, only: tuple[int, ...] = ()) -> list[str]:
    return [p.key for p in periods_to_chase(period_type, rule, day, lambda p: not only or p.number in only)]


MONTHLY, QUARTERLY, HALF, BY_15_DEC = (DeadlineRule(days_after_end=7), DeadlineRule(days_after_end=15),
                                       DeadlineRule(days_after_end=10), DeadlineRule(day=15, month=12))  # fmt: skip


@pytest.mark.parametrize(("period_type", "rule", "day", "shown"), [
    # the first days of a month: the month that has just ended comes first, its deadline running
    ("month", MONTHLY, date(2026, 12, 1), ["2026-11", "2026-12"]),
    ("month", MONTHLY, date(2026, 12, 2), ["2026-11", "2026-12"]),
    ("month", MONTHLY, date(2026, 12, 7), ["2026-11", "2026-12"]),  # the deadline day itself
    ("month", MONTHLY, date(2026, 12, 8), ["2026-11", "2026-12"]),  # overdue, still chased
    ("month", MONTHLY, date(2026, 11, 30), ["2026-10", "2026-11"]),  # the last day of a month
    ("month", MONTHLY, date(2026, 12, 28), ["2026-11", "2026-12"]),
    ("month", MONTHLY, date(2026, 12, 31), ["2026-11", "2026-12"]),
    ("month", MONTHLY, date(2027, 1, 1), ["2026-12", "2027-01"]),  # over a year end
    ("month", MONTHLY, date(2028, 2, 29), ["2028-01", "2028-02"]),  # 29 February
    ("month", MONTHLY, date(2028, 3, 1), ["2028-02", "2028-03"]),
    ("month", MONTHLY, date(2027, 3, 1), ["2027-02", "2027-03"]),  # after a common February
    # quarters and half-years
    ("quarter", QUARTERLY, date(2026, 10, 1), ["2026-Q3", "2026-Q4"]),
    ("quarter", QUARTERLY, date(2026, 9, 30), ["2026-Q2", "2026-Q3"]),
    ("quarter", QUARTERLY, date(2027, 1, 1), ["2026-Q4", "2027-Q1"]),
    ("quarter", QUARTERLY, date(2027, 1, 15), ["2026-Q4", "2027-Q1"]),
    ("half", HALF, date(2026, 7, 1), ["2026-H1", "2026-H2"]),
    ("half", HALF, date(2026, 6, 30), ["2025-H2", "2026-H1"]),
    ("half", HALF, date(2027, 1, 1), ["2026-H2", "2027-H1"]),
    # a fixed day before the period ends: from that day on the period is chased, and there is one line
    ("half", DeadlineRule(day=10, month=6), date(2026, 6, 9), ["2025-H1", "2026-H1"]),
    ("half", DeadlineRule(day=10, month=6), date(2026, 6, 10), ["2026-H1"]),
    ("half", DeadlineRule(day=10, month=6), date(2026, 12, 1), ["2026-H1"]),  # the second half is not asked for
    ("year", BY_15_DEC, date(2026, 12, 14), ["2025", "2026"]),
    ("year", BY_15_DEC, date(2026, 12, 15), ["2026"]),
    ("year", BY_15_DEC, date(2027, 1, 1), ["2026", "2027"]),
])  # fmt: skip
def test_the_period_whose_deadline_runs_comes_first(
    period_type: str, rule: DeadlineRule, day: date, shown: list[str]
) -> None:
    only = (1,) if rule == DeadlineRule(day=10, month=6) else ()
    assert _keys(period_type, rule, day, only) == shown


def test_nothing_to_chase_before_a_schedule_asks() -> None:
    assert periods_to_chase("year", BY_15_DEC, date(2026, 3, 1), lambda p: p.year >= 2027) == []


@given(st.sampled_from(["month", "quarter", "half", "year"]), st.integers(0, 60),
       st.dates(date(2001, 1, 1), date(2099, 12, 31)))  # fmt: skip
def test_the_first_period_shown_has_ended_or_is_due(period_type: str, days: int, day: date) -> None:
    shown = periods_to_chase(period_type, DeadlineRule(days_after_end=days), day)
    first = shown[0]
    assert first.end < day or DeadlineRule(days_after_end=days).deadline(first) <= day
    assert first.next().end >= day  # the latest such period, not an older one
    assert shown[-1] == period_containing(period_type, day) and len(shown) <= 2
