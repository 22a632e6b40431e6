"""Summaries at province scale: 3,300 communes and 1,000,000 activity reports over a year. Times and peak memory of
the chat figures and of each file (xlsx, docx, png), beside the plain SQL aggregate on the same database.

Run:  python bench/summary_bench.py [--db sqlite|postgres|both] [--communes 3300] [--reports 1000000] [--figures-only]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from bot.app import App  # noqa: E402
from bot.child_process import run_in_child  # noqa: E402
from bot.config import Settings  # noqa: E402
from handlers.reports.summary import files_in_child, produce  # noqa: E402
from handlers.reports.summary_figures import compile_summary  # noqa: E402
from handlers.reports.summary_files import LISTED  # noqa: E402
from storage.activity_words import report_words  # noqa: E402
from storage.models import ActivityReport, ActivityWord, Person, Unit  # noqa: E402
from storage.periods import Period  # noqa: E402
from storage.units import UnitRow, upsert_units  # noqa: E402
from tests import postgres  # noqa: E402

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
KINDS = ["tuyen_truyen", "thong_tin_doi_ngoai", "giao_luu_huu_nghi", "doan_quoc_te", "bien_gioi", "nhan_dao_tu_thien"]
TODAY = date(2026, 12, 31)
PERIOD = Period("half", 2026, 1)


async def populate(app: App, communes: int, reports: int) -> Unit:
    rng = random.Random(7)
    rows = [UnitRow("P", "Tỉnh Mẫu", "province")] + [
        UnitRow(f"P{i:05d}", f"Xã Mẫu {i}", "commune", "P") for i in range(communes)
    ]
    now = datetime(2026, 12, 31, tzinfo=UTC)
    async with app.db.transaction() as session:
        await upsert_units(session, rows)
        units = list((await session.scalars(select(Unit.id).where(Unit.level == "commune"))).all())
        person = Person(full_name="Cán bộ mẫu", role="officer", unit_id=units[0], language="vi")
        session.add(person)
        await session.flush()
        reporter = person.id
    for start in range(0, reports, 20_000):
        batch = [
            {"id": start + i + 1, "draft_key": f"{start + i:036d}", "unit_id": rng.choice(units), "reporter_id": reporter,
             "kind_code": rng.choice(KINDS), "activity_date": date(2026, 1, 1) + timedelta(days=rng.randrange(365)),
             "title": f"Hoạt động số {start + i}", "place": "Nhà văn hóa", "participants": rng.randint(10, 300),
             "foreign_participants": rng.randint(0, 20), "money_vnd": rng.choice([None, 0, 5_000_000]),
             "form_name": "activity", "form_version": 1, "created_at": now}
            for i in range(min(20_000, reports - start))
        ]  # fmt: skip
        indexed = []  # the word index, as save_report writes it (storage.activity_words)
        for row in batch:
            found = report_words(ActivityReport(title=row["title"], place=row["place"]))
            row["search_words"] = " " + " ".join(found)
            indexed += [{"word": w, "activity_date": row["activity_date"], "activity_id": row["id"]} for w in found]
        async with app.db.transaction() as session:
            await session.execute(insert(ActivityReport), batch)
            await session.execute(insert(ActivityWord), indexed)
    async with app.db.transaction() as session:
        if app.db.engine.dialect.name == "postgresql":
            await session.execute(text("ANALYZE"))
        root = await session.scalar(select(Unit).where(Unit.code == "P"))
    assert root is not None
    return root


async def timed(job: Callable[[], Awaitable[Any]], runs: int = 3) -> tuple[Any, float]:
    """The median of ``runs`` timed runs (the first warms the caches as much as the next ones find them)."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = await job()
        times.append(time.perf_counter() - started)
    return result, statistics.median(times)


async def measure(label: str, job: Callable[[], Awaitable[Any]], baseline: float | None = None,
                  runs: int = 3) -> Any:  # fmt: skip
    """Runs ``job`` ``runs`` times timed (the median is shown), then once under tracemalloc for its peak allocations
    (tracemalloc slows it)."""
    result, took = await timed(job, runs)
    tracemalloc.start()
    await job()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ratio = f" = {took / baseline:.1f}× the SQL aggregate" if baseline else ""
    print(f"  {label}: {took:.3f} s{ratio}; peak Python allocations {peak / 2**20:.0f} MiB")
    return result


async def run(database: str, communes: int, reports: int, files: bool = True) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = (
            await postgres.process_database("bench")
            if database == "postgres"
            else f"sqlite+aiosqlite:///{Path(tmp) / 'summary.sqlite3'}"
        )
        app = App(Settings(data_dir=Path(tmp), _env_file=None), database_url=url)  # type: ignore[call-arg]
        await app.migrate()
        started = time.perf_counter()
        root = await populate(app, communes, reports)
        print(f"{database}: {communes:,} communes, {reports:,} activity reports in 2026 "
              f"(loaded in {time.perf_counter() - started:.0f} s); period {PERIOD.key}")  # fmt: skip

        aggregate = text(
            "SELECT unit_id, count(*), sum(participants), sum(foreign_participants), sum(money_vnd) "
            "FROM activity_reports WHERE activity_date BETWEEN :start AND :end GROUP BY unit_id"
        )

        async def plain_sql() -> Any:
            async with app.db.transaction() as session:
                return (await session.execute(aggregate, {"start": PERIOD.start, "end": PERIOD.end})).all()

        _, baseline = await timed(plain_sql, 5)
        print(f"  plain SQL aggregate (by unit), median of 5: {baseline:.3f} s")

        async def figures() -> Any:
            async with app.db.transaction() as session:
                return await compile_summary(session, root, PERIOD, TODAY, ZONE)

        summary = await measure("chat figures (compile_summary), median of 5", figures, baseline, runs=5)
        for fmt in ("xlsx", "docx", "png") if files else ():

            async def build(fmt: str = fmt) -> Any:
                async with app.db.reading() as session:
                    return await produce(session, root, summary, fmt, TODAY)

            made = await measure(f"{fmt} (after the figures)", build, baseline, runs=1)
            sizes = ", ".join(f"{doc.filename}: {len(doc.content_b64) * 3 // 4 // 1024:,} KiB" for doc in made)
            print(f"    size: {sizes}")
        if files:
            rows, listed = summary.total("activities"), min(summary.total("activities"), LISTED)

            async def inside(opening: Callable[[], Any]) -> None:
                async with opening() as session:
                    await produce(session, root, summary, "xlsx", TODAY)

            async def in_child() -> None:
                await run_in_child(files_in_child, app.db.url, False, root.code, PERIOD.key, "xlsx", TODAY, ZONE.key)

            for label, make in (
                ("in the asking update's transaction (before)", lambda: inside(app.db.transaction)),
                ("in threads, reading a snapshot (the background job's way for smaller files)",
                 lambda: inside(app.db.reading)),
                ("in a child process, reading its own snapshot (the job's way above 20,000 activities)", in_child),
            ):  # fmt: skip
                took, lag, wait = await beside(app, root, make)
                print(f"  xlsx {label}: {took:.2f} s for {rows:,} activities ({rows / took:,.0f}/s; {listed:,} of them "
                      f"listed in the workbook, all in the CSV beside it when more); meanwhile the event loop "
                      f"was blocked up to {lag * 1000:.0f} ms and another update's write waited up to "
                      f"{wait * 1000:.0f} ms")  # fmt: skip
        await app.close()


async def beside(app: App, root: Unit, make: Callable[[], Awaitable[None]]) -> tuple[float, float, float]:
    """Makes the workbook while a ticker measures how long the event loop is held and a writer (another person's
    update, every 50 ms) how long it waits for the database: (seconds, longest loop stall, longest write wait)."""
    stop, lag, wait = asyncio.Event(), [0.0], [0.0]

    async def ticker() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            lag[0] = max(lag[0], time.perf_counter() - started - 0.01)

    async def writer() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            async with app.db.transaction() as session:
                await session.execute(text("UPDATE units SET name = name WHERE id = :id"), {"id": root.id})
            wait[0] = max(wait[0], time.perf_counter() - started)
            await asyncio.sleep(0.05)

    helpers = [asyncio.create_task(ticker()), asyncio.create_task(writer())]
    await asyncio.sleep(0.2)
    lag[0] = wait[0] = 0.0
    started = time.perf_counter()
    await make()
    took = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*helpers)
    return took, lag[0], wait[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--communes", type=int, default=3300)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--figures-only", action="store_true", help="the figures against the aggregate, no files")
    args = parser.parse_args()
    for database in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        asyncio.run(run(database, args.communes, args.reports, files=not args.figures_only))


if __name__ == "__main__":
    main()
