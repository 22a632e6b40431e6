"""Shared fixtures: databases (SQLite always; PostgreSQL when reachable, and always on CI), the fake Bot API."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.config import Settings
from storage.crypto import new_key
from storage.types import start_clock_at
from tests import postgres
from tests.fake_telegram import FakeTelegram

ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# The instant every test starts at: the clock is pinned, never today's date. CI runs the date-bound tests at several
# (the first of a month, a quarter's end, 31 December, local midnight): CAUNOI_TEST_NOW=2026-12-31T23:58:00+07:00.
PINNED_NOW = datetime.fromisoformat(os.environ.get("CAUNOI_TEST_NOW", "2026-12-02T09:30:00+07:00"))
if PINNED_NOW.tzinfo is None:
    raise pytest.UsageError("CAUNOI_TEST_NOW needs a UTC offset, e.g. 2026-12-01T00:05:00+07:00")

POSTGRES_OK = asyncio.run(postgres.reachable())
if ON_CI and not POSTGRES_OK:
    raise pytest.UsageError(
        f"CI=true but PostgreSQL is not reachable at {postgres.SERVER_URL}: refusing to skip its tests"
    )

REDIS_URL = os.environ.get("CAUNOI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def _redis_reachable() -> bool:
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        return bool(await client.ping())
    except (OSError, RedisError):
        return False
    finally:
        await client.aclose()


REDIS_OK = asyncio.run(_redis_reachable())
if ON_CI and not REDIS_OK:
    raise pytest.UsageError(f"CI=true but Redis is not reachable at {REDIS_URL}: refusing to skip its tests")
needs_redis = pytest.mark.skipif(not REDIS_OK, reason=f"Redis not reachable at {REDIS_URL} (never skipped on CI)")

DATABASES = ["sqlite", pytest.param("postgres", marks=[
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_OK, reason=f"PostgreSQL not reachable at {postgres.SERVER_URL} (never skipped on CI)"),
])]  # fmt: skip


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="write tests/golden/ anew from what the bot says now")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """On CI nothing is skipped: a skip there is a missing install step, so it fails the run with its reason."""
    outcome = yield
    report = outcome.get_result()
    if ON_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome, report.longrepr = "failed", f"skipped on CI (CI=true), which must run everything: {reason}"


@pytest.fixture(autouse=True)
def pinned_clock() -> Iterator[datetime]:
    """Every test starts at ``PINNED_NOW`` (and its clock runs on from there); the real clock again afterwards."""
    start_clock_at(PINNED_NOW)
    yield PINNED_NOW
    start_clock_at(None)


@pytest.fixture(scope="session")
def postgres_run_url() -> Iterator[str | None]:
    """This run's own PostgreSQL database (one per xdist worker), dropped when the run ends; None without a server."""
    if not POSTGRES_OK:
        yield None
        return
    with postgres.scratch(os.environ.get("PYTEST_XDIST_WORKER", "run")) as url:
        yield url


@pytest.fixture(params=DATABASES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_run_url: str | None) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "postgres":
        assert postgres_run_url is not None  # the parameter is skipped without a server
        await postgres.empty(postgres_run_url)
        return postgres_run_url
    return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Test settings; notes are encrypted with a fresh key (tests of the keyless case build their own)."""
    return Settings(data_dir=tmp_path / "data", data_key=new_key(), _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def app(settings: Settings, database_url: str) -> AsyncIterator[App]:
    application = App(settings, database_url=database_url)
    await application.migrate()
    yield application
    await application.close()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def reporting(settings: Settings, database_url: str) -> AsyncIterator[tuple[Any, Any, dict[str, Any]]]:
    """Two communes' half-year reports waiting for review, a city supervisor and a commune's (tests/web_client.py)."""
    from tests.web_client import reporting_season

    async for season in reporting_season(settings, database_url):
        yield season
