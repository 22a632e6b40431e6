"""Shared fixtures: databases (SQLite always; PostgreSQL when reachable, and always on CI), the fake Bot API."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.config import Settings
from storage.crypto import new_key
from tests.fake_telegram import FakeTelegram

PG_URL = os.environ.get("CAUNOI_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _postgres_reachable() -> bool:
    import asyncpg

    async def probe() -> bool:
        try:
            connection = await asyncpg.connect(PG_URL.replace("+asyncpg", ""), timeout=3)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        await connection.close()
        return True

    return asyncio.run(probe())


POSTGRES_OK = _postgres_reachable()
if ON_CI and not POSTGRES_OK:
    raise pytest.UsageError(f"CI=true but PostgreSQL is not reachable at {PG_URL}: refusing to skip its tests")

DATABASES = ["sqlite", pytest.param("postgres", marks=[
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_OK, reason=f"PostgreSQL not reachable at {PG_URL} (never skipped on CI)"),
])]  # fmt: skip


async def reset_postgres() -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


@pytest.fixture(params=DATABASES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "postgres":
        await reset_postgres()
        return PG_URL
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
