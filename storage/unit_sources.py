"""Where units come from: Vietnam's current provinces and communes (``vietnam-provinces``), or a CSV file."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from vietnam_provinces import Province, Ward

from storage.text import fold
from storage.units import UnitRow, UnitsRefused

CSV_COLUMNS = ("code", "name", "level", "parent_code")
MAX_ROWS = 50_000  # units in one file: Vietnam has 3,321 communes
CODE = re.compile(r"[\w.\-]{1,32}")
LEVEL = re.compile(r"[a-z][a-z_]{0,31}")


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
    return csv_units_from(path.read_bytes(), str(path))


def csv_units_from(data: bytes, source: str = "CSV") -> list[UnitRow]:
    """The same from a file's bytes (one sent to the web console): UTF-8 with or without a byte-order mark, or the
    Vietnamese Windows code page Excel saves "CSV" in; commas, semicolons (Excel where the decimal mark is a comma)
    or tabs. Every value is checked before anything is written; a ``ValueError`` names the line."""
    text = _decoded(data)
    lines = text.splitlines()
    if len(lines) > MAX_ROWS + 1:
        raise UnitsRefused("too many", f"{source}: more than {MAX_ROWS:,} units")
    header = lines[0] if lines else ""
    delimiter = max(",;\t", key=header.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    fields = [(name or "").strip().lower() for name in reader.fieldnames or []]
    reader.fieldnames = fields
    missing = [column for column in CSV_COLUMNS if column not in fields]
    if missing:
        raise UnitsRefused("columns", f"{source}: missing column(s) {', '.join(missing)}")
    rows = []
    for number, raw in enumerate(reader, start=2):
        values = {name: " ".join((raw.get(name) or "").split()) for name in (*CSV_COLUMNS, "kind")}
        if not any(values.values()):
            continue  # a blank line, or one of separators only
        code, name, level = values["code"], values["name"], values["level"].lower()
        if not code or not name or not level:
            raise UnitsRefused("required", f"{source}:{number}: code, name and level are required", line=number)
        if not CODE.fullmatch(code) or (values["parent_code"] and not CODE.fullmatch(values["parent_code"])):
            raise UnitsRefused("code", f"{source}:{number}: a code is letters, digits, '-', '_' or '.', up to 32",
                               line=number)  # fmt: skip
        if not LEVEL.fullmatch(level) or len(name) > 255 or len(values["kind"]) > 64:
            raise UnitsRefused("value", f"{source}:{number}: a level is a word in small letters (commune, district, "
                               "province), a name up to 255 characters", line=number)  # fmt: skip
        rows.append(UnitRow(code=code, name=unicodedata.normalize("NFC", name), level=level,
                            parent_code=values["parent_code"] or None, kind=values["kind"] or None))  # fmt: skip
    return _parents_first(rows)


def _decoded(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows-1258 writes a tone as a combining mark after its vowel: composed here, as typed text is
        return unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))


def _parents_first(rows: list[UnitRow]) -> list[UnitRow]:
    by_code = {row.code: row for row in rows}
    if len(by_code) != len(rows):
        twice = next(code for code, count in Counter(row.code for row in rows).items() if count > 1)
        raise UnitsRefused("twice", f"the unit code {twice} appears twice", code=twice)
    ordered: list[UnitRow] = []
    placed: set[str] = set()

    def place(row: UnitRow, trail: tuple[str, ...]) -> None:
        if row.code in placed:
            return
        if row.code in trail:
            raise UnitsRefused("cycle", f"units form a cycle: {' → '.join((*trail, row.code))}", code=row.code)
        parent = by_code.get(row.parent_code or "")
        if parent is not None:
            place(parent, (*trail, row.code))
        placed.add(row.code)
        ordered.append(row)

    for row in rows:
        place(row, ())
    return ordered
