"""Statements of the per-update hot path, compiled once per dialect and run on the driver's own connection.

Why: SQLAlchemy's execution layer costs several times the statement itself (``bench/handling_cpu.py``: five statements
take 2.4 ms of CPU through Core against 0.7 ms through asyncpg directly), and on SQLite each call through it is
several hops to aiosqlite's thread. Every update runs five such statements, so they skip that layer: the SQL is still
written with SQLAlchemy and compiled by the dialect, values still go through the columns' own types (so what is
written here reads back identically through the ORM), and they run inside the session's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ClauseElement

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
    """The session's transaction, seen through the driver.

    PostgreSQL: asyncpg's own calls, inside the asyncpg transaction that ``storage.db`` opens for the session.

    SQLite: the sqlite3 connection under aiosqlite, called directly on the event loop. Each of these statements
    touches a few indexed rows and takes microseconds, while a round trip to aiosqlite's thread costs a hundred or
    more; and none of them can wait for a lock, because the transaction already holds SQLite's write lock
    (``BEGIN IMMEDIATE``, see ``storage.db``).
    """

    def __init__(self, raw: Any, is_sqlite: bool) -> None:
        self.is_sqlite = is_sqlite
        self.connection = sqlite3_under(raw) if is_sqlite else raw

    async def fetch(self, statement: Prepared, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        arguments = statement.arguments(params)
        if self.is_sqlite:
            rows = self.connection.execute(statement.sql, arguments).fetchall()
        else:
            rows = await self.connection.fetch(statement.sql, *arguments)
        return [statement.row(row) for row in rows]

    async def execute(self, statement: Prepared, params: Mapping[str, Any]) -> None:
        await self.execute_many(statement, [params])

    async def execute_many(self, statement: Prepared, rows: Sequence[Mapping[str, Any]]) -> None:
        arguments = [statement.arguments(params) for params in rows]
        if self.is_sqlite:
            self.connection.executemany(statement.sql, arguments).close()
        else:
            await self.connection.executemany(statement.sql, arguments)


def sqlite3_under(aiosqlite_connection: Any) -> sqlite3.Connection:
    """The sqlite3 connection aiosqlite runs in its thread (it keeps it in ``_conn``); opened with
    ``check_same_thread=False`` by ``storage.db`` so that the loop may call it too."""
    return aiosqlite_connection._conn


async def raw_connection(session: AsyncSession) -> Any:
    """The driver's connection (asyncpg's, or aiosqlite's) under ``session``."""
    return (await (await session.connection()).get_raw_connection()).driver_connection


async def driver(session: AsyncSession) -> Driver:
    """The driver under ``session``'s current transaction; found once per transaction (asking SQLAlchemy for the
    connection costs about as much as one of these statements)."""
    transaction = session.sync_session.get_transaction()
    found = session.info.get("driver")
    if transaction is not None and found is not None and found[0] is transaction:
        return found[1]
    raw = await raw_connection(session)
    is_sqlite = session.bind.dialect.name == "sqlite"
    if not is_sqlite and not raw.is_in_transaction():
        raise RuntimeError("storage.driver runs statements only inside Database.transaction()")
    result = Driver(raw, is_sqlite)
    session.info["driver"] = (session.sync_session.get_transaction(), result)
    return result
