"""Activity reports exported for checking and for other tools (CSV, JSON); every export is audited."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import select

from storage import audit
from storage.activities import for_units
from storage.db import Database
from storage.models import Person, Unit
from storage.text import inert
from storage.units import by_code, subtree_ids

ACTIVITY_COLUMNS = (
    "id", "unit_code", "unit_name", "reporter", "kind", "activity_date", "title", "description", "place",
    "partner_country", "partner_org", "participants", "participants_note", "foreign_participants", "money_vnd",
    "photos", "form_name", "form_version", "created_at",
)  # fmt: skip


async def activity_rows(db: Database, unit_code: str | None, actor_label: str) -> list[dict[str, Any]]:
    """Rows of the unit's subtree (or everything), and an audit entry saying who exported how many."""
    async with db.transaction() as session:
        unit_ids = None
        if unit_code:
            unit = await by_code(session, unit_code)
            if unit is None:
                raise ValueError(f"unknown unit code {unit_code!r}")
            unit_ids = await subtree_ids(session, unit.id)
        reports = await for_units(session, unit_ids)
        units = {
            u.id: u
            for u in (await session.scalars(select(Unit).where(Unit.id.in_({r.unit_id for r in reports})))).all()
        }
        people = {
            p.id: p
            for p in (
                await session.scalars(select(Person).where(Person.id.in_({r.reporter_id for r in reports})))
            ).all()
        }
        rows = [
            {
                "id": r.id,
                "unit_code": units[r.unit_id].code,
                "unit_name": units[r.unit_id].name,
                "reporter": people[r.reporter_id].full_name,
                "kind": r.kind_code,
                "activity_date": r.activity_date.isoformat(),
                "title": r.title,
                "description": r.description,
                "place": r.place,
                "partner_country": r.partner_country,
                "partner_org": r.partner_org,
                "participants": r.participants,
                "participants_note": r.participants_note,
                "foreign_participants": r.foreign_participants,
                "money_vnd": r.money_vnd,
                "photos": len(r.photos),
                "form_name": r.form_name,
                "form_version": r.form_version,
                "created_at": r.created_at.isoformat(),
            }
            for r in reports
        ]
        audit.record(
            session,
            "export.activities",
            actor_label=actor_label,
            object_type="unit",
            object_id=unit_code or "*",
            rows=len(rows),
        )
    return rows


def to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ACTIVITY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: inert(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()


def to_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
