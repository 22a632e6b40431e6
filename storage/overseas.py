"""The register of overseas Vietnamese: every read takes a ``Scope``, so nothing outside a person's units is reachable.

Values come in as a dict keyed by column name (the form's step names are the column names). Free-text notes are
kept together as one encrypted JSON value; the change history records which note changed, never its text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy import Select, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import Cipher
from storage.models import OverseasChange, OverseasRecord, Unit
from storage.text import name_key
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


async def search(
    session: AsyncSession, scope: Scope, text: str, country: str | None = None, limit: int = 10
) -> tuple[list[Line], int]:
    """Diacritics-insensitive: "nguyen van a" finds "Nguyễn Văn A" and "Nguyễn Văn An"; also relatives' names and,
    when the text names a country, the records in it. Returns the first ``limit`` lines and the total."""
    key = name_key(text)
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matches = [
        OverseasRecord.name_key.like(pattern, escape="\\"),
        OverseasRecord.relative_key.like(pattern, escape="\\"),
    ]
    if country:
        matches.append(OverseasRecord.country == country)
    where = (OverseasRecord.deleted_at.is_(None), scope.clause(OverseasRecord.unit_id, scanning=True), or_(*matches))
    columns = (
        OverseasRecord.id, OverseasRecord.full_name, OverseasRecord.birth_year, OverseasRecord.country,
        OverseasRecord.relative_name, OverseasRecord.unit_id, func.count().over(),
    )  # fmt: skip
    rows = (await session.execute(select(*columns).where(*where).order_by(OverseasRecord.name_key).limit(limit))).all()
    return [Line(*row[:-1]) for row in rows], (rows[0][-1] if rows else 0)


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
    await session.execute(delete(OverseasChange).where(OverseasChange.record_id == record.id))
    for field in PERSONAL_FIELDS:
        setattr(record, field, None)
    record.name_key = record.relative_key = record.notes_enc = record.draft_key = None
    record.status = "unknown"
    record.deleted_at = record.updated_at = now
    await session.flush()


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
        await session.execute(insert(OverseasRecord), batch)
    return len(batch)
