"""Engine and transactions; SQLite gets WAL, foreign keys, a busy timeout and write-locking transactions."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from storage.driver import Transaction, sqlite3_under

CONNECTION_LOST = (OSError, asyncpg.exceptions.InterfaceError, asyncpg.exceptions.ConnectionDoesNotExistError)
SQLITE_BUSY_TIMEOUT_MS = 15_000
# A checkpoint run inside a commit stalls that update by tens of ms; the running bot checkpoints in the background
# (Database.checkpoint), so this threshold is only a backstop for tools that run without it.
SQLITE_AUTOCHECKPOINT_PAGES = 20_000


def _tune_sqlite(engine: AsyncEngine) -> None:
    """Pragmas on every new connection; and ``Database.begin`` owns the transactions, so SQLAlchemy's own begin,
    commit and rollback must neither start a second one nor take a trip to aiosqlite's thread to find nothing to
    do. A connection used outside ``Database.begin`` (migrations) still gets a write-locking BEGIN IMMEDIATE."""

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
        if not sqlite3_under(conn.connection.driver_connection).in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    def _end(statement: str) -> Callable[[Any], None]:
        def end(dbapi_connection: Any) -> None:
            sqlite = sqlite3_under(dbapi_connection.driver_connection)
            if sqlite.in_transaction:
                sqlite.execute(statement).close()

        return end

    engine.dialect.do_commit = _end("COMMIT")  # type: ignore[method-assign]
    engine.dialect.do_rollback = _end("ROLLBACK")  # type: ignore[method-assign]


async def _begin_immediate(raw: Any) -> None:
    """Tries for the write lock right here on the event loop, without waiting (a few microseconds, where a round
    trip to aiosqlite's thread costs a hundred or more); only if another process holds it does the wait, up to the
    busy timeout, happen in aiosqlite's thread."""
    sqlite = sqlite3_under(raw)
    sqlite.execute("PRAGMA busy_timeout=0").close()
    try:
        sqlite.execute("BEGIN IMMEDIATE").close()
        return
    except sqlite3.OperationalError as error:
        if error.sqlite_errorname != "SQLITE_BUSY":
            raise
    finally:
        sqlite.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}").close()
    await raw.execute("BEGIN IMMEDIATE")


def _statement_name() -> str:
    return f"__caunoi_{uuid.uuid4().hex}__"


class Database:
    """Owns the engine; hands out transactions whose commit is the durability point of a step."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10, pgbouncer: bool = False) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"echo": echo}
        if url.startswith("sqlite"):
            # storage.driver calls the connection from the loop too. Every use of a connection ends its transaction
            # explicitly, so the pool's own rollback on return would only add a round trip to aiosqlite's thread.
            kwargs.update(connect_args={"check_same_thread": False}, pool_reset_on_return=None)
        else:
            # Transactions are opened and closed on asyncpg itself (see begin); SQLAlchemy runs inside them in
            # autocommit mode, so it neither begins nor ends them. Their BEGIN is the liveness check (no pre-ping).
            # No overflow: under load, connections opened beyond the pool were closed again at once, each costing a
            # connection set-up and a cold statement cache; a transaction waits for a pooled connection instead.
            kwargs.update(pool_size=pool_size, max_overflow=0, isolation_level="AUTOCOMMIT")
            if pgbouncer:
                # Behind PgBouncer in transaction mode each transaction may run on another server connection: no
                # statement may be kept prepared from one to the next (asyncpg's cache, SQLAlchemy's), and the names
                # of those prepared within one must not collide with another client's on the same server.
                kwargs["connect_args"] = {"statement_cache_size": 0, "prepared_statement_cache_size": 0,
                                          "prepared_statement_name_func": _statement_name}  # fmt: skip
        self.engine = create_async_engine(url, **kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # another process cannot open this database (work made in a child process stays in this one)
        self.in_memory = self.is_sqlite and self.engine.url.database in (None, "", ":memory:")
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        self._writer = asyncio.Lock() if self.is_sqlite else None
        self.pool_size = pool_size

    def transactional(self) -> AsyncEngine:
        """The engine for work that runs its own transaction through SQLAlchemy (migrations): on PostgreSQL the
        sessions' engine is in autocommit mode, because ``begin`` opens and closes transactions itself."""
        return self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="READ COMMITTED")

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[bool]:
        """True for exactly one holder at a time across every worker on this database, False for the others (they
        skip: the work is being done). PostgreSQL: a transaction-scoped advisory lock, in a transaction of its own
        kept open while the block runs (it writes nothing, so it holds back no vacuum); a session lock would be lost
        behind PgBouncer, which hands the session's server connection to others between transactions. SQLite
        serves one process, which runs each job once already."""
        if self.is_sqlite:
            yield True
            return
        key = int.from_bytes(hashlib.sha256(f"caunoi:{name}".encode()).digest()[:8], "big", signed=True)
        tx, transaction = await self._begin_postgres()
        try:
            yield bool(await tx.driver.connection.fetchval("SELECT pg_try_advisory_xact_lock($1)", key))
        finally:
            try:
                if not tx.driver.connection.is_closed():
                    with contextlib.suppress(*CONNECTION_LOST):
                        await transaction.rollback()
            finally:
                await tx.close()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Transaction]:
        """One transaction, begun and ended on the driver: committed on success, rolled back on any error.

        Its statements run on the driver, or on an ORM session made when first asked for (``Transaction``). Leaving
        the transaction to SQLAlchemy would cost every update a session and a connection object, their reference
        cycles, and on PostgreSQL the first statement through SQLAlchemy and a pre-ping of one to three round trips.

        PostgreSQL: asyncpg's own transaction (``BEGIN``, then ``COMMIT`` or ``ROLLBACK``).

        SQLite has one writer at a time; queuing writers here, in order, is far cheaper than letting them collide in
        SQLite's busy handler, which sleeps and retries. Other processes still meet the busy timeout. ``BEGIN
        IMMEDIATE`` takes the write lock up front, so a step cannot read state that another writer is changing.
        """
        if self._writer is None:
            tx, transaction = await self._begin_postgres()
            try:
                try:
                    yield tx
                    await tx.flush()
                except BaseException:
                    if not tx.driver.connection.is_closed():
                        with contextlib.suppress(*CONNECTION_LOST):  # the error to report is the one that got here
                            await transaction.rollback()
                    raise
                await transaction.commit()
            finally:
                await tx.close()
            return
        async with self._writer:
            tx = Transaction(self.engine, await self.engine.raw_connection())
            sqlite = tx.driver.connection
            try:
                await _begin_immediate(tx.pooled.driver_connection)
                try:
                    yield tx
                    await tx.flush()
                    sqlite.execute("COMMIT").close()
                except BaseException:
                    if sqlite.in_transaction:
                        sqlite.execute("ROLLBACK").close()
                    raise
            finally:
                await tx.close()

    async def _begin_postgres(self) -> tuple[Transaction, Any]:
        """A pooled connection with asyncpg's transaction begun. ``BEGIN`` doubles as the pool's liveness check: a
        connection the server has cut (a restart) fails it at once and is replaced, as many times as the pool has
        connections. A separate check (SQLAlchemy's pre-ping) would cost every transaction one more round trip."""
        replaced = 0
        while True:
            tx = Transaction(self.engine, await self.engine.raw_connection())
            try:
                transaction = tx.driver.connection.transaction()
                await transaction.start()
                return tx, transaction
            except CONNECTION_LOST as error:
                lost = tx.driver.connection.is_closed()
                if lost:
                    tx.pooled.invalidate(error)
                await tx.close()
                replaced += 1
                if not lost or replaced > self.pool_size:
                    raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """``begin`` for work done through the ORM: its session, made at once."""
        async with self.begin() as tx:
            yield tx.session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only snapshot for long reads (a province's workbook in a background job), beside the writers
        rather than among them. SQLite: a deferred transaction on a connection of its own, outside the writer queue
        (in WAL mode a reader and the one writer run at once), so no update waits for it. PostgreSQL: a REPEATABLE
        READ, READ ONLY transaction, so every sheet of one file reads the same data."""
        if self.is_sqlite:
            tx = Transaction(self.engine, await self.engine.raw_connection())
            sqlite = tx.driver.connection
            try:
                sqlite.execute("BEGIN DEFERRED").close()
                yield tx.session
            finally:
                if sqlite.in_transaction:
                    sqlite.execute("ROLLBACK").close()
                await tx.close()
            return
        tx = Transaction(self.engine, await self.engine.raw_connection())
        try:
            transaction = tx.driver.connection.transaction(isolation="repeatable_read", readonly=True)
            await transaction.start()
            try:
                yield tx.session
            finally:
                if not tx.driver.connection.is_closed():
                    with contextlib.suppress(*CONNECTION_LOST):
                        await transaction.rollback()
        finally:
            await tx.close()

    async def checkpoint(self) -> None:
        """Copies the SQLite write-ahead log into the database without blocking writers (PASSIVE); no-op elsewhere."""
        if self.is_sqlite:
            async with self.engine.connect() as connection:
                raw = await connection.get_raw_connection()  # outside any transaction: no BEGIN IMMEDIATE, no lock
                # fetched to the end: a statement left unfinished would make the next commit on it fail
                await raw.driver_connection.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")

    async def dispose(self) -> None:
        await self.engine.dispose()
