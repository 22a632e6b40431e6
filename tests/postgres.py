"""Throwaway PostgreSQL databases: every test run (each pytest-xdist worker) and every benchmark gets its own.

Why: two runs on one machine, a benchmark or a bot left running must never touch each other's rows, so nobody uses
a shared database; a run creates ``caunoi_t_<pid>_<purpose>_<random>`` on the server named by ``CAUNOI_TEST_POSTGRES_URL``
and drops it at the end (forcibly, so a stray bot's connections do not keep it). Databases of runs whose process
has died on this machine are dropped at the next start.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

SERVER_URL = os.environ.get("CAUNOI_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
PREFIX = "caunoi_t_"
_OWN = re.compile(rf"^{PREFIX}(\d+)_[a-z0-9]*_[0-9a-f]{{8}}$")


def _raw(url: str) -> str:
    return url.replace("+asyncpg", "")


def with_database(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    head, _, tail = url.rpartition("/")
    query = tail.partition("?")[2]
    return f"{head}/{name}" + (f"?{query}" if query else "")


async def reachable(url: str = SERVER_URL) -> bool:
    import asyncpg

    try:
        connection = await asyncpg.connect(_raw(url), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await connection.close()
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def create(purpose: str = "test") -> str:
    """A new empty database; returns its SQLAlchemy URL."""
    import asyncpg

    name = f"{PREFIX}{os.getpid()}_{re.sub(r'[^a-z0-9]', '', purpose.lower())[:16]}_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(_raw(SERVER_URL))
    try:
        for (stale,) in await admin.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", f"{PREFIX}%"):
            match = _OWN.match(stale)
            if match and not _alive(int(match.group(1))):
                await admin.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return with_database(SERVER_URL, name)


async def drop(url: str) -> None:
    import asyncpg

    name = url.rpartition("/")[2].partition("?")[0]
    if not name.startswith(PREFIX):
        raise ValueError(f"refusing to drop a database this module did not create: {name}")
    admin = await asyncpg.connect(_raw(SERVER_URL))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def empty(url: str) -> None:
    """Back to an empty schema, between tests of one run (only ever in the run's own database)."""
    import asyncpg

    if not url.rpartition("/")[2].startswith(PREFIX):
        raise ValueError("refusing to empty a database this module did not create")
    connection = await asyncpg.connect(_raw(url))
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


@contextmanager
def scratch(purpose: str) -> Iterator[str]:
    """A database for the duration of a block, from synchronous code (a pytest session, a benchmark's main)."""
    url = asyncio.run(create(purpose))
    try:
        yield url
    finally:
        asyncio.run(drop(url))


_process_database: str | None = None


async def process_database(purpose: str) -> str:
    """One empty database for this process (a benchmark), made on first use and emptied on each later one; dropped
    when the process exits (a benchmark that is killed leaves it to the next run's clean-up of dead runs)."""
    global _process_database
    if _process_database is None:
        _process_database = await create(purpose)
        atexit.register(lambda url=_process_database: asyncio.run(drop(url)))
    else:
        await empty(_process_database)
    return _process_database
