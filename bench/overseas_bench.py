"""The overseas register at province scale: diacritics-insensitive search over 200,000 records, and the check and
import of a 10,000-row Excel list (time and peak memory).

Run:  python bench/overseas_bench.py [--db sqlite|postgres|both] [--records 200000] [--rows 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from sqlalchemy import func, insert, or_, select, update  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from bot.app import App  # noqa: E402
from bot.config import Settings  # noqa: E402
from handlers.register.sheet import check  # noqa: E402
from handlers.register.sheet_import import import_rows, stage  # noqa: E402
from storage import overseas  # noqa: E402
from storage.crypto import new_key  # noqa: E402
from storage.models import OverseasRecord, Unit  # noqa: E402
from storage.text import name_key  # noqa: E402
from storage.types import utcnow  # noqa: E402
from storage.unit_sources import vietnam_units  # noqa: E402
from storage.units import Scope, upsert_units  # noqa: E402
from tests import postgres  # noqa: E402

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Quốc", "Ngọc", "Đức", "Thu", "Xuân", "Công", "Kim"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hùng", "Lan", "Linh", "Long", "Mai", "Nam", "Phương",
         "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến", "Khoa", "Hiếu", "Nhung", "Oanh", "Phúc"]  # fmt: skip
COUNTRIES = ["US", "JP", "KR", "DE", "FR", "AU", "CA", "TW", "LA", "KH", "RU", "GB", "CZ", "PL"]
SEARCHES = 400


def name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


async def fill(app: App, records: int, rng: random.Random) -> list[int]:
    """Đà Nẵng's communes with ``records`` people spread over them, inserted in bulk."""
    async with app.db.transaction() as session:
        await upsert_units(session, vietnam_units("48"))
        communes = list((await session.scalars(select(Unit.id).where(Unit.level == "commune"))).all())
    now = utcnow()
    for start in range(0, records, 10_000):
        batch = []
        for _ in range(min(10_000, records - start)):
            full, relative = name(rng), name(rng)
            batch.append({
                "unit_id": rng.choice(communes), "full_name": full, "name_key": name_key(full),
                "birth_year": rng.randint(1940, 2005), "country": rng.choice(COUNTRIES), "relative_name": relative,
                "relative_key": name_key(relative), "status": "abroad", "source": "import", "created_at": now,
                "updated_at": now,
            })  # fmt: skip
        table = OverseasRecord.__table__
        adding = insert(table).returning(table.c.id, table.c.unit_id, table.c.name_key, table.c.relative_key)
        async with app.db.transaction() as session:
            await overseas.index_names(session, [tuple(row) for row in await session.execute(adding, batch)])
    if app.db.engine.dialect.name == "postgresql":  # as autovacuum does after bulk inserts (index-only scans)
        connection = await asyncpg.connect(
            app.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        )
        await connection.execute("VACUUM ANALYZE overseas_records")
        await connection.execute("VACUUM ANALYZE overseas_words")
        await connection.close()
    return communes


async def scan(session: AsyncSession, scope: Scope, text_: str) -> None:
    """The baseline: the plain SQL of a substring search — one pass over every record's names, all counted."""
    key = name_key(text_)
    pattern = f"%{key}%"
    where = (OverseasRecord.deleted_at.is_(None), scope.clause(OverseasRecord.unit_id, scanning=True),
             or_(OverseasRecord.name_key.like(pattern), OverseasRecord.relative_key.like(pattern)))  # fmt: skip
    await session.execute(select(OverseasRecord.id, OverseasRecord.full_name, func.count().over()).where(*where)
                          .order_by(OverseasRecord.name_key).limit(10))  # fmt: skip


async def searches(app: App, province_id: int, communes: list[int], rng: random.Random) -> None:
    queries = [name(rng).lower() for _ in range(SEARCHES // 2)]
    queries += [f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}".lower() for _ in range(SEARCHES // 4)]
    queries += [name_key(rng.choice(GIVEN)) for _ in range(SEARCHES // 4)]  # unaccented given names: many hits
    district = await _district_sized(app, communes)
    for label, scope_for in (
        ("province supervisor (200k in scope)", lambda: Scope(province_id, subtree=True)),
        (f"district-sized ({len(communes) // 8} communes)", lambda: Scope(district, subtree=True)),
        ("commune officer (one commune)", lambda: Scope(rng.choice(communes))),
    ):
        figures = {}
        for way, run in (("scan (baseline)", scan), ("search", overseas.search)):
            timings = []
            for query in queries:
                scope = scope_for()
                started = time.perf_counter()
                async with app.db.transaction() as session:
                    await run(session, scope, query)
                timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            figures[way] = (statistics.median(timings), timings[int(len(timings) * 0.99) - 1], timings[-1])
        (b50, b99, _), (p50, p99, top) = figures["scan (baseline)"], figures["search"]
        print(
            f"  search, {label}: {len(queries)} queries, p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {top:.1f} ms; "
            f"baseline scan p50 {b50:.1f} ms, p99 {b99:.1f} ms; p99 ratio {p99 / b99:.2f}"
        )


async def _district_sized(app: App, communes: list[int]) -> int:
    """A unit over one commune in eight, as a district was over its communes before July 2025 (a district
    supervisor's scope in older data); the province's subtree still holds them all."""
    async with app.db.transaction() as session:
        province = await session.scalar(select(Unit.id).where(Unit.code == "48"))
        district = Unit(code="48-D", name="Vùng cỡ một huyện", level="district", parent_id=province)
        session.add(district)
        await session.flush()
        await session.execute(
            update(Unit).where(Unit.id.in_(communes[: len(communes) // 8])).values(parent_id=district.id)
        )
        return district.id


def spreadsheet(rows: int, rng: random.Random) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Danh sách")
    sheet.append(["Họ và tên", "Giới tính", "Năm sinh", "Quốc gia cư trú", "Thành phố", "Họ và tên thân nhân",
                  "Quan hệ", "Điện thoại thân nhân", "Tâm tư, nguyện vọng"])  # fmt: skip
    for _ in range(rows):
        sheet.append([name(rng), rng.choice(["Nam", "Nữ"]), rng.randint(1940, 2005),
                      rng.choice(["Mỹ", "Nhật Bản", "Hàn Quốc", "Đức", "Pháp", "Úc", "Đài Loan"]), "Thành phố",
                      name(rng), "con", f"09{rng.randint(10_000_000, 99_999_999)}", "Mong muốn đầu tư về quê"])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def importing(app: App, unit_id: int, rows: int, rng: random.Random) -> None:
    data = spreadsheet(rows, rng)
    tracemalloc.start()  # first the memory of reading the file (tracemalloc slows it, so it is not timed)
    check(data, date.today(), can_encrypt=True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    async with app.db.transaction() as session:
        staged = await stage(session, unit_id, data, date.today(), can_encrypt=True)
    checked = time.perf_counter()
    async with app.db.transaction() as session:
        added = await import_rows(session, unit_id, staged.new_rows, cipher=app.cipher,
                                  actor=overseas.Actor(None, "bench"), now=utcnow(), filename="bench.xlsx")  # fmt: skip
    done = time.perf_counter()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"  import of {rows:,} rows ({len(data) / 1024:.0f} KiB xlsx): check {checked - started:.2f} s, "
          f"import {done - checked:.2f} s ({added:,} added, {len(staged.checked.problems)} problems); "
          f"peak Python allocations while checking {peak / 2**20:.0f} MiB, process peak RSS {rss_after / 1024:.0f} MiB "
          f"(+{(rss_after - rss_before) / 1024:.0f} MiB)")  # fmt: skip


async def run(database: str, records: int, rows: int) -> None:
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as tmp:
        url = (
            await postgres.process_database("bench")
            if database == "postgres"
            else f"sqlite+aiosqlite:///{Path(tmp) / 'register.sqlite3'}"
        )
        settings = Settings(data_dir=Path(tmp), data_key=new_key(), _env_file=None)  # type: ignore[call-arg]
        app = App(settings, database_url=url)
        await app.migrate()
        print(f"{database}:")
        started = time.perf_counter()
        communes = await fill(app, records, rng)
        print(f"  filled {records:,} records in {time.perf_counter() - started:.1f} s")
        async with app.db.transaction() as session:
            province = await session.scalar(select(Unit.id).where(Unit.code == "48"))
        assert province is not None
        await searches(app, province, communes, rng)
        await importing(app, communes[0], rows, rng)
        await app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    for database in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        asyncio.run(run(database, args.records, args.rows))


if __name__ == "__main__":
    main()
