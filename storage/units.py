"""The unit hierarchy: upserts for imports, and subtree queries for scoping what a person may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Person, Unit
from storage.text import N_, Translator


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    level: str
    parent_code: str | None = None
    kind: str | None = None


class UnitsRefused(ValueError):
    """Units that cannot be imported as given: ``reason`` says why (for a translated message), ``line`` (of a file)
    and ``code`` where; the text is the command line's."""

    def __init__(self, reason: str, text: str, *, line: int | None = None, code: str = "") -> None:
        super().__init__(text)
        self.reason, self.line, self.code = reason, line, code

    def __reduce__(self) -> tuple[Any, ...]:  # whole, from a child process (``bot.file_reading``)
        return _refused, (self.reason, str(self), self.line, self.code)


def _refused(reason: str, text: str, line: int | None, code: str) -> UnitsRefused:
    return UnitsRefused(reason, text, line=line, code=code)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


async def upsert_units(session: AsyncSession, rows: Iterable[UnitRow]) -> ImportResult:
    """Creates or updates units by code; parents must come before children or already exist, and a unit cannot be
    put under one of its own units. A parent that was merged into another unit stands for the unit it went into, so
    a re-import does not undo a merge."""
    result = ImportResult()
    rows = list(rows)
    codes = {row.code for row in rows} | {row.parent_code for row in rows if row.parent_code}
    existing: dict[str, Unit] = {}
    code_list = list(codes)
    for start in range(0, len(code_list), 500):
        chunk = code_list[start : start + 500]
        for unit in (await session.scalars(select(Unit).where(Unit.code.in_(chunk)))).all():
            existing[unit.code] = unit
    for row in rows:
        parent = existing.get(row.parent_code) if row.parent_code else None
        if row.parent_code and parent is None:
            raise UnitsRefused("unknown parent", f"unit {row.code}: parent {row.parent_code} is unknown", code=row.code)
        if parent is not None and parent.id is None:
            await session.flush()
        parent = await remaining(session, parent) if parent is not None else None
        parent_id = parent.id if parent else None
        unit = existing.get(row.code)
        if unit is None:
            unit = Unit(code=row.code, name=row.name, level=row.level, kind=row.kind, parent_id=parent_id)
            session.add(unit)
            existing[row.code] = unit
            result.created += 1
        elif (unit.name, unit.level, unit.kind, unit.parent_id) != (row.name, row.level, row.kind, parent_id):
            moved = parent_id is not None and parent_id != unit.parent_id
            if moved and parent_id in await subtree_ids(session, unit.id):
                raise UnitsRefused("cycle", f"unit {row.code}: parent {row.parent_code} lies under it (a cycle)",
                                   code=row.code)  # fmt: skip
            unit.name, unit.level, unit.kind, unit.parent_id = row.name, row.level, row.kind, parent_id
            result.updated += 1
        else:
            result.unchanged += 1
    await session.flush()
    return result


def live() -> ColumnElement[bool]:
    """Units not merged into another (``storage.unit_merge``): those expected to report, invited and chosen."""
    return Unit.merged_into_id.is_(None)


async def remaining(session: AsyncSession, unit: Unit) -> Unit:
    """The unit itself, or the one it was merged into (and so on): where its people and records now are."""
    while unit.merged_into_id is not None:
        merged_into = await session.get(Unit, unit.merged_into_id)
        assert merged_into is not None  # a foreign key
        unit = merged_into
    return unit


@dataclass(frozen=True)
class Branch:
    """One unit of a level of the tree, with how many units lie directly under it and its active people."""

    unit: Unit
    below: int
    people: int


async def branches(session: AsyncSession, parent_id: int | None) -> list[Branch]:
    """The units directly under one unit (or the tree's roots), merged ones last: one level, as a page shows it."""
    child = aliased(Unit)
    below = select(func.count()).select_from(child).where(child.parent_id == Unit.id).scalar_subquery()
    people = (
        select(func.count()).select_from(Person)
        .where(Person.unit_id == Unit.id, Person.deactivated_at.is_(None)).scalar_subquery()
    )  # fmt: skip
    under = Unit.parent_id.is_(None) if parent_id is None else Unit.parent_id == parent_id
    query = select(Unit, below, people).where(under).order_by(Unit.merged_into_id.is_not(None), Unit.name, Unit.code)
    return [Branch(unit, count, active) for unit, count, active in await session.execute(query)]


async def ancestors(session: AsyncSession, unit: Unit) -> list[Unit]:
    """The units above ``unit``, the root first (a tree is a few levels deep)."""
    trail: list[Unit] = []
    while unit.parent_id is not None and len(trail) < 16:
        parent = await session.get(Unit, unit.parent_id)
        if parent is None:
            break
        trail.insert(0, parent)
        unit = parent
    return trail


async def in_scope(session: AsyncSession, scope: Scope, unit: Unit) -> bool:
    """The unit lies within the scope (a supervisor's subtree; an admin's everything)."""
    return await session.scalar(select(Unit.id).where(Unit.id == unit.id, scope.clause(Unit.id))) is not None


async def by_code(session: AsyncSession, code: str) -> Unit | None:
    return await session.scalar(select(Unit).where(Unit.code == code))


LEVEL_LABELS = {"province": N_("Provinces and cities"),
                "district": N_("Districts (before July 2025)"),
                "commune": N_("Communes and wards")}  # fmt: skip


async def level_choices(session: AsyncSession, i18n: Translator) -> list[tuple[str, str, str]]:
    """(level, label, code) of the levels units exist at, in the reader's language: the code is not shown, but it
    can still be typed (an admin's "commune"); a level without a label is shown as it is stored."""
    levels = (await session.scalars(select(Unit.level).distinct().order_by(Unit.level))).all()
    return [(level, i18n.t(LEVEL_LABELS[level]) if level in LEVEL_LABELS else level, level) for level in levels]


async def require(session: AsyncSession, code: str) -> Unit:
    """The unit with this code, or a ValueError that says what to do (the command line prints it; no traceback)."""
    unit = await by_code(session, code)
    if unit is None:
        raise ValueError(f"unknown unit code {code!r}; import units first (caunoi units import-vn)")
    return unit


async def subtree_ids(session: AsyncSession, root_id: int) -> list[int]:
    """The unit and everything below it, via a recursive CTE (works on SQLite and PostgreSQL)."""
    return list((await session.scalars(select(_subtree(root_id).c.id))).all())


@lru_cache(maxsize=4096)
def _subtree(unit_id: int) -> Any:
    """The recursive CTE of one root's subtree: one object per root, named after it. A scoped statement's text is
    then the same every time for the same root, so SQLAlchemy's compiled cache and asyncpg's prepared statements
    serve it again (a counter in the name made every one new); two scopes of one root in a query share the CTE, two
    roots (a schedule's and a supervisor's) get two names."""
    tree = select(Unit.id).where(Unit.id == unit_id).cte(f"scope_tree_{unit_id}", recursive=True)
    return tree.union_all(select(Unit.id).where(Unit.parent_id == tree.c.id))


@dataclass(frozen=True)
class Scope:
    """The units whose records a person may see: one unit, a unit and everything below it, or (admin) all."""

    unit_id: int | None
    subtree: bool = False

    @classmethod
    def everything(cls) -> Scope:
        return cls(None, subtree=True)

    def clause(self, column: ColumnElement[int], *, scanning: bool = False) -> ColumnElement[bool]:
        """``unit_id`` within the scope. A query that reads every row anyway (a summary of a whole period) says
        ``scanning``: the subtree test then stays off the unit index, as fetching the rows unit by unit through
        the index is several times slower than one pass over the table (SQLite measured 460 ms vs 95 ms)."""
        if self.unit_id is None:
            return true()
        if not self.subtree:
            return column == self.unit_id
        if scanning:
            column = column + literal_column("0")
        return column.in_(select(_subtree(self.unit_id).c.id))
