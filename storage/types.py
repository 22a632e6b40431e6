"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")  # local dates of stored data (schedules, spreadsheets) are Vietnam's


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite drops offsets, PostgreSQL keeps them; code sees one shape."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


_offset = timedelta(0)  # how far the process's clock is set from the real one; zero but in tests and demos


def utcnow() -> datetime:
    """The current instant, aware, in UTC: the one clock of the process (see ``start_clock_at``)."""
    return datetime.now(UTC) + _offset


def start_clock_at(instant: datetime | None) -> None:
    """Sets the process's clock to ``instant``, from where it runs on in real time (``None``: the real clock again).

    Why: date logic is tested at pinned instants — the first of a month, 31 December, local midnight — also in a
    ``caunoi run`` process (``CAUNOI_CLOCK_START``); a running clock keeps leases, retries and timeouts working."""
    global _offset
    if instant is not None and instant.tzinfo is None:
        raise ValueError("the clock's start needs a time zone, e.g. 2026-12-01T08:00:00+07:00")
    _offset = timedelta(0) if instant is None else instant - datetime.now(UTC)
