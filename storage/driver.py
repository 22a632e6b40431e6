"""Statements of the per-update hot path, compiled once per dialect and run on the driver's own connection.

Why: SQLAlchemy's execution layer costs several times the statement itself (``bench/handling_cpu.py``: five statements
in a transaction take 3.5 times the CPU through Core as through asyncpg directly), and on SQLite each call through it
is several hops to aiosqlite's thread. Every update runs four to six such statements, so they skip that layer: the
SQL is still written with SQLAlchemy and compiled by the dialect, values still go through the columns' own types (so
what is written here reads back identically through the ORM), and they run inside the session's transaction. The
transaction itself is opened and closed on the driver too (``Transaction``, ``storage.db``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util import greenlet_spawn

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class Prepared:
    """One statement for one dialect: its SQL, where each parameter goes, and how values are converted."""

    sql: str
    names: tuple[str, ...]
    defaults: tuple[Any, ...]
    binds: tuple[Processor, ...]
    columns: tuple[str, ...]
    results: tuple[Processor, ...]

    def arguments(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        values = (params.get(name, default) for name, default in zip(self.names, self.defaults, strict=True))
        return tuple(value if bind is None else bind(value) for value, bind in zip(values, self.binds, strict=True))

    def row(self, raw: Sequence[Any]) -> dict[str, Any]:
        return {
            column: value if result is None else result(value)
            for column, value, result in zip(self.columns, raw, self.results, strict=True)
        }


def prepare(statement: ClauseElement, dialect: Dialect) -> Prepared:
    """Compiles ``statement`` with positional parameters; a bind parameter without a value given at run time keeps
    the value it was built with (literal values in ``.values(...)``)."""
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    params = [compiled.binds[name] for name in names]
    returned = list(getattr(statement, "exported_columns", ()))
    return Prepared(
        sql=compiled.string,
        names=names,
        defaults=tuple(param.value for param in params),
        binds=tuple(param.type.dialect_impl(dialect).bind_processor(dialect) for param in params),
        columns=tuple(column.key for column in returned),
        results=tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in returned),
    )


class Driver:
    """The transaction's connection, seen through the driver.

    PostgreSQL: asyncpg's own calls, inside the asyncpg transaction that ``storage.db`` opens.

    SQLite: the sqlite3 connection under aiosqlite, called directly on the event loop. Each of these statements
    touches a few indexed rows and takes microseconds, while a round trip to aiosqlite's thread costs a hundred or
    more; and none of them can wait for a lock, because the transaction already holds SQLite's write lock
    (``BEGIN IMMEDIATE``, see ``storage.db``).
    """

    def __init__(self, raw: Any, dialect: Dialect) -> None:
        self.dialect = dialect
        self.is_sqlite = dialect.name == "sqlite"
        self.connection = sqlite3_under(raw) if self.is_sqlite else raw

    async def fetch(self, statement: Prepared, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        arguments = statement.arguments(params)
        if self.is_sqlite:
            rows = self.connection.execute(statement.sql, arguments).fetchall()
        else:
            rows = await self.connection.fetch(statement.sql, *arguments)
        return [statement.row(row) for row in rows]

    async def execute(self, statement: Prepared, params: Mapping[str, Any]) -> None:
        arguments = statement.arguments(params)
        if self.is_sqlite:
            self.connection.execute(statement.sql, arguments).close()
        else:
            await self.connection.execute(statement.sql, *arguments)

    async def execute_many(self, statement: Prepared, rows: Sequence[Mapping[str, Any]]) -> None:
        arguments = [statement.arguments(params) for params in rows]
        if self.is_sqlite:
            self.connection.executemany(statement.sql, arguments).close()
        else:
            await self.connection.executemany(statement.sql, arguments)


class Transaction:
    """One database transaction on one pooled connection, begun and ended on the driver by ``Database.begin``.

    The hot path's statements run on ``driver``. An ORM ``session`` over the same connection, inside the same
    transaction, is made the first time something asks for one: most conversation steps never do, and a session
    with its SQLAlchemy connection costs more CPU than all of a step's statements together.
    """

    def __init__(self, engine: AsyncEngine, pooled: PoolProxiedConnection) -> None:
        self.engine = engine
        self.pooled = pooled
        self.driver = Driver(pooled.driver_connection, engine.dialect)
        self._session: AsyncSession | None = None
        self._adopted: list[Any] = []

    @property
    def session(self) -> AsyncSession:
        return self._session or self._open_session()

    def _open_session(self) -> AsyncSession:
        connection = Connection(self.engine.sync_engine, connection=self.pooled)
        connection.begin()  # already begun on the driver: SQLAlchemy only takes note (see storage.db)
        self._session = AsyncSession(
            bind=AsyncConnection(self.engine, connection), expire_on_commit=False,
            join_transaction_mode="rollback_only", info={"transaction": self},
        )  # fmt: skip
        self._session.add_all(self._adopted)
        return self._session

    def adopt(self, instance: Any) -> None:
        """An ORM object for a row the driver read, as loaded state: the changes handlers make to it (a language, a
        binding to a person) are flushed before commit, whether or not a session was needed otherwise."""
        self._adopted.append(instance)
        if self._session is not None:
            self._session.add(instance)

    async def flush(self) -> None:
        session = self._session
        if session is None and any(inspect(instance).modified for instance in self._adopted):
            session = self._open_session()
        if session is not None:
            await session.flush()

    async def close(self) -> None:
        """Gives the connection back to the pool; the transaction has been committed or rolled back by then."""
        if self._session is not None:
            bind = self._session.bind
            await self._session.close()
            await bind.close()  # type: ignore[union-attr]
        else:
            await greenlet_spawn(self.pooled.close)


def transaction_of(source: AsyncSession | Transaction) -> Transaction:
    """The transaction a session belongs to (sessions come only from ``Database.begin``), or the transaction itself."""
    if isinstance(source, Transaction):
        return source
    found = source.info.get("transaction")
    if found is None:
        raise RuntimeError("storage.driver runs statements only in sessions of Database.begin()/transaction()")
    return found


def sqlite3_under(aiosqlite_connection: Any) -> sqlite3.Connection:
    """The sqlite3 connection aiosqlite runs in its thread (it keeps it in ``_conn``); opened with
    ``check_same_thread=False`` by ``storage.db`` so that the loop may call it too."""
    return aiosqlite_connection._conn
