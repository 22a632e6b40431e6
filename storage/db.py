"""Engine and session factory; SQLite gets WAL, foreign keys, a busy timeout and write-locking transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.driver import driver, raw_connection, sqlite3_under

SQLITE_BUSY_TIMEOUT_MS = 15_000
# A checkpoint run inside a commit stalls that update by tens of ms; the running bot checkpoints in the background
# (Database.checkpoint), so this threshold is only a backstop for tools that run without it.
SQLITE_AUTOCHECKPOINT_PAGES = 20_000


def _tune_sqlite(engine: AsyncEngine) -> None:
    """Take over transaction control so every transaction is BEGIN IMMEDIATE.

    A conversation step reads then writes; a deferred SQLite transaction would let two workers read the same state
    and fail on upgrade to a write lock. IMMEDIATE takes the write lock up front, which serialises them instead.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        """Tries for the write lock right here on the event loop, without waiting (a few microseconds, where a
        round trip to aiosqlite's thread costs a hundred or more); only if another process holds it does the wait,
        up to the busy timeout, happen in aiosqlite's thread."""
        sqlite = sqlite3_under(conn.connection.driver_connection)
        sqlite.execute("PRAGMA busy_timeout=0").close()
        try:
            sqlite.execute("BEGIN IMMEDIATE").close()
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorname != "SQLITE_BUSY":
                raise
        finally:
            sqlite.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}").close()
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Owns the engine; hands out sessions whose commit is the durability point of a step."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"echo": echo}
        if url.startswith("sqlite"):
            # storage.driver calls the connection from the loop too. Every use of a connection ends its transaction
            # explicitly (SQLAlchemy commits or rolls back before giving it back), so the pool's own rollback on
            # return would only add a round trip to aiosqlite's thread per transaction.
            kwargs.update(connect_args={"check_same_thread": False}, pool_reset_on_return=None)
        else:
            # Transactions are opened and closed on asyncpg itself (see transaction); SQLAlchemy runs inside them in
            # autocommit mode, so it neither begins nor ends them, and its pre-ping is one round trip, not three.
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True, isolation_level="AUTOCOMMIT")
        self.engine = create_async_engine(url, **kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writer = asyncio.Lock() if self.is_sqlite else None

    def transactional(self) -> AsyncEngine:
        """The engine for work that runs its own transaction through SQLAlchemy (migrations): on PostgreSQL the
        sessions' engine is in autocommit mode, because ``transaction`` opens and closes transactions itself."""
        return self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="READ COMMITTED")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any error.

        PostgreSQL: the transaction is asyncpg's own, begun before the first statement and committed after the
        session's last flush; every statement, through the ORM or ``storage.driver``, runs inside it. Letting
        SQLAlchemy begin it would make the first statement of every update go through SQLAlchemy (about a
        millisecond of CPU) and its pre-ping take three round trips.

        SQLite has one writer at a time; queuing writers here, in order, is far cheaper than letting them collide in
        SQLite's busy handler, which sleeps and retries. Other processes still meet the busy timeout. The queue moves
        as fast as each writer lets go: SQLite's COMMIT is issued right here on the loop (in WAL mode it appends to
        the log and waits for no lock), and the writer is let go at once; SQLAlchemy's own commit, a round trip to
        aiosqlite's thread that now finds nothing left to commit, happens outside the queue.
        """
        if self._writer is None:
            async with self.sessions() as session:
                connection = await raw_connection(session)
                async with connection.transaction():  # asyncpg's own: BEGIN, then COMMIT or ROLLBACK
                    yield session
                    await session.flush()
            return
        async with self.sessions() as session:
            async with self._writer:
                try:
                    yield session
                    await session.flush()
                    if session.in_transaction():
                        sqlite = (await driver(session)).connection
                        if sqlite.in_transaction:
                            sqlite.execute("COMMIT").close()
                except BaseException:
                    await session.rollback()
                    raise
            await session.commit()

    async def checkpoint(self) -> None:
        """Copies the SQLite write-ahead log into the database without blocking writers (PASSIVE); no-op elsewhere."""
        if self.is_sqlite:
            async with self.engine.connect() as connection:
                raw = await connection.get_raw_connection()  # outside any transaction: no BEGIN IMMEDIATE, no lock
                # fetched to the end: a statement left unfinished would make the next commit on it fail
                await raw.driver_connection.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")

    async def dispose(self) -> None:
        await self.engine.dispose()
