"""The register exported as rows in the spreadsheet's column order (Excel, CSV); every export is audited and told to
the administrators."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.replies import Reply
from bot.i18n import I18n
from bot.notify import to_admins
from handlers.register.sheet import COLUMNS, display_value, export_headers
from storage import audit, overseas
from storage.crypto import Cipher
from storage.db import Database
from storage.models import Unit
from storage.text import inert
from storage.types import VIETNAM, utcnow
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
        await _tell_admins(session, unit_code or "*", len(rows), actor_label)
    return rows


async def _tell_admins(session: AsyncSession, unit_code: str, rows: int, actor_label: str) -> None:
    """Every bulk export of personal data is told to the administrators, as it happens."""

    def build(i18n: I18n) -> Reply:
        return Reply(text=i18n.t("The register was exported: {rows} record(s) of unit {unit}, by {actor}.", rows=rows,
                                 unit=unit_code, actor=actor_label), title=i18n.t("Personal data"))  # fmt: skip

    await to_admins(session, build, utcnow())


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
