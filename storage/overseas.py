"""The register of overseas Vietnamese: every read takes a ``Scope``, so nothing outside a person's units is reachable.

Values come in as a dict keyed by column name (the form's step names are the column names). Free-text notes are
kept together as one encrypted JSON value; the change history records which note changed, never its text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, delete, func, insert, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import Cipher
from storage.models import OverseasChange, OverseasRecord, OverseasWord, Unit
from storage.text import key_words, name_key, words
from storage.units import Scope

PERSONAL_FIELDS = (
    "full_name", "gender", "birth_year", "country", "city", "abroad_since", "group_code", "association", "contact",
    "relative_name", "relationship", "relative_address", "relative_phone", "relative_in_association",
)  # fmt: skip
NOTE_FIELDS = ("contributions", "aspirations", "visits", "commendations")
STATUSES = ("abroad", "returned", "deceased", "unknown")


@dataclass(frozen=True)
class Actor:
    """Who made a change: a person in chat, or a label such as ``cli:admin``."""

    person_id: int | None
    label: str


@dataclass(frozen=True)
class Line:
    """What a list shows: a name and an id, never the whole record."""

    id: int
    full_name: str
    birth_year: int | None
    country: str | None
    relative_name: str | None
    unit_id: int


def _live(scope: Scope) -> Select[tuple[OverseasRecord]]:
    return select(OverseasRecord).where(OverseasRecord.deleted_at.is_(None), scope.clause(OverseasRecord.unit_id))


async def get(session: AsyncSession, record_id: int, scope: Scope) -> OverseasRecord | None:
    """The record if it exists, is not deleted and lies within ``scope``; None otherwise (no hint which)."""
    return await session.scalar(_live(scope).where(OverseasRecord.id == record_id))


SEARCH_WORDS = 6  # typed words beyond these narrow nothing that a name's first six do not
COUNTED = 5_000  # a search counts its matches up to here, then says "more than"


async def search(
    session: AsyncSession, scope: Scope, text: str, country: str | None = None, limit: int = 10
) -> tuple[list[Line], int]:
    """Diacritics-insensitive, word by word: each typed word begins a word of the name ("nguyen van a" finds
    "Nguyễn Văn A" and "Nguyễn Văn An", "an" finds "An" and "Anh" but not "Lan"), all in the person's name or
    all in their relative's; when the text names a country, the records in it too. Returns the first ``limit``
    lines in name order and the total, which stops at ``COUNTED + 1`` (shown as "more than").

    A province's 200,000 records are not read to find the few thousand called "lan": the words are looked up in
    the word index (``OverseasWord``), which also holds each record's unit and sort key, and only the records
    shown are read."""
    typed = list(dict.fromkeys(words(text)))[:SEARCH_WORDS]
    found: list[Select[tuple[int, str]]] = [_having_words(await _rarest_first(session, typed), scope)] if typed else []
    if country:
        found.append(
            select(OverseasRecord.id, func.coalesce(OverseasRecord.name_key, "")).where(
                OverseasRecord.country == country, OverseasRecord.deleted_at.is_(None),
                scope.clause(OverseasRecord.unit_id),
            )
        )  # fmt: skip
    if not found:
        return [], 0
    hits = (union(*found) if len(found) > 1 else found[0].distinct()).subquery()
    total = await session.scalar(select(func.count()).select_from(select(hits.c[0]).limit(COUNTED + 1).subquery()))
    if not total:
        return [], 0
    shown = select(hits.c[0]).order_by(hits.c[1], hits.c[0]).limit(limit)
    columns = (
        OverseasRecord.id, OverseasRecord.full_name, OverseasRecord.birth_year, OverseasRecord.country,
        OverseasRecord.relative_name, OverseasRecord.unit_id,
    )  # fmt: skip
    query = select(*columns).where(OverseasRecord.id.in_(shown), OverseasRecord.deleted_at.is_(None))
    rows = (await session.execute(query.order_by(OverseasRecord.name_key, OverseasRecord.id))).all()
    return [Line(*row) for row in rows], total


ESTIMATED = 2_000  # index entries counted per typed word to find the rarest: enough to tell "nguyen" from "hoa"


def _begins(word: str) -> ColumnElement[bool]:
    """An index word beginning with ``word``, as a range (code-point order on both databases)."""
    return and_(OverseasWord.word >= word, OverseasWord.word < word[:-1] + chr(min(ord(word[-1]) + 1, 0x10FFFF)))


async def _rarest_first(session: AsyncSession, typed: list[str]) -> list[str]:
    """The typed words, the one with the fewest index entries first (counted up to ``ESTIMATED`` each): a common
    surname read as the lead would cost tens of thousands of entries where the given name costs hundreds."""
    if len(typed) < 2:
        return typed
    counted = {}
    for word in typed:
        capped = select(OverseasWord.record_id).where(_begins(word)).limit(ESTIMATED).subquery()
        counted[word] = await session.scalar(select(func.count()).select_from(capped)) or 0
    return sorted(typed, key=lambda word: (counted[word], -len(word)))


def _having_words(typed: list[str], scope: Scope) -> Select[tuple[int, str]]:
    """(id, sort key) of the records in ``scope`` with, in one part (name or relative's name), a word beginning
    with each typed word. The first typed word leads as an index range; the others are matched on that entry's
    ``words``, so no other row is read."""
    first, *others = typed
    query = select(OverseasWord.record_id, OverseasWord.sort_key).where(
        _begins(first), scope.clause(OverseasWord.unit_id)
    )
    for word in others:  # a word is letters, digits and "_": only "_" means something to LIKE
        escaped = word.replace("_", "\\_")
        query = query.where(OverseasWord.words.like(f"% {escaped}%", escape="\\"))
    return query


Keys = tuple[int, int, str | None, str | None]  # (record id, unit id, name key, relative key)


def _entries(records: Iterable[Keys]) -> list[dict[str, Any]]:
    """The word index's rows for records given by their keys (none for an erased record, which has no name)."""
    rows = []
    for record_id, unit_id, name, relative in records:
        if name is None:
            continue
        for part, key in (("n", name), ("r", relative)):
            found = key_words(key or "")
            rows += [
                {"word": word, "part": part, "unit_id": unit_id, "sort_key": name, "record_id": record_id,
                 "words": " " + " ".join(found)}
                for word in set(found)
            ]  # fmt: skip
    return rows


async def index_names(session: AsyncSession, records: Iterable[Keys], *, replacing: Iterable[Keys] = ()) -> None:
    """Writes the word index of ``records``; the entries of what they were (``replacing``: their keys before the
    change) go first, each by its whole primary key, so the index needs no second index to find them."""
    table = OverseasWord.__table__
    old = _entries(replacing)
    if old:
        key = [column.name for column in table.primary_key.columns]
        gone = delete(table).where(*(table.c[name] == bindparam(f"k_{name}") for name in key))
        await session.execute(gone, [{f"k_{name}": row[name] for name in key} for row in old])
    rows = _entries(records)
    for start in range(0, len(rows), 5_000):
        await session.execute(insert(table), rows[start : start + 5_000])


async def similar(
    session: AsyncSession, unit_id: int, full_name: str, birth_year: int | None, country: str | None
) -> list[OverseasRecord]:
    """Records in the unit that may be the same person: same folded name (or a near spelling), a birth year within
    one year (or unknown on either side), and the same country."""
    key = name_key(full_name)
    query = _live(Scope(unit_id)).where(OverseasRecord.country == country)
    if birth_year is not None:
        query = query.where(
            or_(OverseasRecord.birth_year.is_(None), OverseasRecord.birth_year.between(birth_year - 1, birth_year + 1))
        )
    candidates = (await session.scalars(query.limit(500))).all()
    return [
        record
        for record in candidates
        if record.name_key == key or SequenceMatcher(None, record.name_key or "", key).ratio() >= 0.9
    ][:5]


async def identities(session: AsyncSession, unit_id: int) -> set[tuple[str, int | None, str | None]]:
    """(name, year, country) of every live record in the unit: how a re-imported spreadsheet recognises its rows."""
    rows = await session.execute(
        select(OverseasRecord.name_key, OverseasRecord.birth_year, OverseasRecord.country).where(
            OverseasRecord.unit_id == unit_id, OverseasRecord.deleted_at.is_(None)
        )
    )
    return {(row[0] or "", row[1], row[2]) for row in rows}


def notes_of(record: OverseasRecord, cipher: Cipher) -> dict[str, Any]:
    return cipher.decrypt(record.notes_enc) if record.notes_enc else {}


def _apply(record: OverseasRecord, values: Mapping[str, Any]) -> None:
    for field in PERSONAL_FIELDS:
        if field in values:
            setattr(record, field, values[field])
    record.name_key = name_key(record.full_name or "")
    record.relative_key = name_key(record.relative_name) if record.relative_name else None


def _notes(values: Mapping[str, Any]) -> dict[str, Any]:
    return {field: values[field] for field in NOTE_FIELDS if values.get(field)}


async def create(
    session: AsyncSession,
    *,
    unit_id: int,
    values: Mapping[str, Any],
    cipher: Cipher,
    actor: Actor,
    now: datetime,
    draft_key: str | None = None,
    source: str = "chat",
) -> tuple[OverseasRecord, bool]:
    """Adds a record; with a ``draft_key`` a second confirm of the same draft returns the first record."""
    if draft_key is not None:
        existing = await session.scalar(select(OverseasRecord).where(OverseasRecord.draft_key == draft_key))
        if existing is not None:
            return existing, False
    notes = _notes(values)
    record = OverseasRecord(
        draft_key=draft_key, unit_id=unit_id, status=values.get("status") or "abroad", source=source,
        created_by_id=actor.person_id, created_at=now, updated_at=now,
        notes_enc=cipher.encrypt(notes) if notes else None,
    )  # fmt: skip
    _apply(record, values)
    session.add(record)
    await session.flush()
    await index_names(session, [(record.id, record.unit_id, record.name_key, record.relative_key)])
    return record, True


async def update(
    session: AsyncSession,
    record: OverseasRecord,
    values: Mapping[str, Any],
    *,
    cipher: Cipher,
    actor: Actor,
    now: datetime,
) -> list[str]:
    """Writes the fields that differ and one history line per field; returns the names of the changed fields."""
    changed: list[str] = []
    keys = (record.unit_id, record.name_key, record.relative_key)
    for field in PERSONAL_FIELDS:
        if field in values and values[field] != getattr(record, field):
            session.add(OverseasChange(
                record_id=record.id, at=now, person_id=actor.person_id, actor_label=actor.label, field=field,
                old_value=_text(getattr(record, field)), new_value=_text(values[field]),
            ))  # fmt: skip
            changed.append(field)
    _apply(record, values)
    if any(field in values for field in NOTE_FIELDS):
        old_notes = notes_of(record, cipher)
        new_notes = {**old_notes, **{field: values.get(field) for field in NOTE_FIELDS if field in values}}
        new_notes = {field: value for field, value in new_notes.items() if value}
        for field in NOTE_FIELDS:
            if old_notes.get(field) != new_notes.get(field):
                session.add(OverseasChange(record_id=record.id, at=now, person_id=actor.person_id,
                                           actor_label=actor.label, field=field))  # fmt: skip
                changed.append(field)
        record.notes_enc = cipher.encrypt(new_notes) if new_notes else None
    if "status" in values and values["status"] != record.status:
        session.add(OverseasChange(record_id=record.id, at=now, person_id=actor.person_id, actor_label=actor.label,
                                   field="status", old_value=record.status, new_value=values["status"]))  # fmt: skip
        record.status = values["status"]
        changed.append("status")
    if changed:
        record.updated_at = now
    await session.flush()
    if (record.unit_id, record.name_key, record.relative_key) != keys:
        await index_names(session, [(record.id, record.unit_id, record.name_key, record.relative_key)],
                          replacing=[(record.id, *keys)])  # fmt: skip
    return changed


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


async def history(session: AsyncSession, record: OverseasRecord, limit: int = 10) -> list[OverseasChange]:
    query = (
        select(OverseasChange)
        .where(OverseasChange.record_id == record.id)
        .order_by(OverseasChange.at.desc(), OverseasChange.id.desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def erase(session: AsyncSession, record: OverseasRecord, now: datetime) -> None:
    """Deletion on request: every personal field and the change history go; a tombstone row keeps the id."""
    was = (record.id, record.unit_id, record.name_key, record.relative_key)
    await session.execute(delete(OverseasChange).where(OverseasChange.record_id == record.id))
    for field in PERSONAL_FIELDS:
        setattr(record, field, None)
    record.name_key = record.relative_key = record.notes_enc = record.draft_key = None
    record.status = "unknown"
    record.deleted_at = record.updated_at = now
    await session.flush()
    await index_names(session, [], replacing=[was])


async def counts(session: AsyncSession, scope: Scope, by: str) -> list[tuple[str, int]]:
    """Live records counted by ``country``, ``group`` or ``unit`` (unit names), largest first."""
    if by == "unit":
        column = Unit.name
        query = select(column, func.count()).select_from(OverseasRecord).join(Unit, Unit.id == OverseasRecord.unit_id)
    else:
        column = OverseasRecord.country if by == "country" else OverseasRecord.group_code
        query = select(column, func.count())
    query = query.where(OverseasRecord.deleted_at.is_(None), scope.clause(OverseasRecord.unit_id))
    rows = await session.execute(query.group_by(column).order_by(func.count().desc(), column))
    return [(row[0] or "", row[1]) for row in rows]


async def in_scope(session: AsyncSession, scope: Scope) -> list[OverseasRecord]:
    """Every live record in scope, for exports (the caller audits)."""
    query = _live(scope).order_by(OverseasRecord.unit_id, OverseasRecord.name_key)
    return list((await session.scalars(query)).all())


async def encrypted_sample(session: AsyncSession) -> str | None:
    """One encrypted value, to check at start-up that the configured key opens the stored notes."""
    return await session.scalar(select(OverseasRecord.notes_enc).where(OverseasRecord.notes_enc.is_not(None)).limit(1))


async def create_many(
    session: AsyncSession,
    *,
    unit_id: int,
    rows: list[dict[str, Any]],
    cipher: Cipher,
    actor: Actor,
    now: datetime,
) -> int:
    """Adds imported rows with one multi-row INSERT, skipping any whose (name, year, country) the unit already has."""
    present = await identities(session, unit_id)
    batch = []
    for values in rows:
        identity = (name_key(values["full_name"]), values.get("birth_year"), values.get("country"))
        if identity in present:
            continue
        present.add(identity)
        notes, relative = _notes(values), values.get("relative_name")
        batch.append({
            **{field: values.get(field) for field in PERSONAL_FIELDS}, "unit_id": unit_id,
            "name_key": identity[0], "relative_key": name_key(relative) if relative else None,
            "status": values.get("status") or "abroad", "source": "import", "created_by_id": actor.person_id,
            "created_at": now, "updated_at": now, "notes_enc": cipher.encrypt(notes) if notes else None,
        })  # fmt: skip
    if batch:
        table = OverseasRecord.__table__  # Core: many rows per statement, each row's keys returned with its id
        adding = insert(table).returning(table.c.id, table.c.unit_id, table.c.name_key, table.c.relative_key)
        await index_names(session, [tuple(row) for row in await session.execute(adding, batch)])
    return len(batch)
