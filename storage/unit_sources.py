"""Where units come from: Vietnam's current provinces and communes (``vietnam-provinces``), or a CSV file."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from vietnam_provinces import Province, Ward

from storage.text import fold
from storage.units import UnitRow

CSV_COLUMNS = ("code", "name", "level", "parent_code")


def vietnam_units(province: str | None = None) -> Iterator[UnitRow]:
    """Provinces (level ``province``) and their communes/wards (level ``commune``), with GSO codes.

    ``province`` filters by name or code, diacritics-insensitive ("Nghe An", "40").
    """
    wanted = fold(province) if province else None
    provinces = [
        p
        for p in Province.iter_all()
        if wanted is None
        or wanted in (fold(p.name), str(int(p.code)), fold(p.name.split(" ", 1)[-1]))
        or fold(p.name).endswith(" " + wanted)
    ]
    if not provinces:
        raise ValueError(f"no province matches {province!r}")
    for p in sorted(provinces, key=lambda item: int(item.code)):
        code = f"{int(p.code):02d}"
        yield UnitRow(code=code, name=p.name, level="province", kind=p.division_type.value)
        for ward in sorted(Ward.iter_by_province(p.code), key=lambda item: int(item.code)):
            yield UnitRow(
                code=f"{int(ward.code):05d}",
                name=ward.name,
                level="commune",
                kind=ward.division_type.value,
                parent_code=code,
            )


def csv_units(path: Path) -> list[UnitRow]:
    """Rows ``code,name,level,parent_code`` (header required), parents in any order: they are sorted here."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in CSV_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
        rows = []
        for number, raw in enumerate(reader, start=2):
            code, name, level = (raw["code"] or "").strip(), (raw["name"] or "").strip(), (raw["level"] or "").strip()
            if not code or not name or not level:
                raise ValueError(f"{path}:{number}: code, name and level are required")
            rows.append(
                UnitRow(
                    code=code,
                    name=name,
                    level=level,
                    parent_code=(raw["parent_code"] or "").strip() or None,
                    kind=(raw.get("kind") or "").strip() or None,
                )
            )
    return _parents_first(rows)


def _parents_first(rows: list[UnitRow]) -> list[UnitRow]:
    by_code = {row.code: row for row in rows}
    if len(by_code) != len(rows):
        raise ValueError("the same unit code appears twice")
    ordered: list[UnitRow] = []
    placed: set[str] = set()

    def place(row: UnitRow, trail: tuple[str, ...]) -> None:
        if row.code in placed:
            return
        if row.code in trail:
            raise ValueError(f"units form a cycle: {' → '.join((*trail, row.code))}")
        parent = by_code.get(row.parent_code or "")
        if parent is not None:
            place(parent, (*trail, row.code))
        placed.add(row.code)
        ordered.append(row)

    for row in rows:
        place(row, ())
    return ordered
