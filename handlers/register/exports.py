"""The register exported as rows in the spreadsheet's column order (Excel, CSV); every export is audited."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy import select

from handlers.register.sheet import COLUMNS, display_value, export_headers
from storage import audit, overseas
from storage.crypto import Cipher
from storage.db import Database
from storage.models import Unit
from storage.text import inert
from storage.types import VIETNAM
from storage.units import Scope, by_code


async def register_rows(db: Database, cipher: Cipher, unit_code: str | None, actor_label: str) -> list[list[Any]]:
    """The register of the unit's subtree (or everything) in the spreadsheet's column order; audited."""
    async with db.transaction() as session:
        scope = Scope.everything()
        if unit_code:
            unit = await by_code(session, unit_code)
            if unit is None:
                raise ValueError(f"unknown unit code {unit_code!r}")
            scope = Scope(unit.id, subtree=True)
        records = await overseas.in_scope(session, scope)
        units = {u.id: u for u in (await session.scalars(select(Unit).where(scope.clause(Unit.id)))).all()}
        rows = []
        for record in records:
            values = {step.name: getattr(record, step.name, None) for step in COLUMNS}
            values.update(overseas.notes_of(record, cipher))
            unit = units[record.unit_id]
            rows.append([
                record.id, unit.code, unit.name, *(display_value(step, values.get(step.name)) for step in COLUMNS),
                _local(record.created_at), _local(record.updated_at),
            ])  # fmt: skip
        audit.record(session, "export.overseas", actor_label=actor_label, object_type="unit",
                     object_id=unit_code or "*", rows=len(rows))  # fmt: skip
    return rows


def _local(moment: datetime) -> datetime:
    """Spreadsheets have no time zones: Vietnam's local time, without tzinfo."""
    return moment.astimezone(VIETNAM).replace(tzinfo=None)


def register_to_csv(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(export_headers())
    writer.writerows([[value.isoformat(sep=" ") if isinstance(value, datetime) else inert(value) for value in row]
                      for row in rows])  # fmt: skip
    return buffer.getvalue()
