"""How long the upgrade that adds the activities' word index (migrations 0020 on) takes on a database that already
holds a province's year of activity reports: the reports are written at revision 0019, then the database is brought
to the head, timed, beside the time the same reports took to write (the baseline, in the same run).

Run:  python bench/migration_bench.py [--db sqlite|postgres|both] [--reports 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests import postgres  # noqa: E402

TITLES = ["Tuyên truyền biển đảo", "Giao lưu hữu nghị với đoàn Lào", "Thăm hỏi kiều bào dịp Tết",
          "Hội nghị thông tin đối ngoại", "Trao quà nhân đạo"]  # fmt: skip


async def run(database: str, reports: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = (await postgres.process_database("migration") if database == "postgres"
               else f"sqlite+aiosqlite:///{Path(tmp) / 'upgrade.sqlite3'}")  # fmt: skip
        db = Database(url)
        await upgrade(db, "0019")
        rng, at = random.Random(3), datetime(2026, 12, 1)  # naive UTC, as the columns hold it
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO units (id, code, name, level, created_at, updated_at) "
                                       "VALUES (1, 'X', 'Xã X', 'commune', :at, :at)"), {"at": at})  # fmt: skip
            await session.execute(text("INSERT INTO people (id, full_name, role, unit_id, language, created_at) "
                                       "VALUES (1, 'A', 'officer', 1, 'vi', :at)"), {"at": at})  # fmt: skip
        started = time.perf_counter()
        for start in range(0, reports, 20_000):
            rows = [{"key": f"k{number}", "day": date(2026, 1, 1) + timedelta(days=rng.randrange(365)),
                     "title": f"{rng.choice(TITLES)} số {number}", "at": at}
                    for number in range(start, min(reports, start + 20_000))]  # fmt: skip
            async with db.transaction() as session:
                await session.execute(text(
                    "INSERT INTO activity_reports (draft_key, unit_id, reporter_id, kind_code, activity_date, title, "
                    "place, participants, form_name, form_version, created_at) VALUES (:key, 1, 1, 'tuyen_truyen', "
                    ":day, :title, 'Nhà văn hóa xã', 30, 'activity', 1, :at)"), rows)  # fmt: skip
        written = time.perf_counter() - started
        started = time.perf_counter()
        await upgrade(db)
        took = time.perf_counter() - started
        async with db.transaction() as session:
            entries = await session.scalar(text("SELECT count(*) FROM activity_words"))
            missing = await session.scalar(text("SELECT count(*) FROM activity_reports WHERE search_words IS NULL"))
        await db.dispose()
        print(f"{database}: {reports:,} reports written in {written:.0f} s; upgrade to the head in {took:.0f} s "
              f"({took / written:.1f}× the writing; {reports / took:,.0f} reports/s), {entries:,} index entries, "
              f"{missing} reports left without words")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--reports", type=int, default=1_000_000)
    args = parser.parse_args()
    for database in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        asyncio.run(run(database, args.reports))


if __name__ == "__main__":
    main()
