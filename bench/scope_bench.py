"""A scoped statement, repeated: the subtree's recursive CTE as the product builds it (one object per root, so the
statement's text repeats and SQLAlchemy's compiled cache and asyncpg's prepared statements serve it again), against
a baseline in the same process that names the CTE from a counter, as the product did before (every statement new).

Run:  python bench/scope_bench.py [--db sqlite|postgres|both] [--runs 300]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bot.app import App  # noqa: E402
from bot.config import Settings  # noqa: E402
from storage.models import ActivityReport, Unit  # noqa: E402
from storage.unit_sources import vietnam_units  # noqa: E402
from storage.units import Scope, by_code, upsert_units  # noqa: E402
from tests import postgres  # noqa: E402

_names = itertools.count()


def counter_named(unit_id: int) -> Any:
    """The baseline: the CTE the product built before, with a new name every time."""
    tree = select(Unit.id).where(Unit.id == unit_id).cte(f"scope_tree_{next(_names)}", recursive=True)
    return tree.union_all(select(Unit.id).where(Unit.parent_id == tree.c.id))


async def run(database: str, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = (await postgres.process_database("scope") if database == "postgres"
               else f"sqlite+aiosqlite:///{Path(tmp) / 'scope.sqlite3'}")  # fmt: skip
        app = App(Settings(data_dir=Path(tmp), _env_file=None), database_url=url)  # type: ignore[call-arg]
        await app.migrate()
        async with app.db.transaction() as session:
            await upsert_units(session, vietnam_units("Đà Nẵng"))
            root = await by_code(session, "48")
            assert root is not None

        async def timed(clause: Any) -> list[float]:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                async with app.db.transaction() as session:
                    await session.execute(select(ActivityReport.id).where(clause()).limit(20))
                times.append(time.perf_counter() - started)
            return times

        def before() -> Any:
            return ActivityReport.unit_id.in_(select(counter_named(root.id).c.id))

        def after() -> Any:
            return Scope(root.id, subtree=True).clause(ActivityReport.unit_id)

        print(f"{database}: Đà Nẵng's units, a scoped SELECT … LIMIT 20, {runs} runs each, alternating twice")
        for _ in range(2):
            old, new = await timed(before), await timed(after)
            ratio = statistics.median(old) / statistics.median(new)
            print(f"  counter-named CTE (baseline): median {statistics.median(old) * 1000:.2f} ms, p99 "
                  f"{sorted(old)[int(runs * 0.99) - 1] * 1000:.2f} ms; one CTE per root: median "
                  f"{statistics.median(new) * 1000:.2f} ms, p99 {sorted(new)[int(runs * 0.99) - 1] * 1000:.2f} ms; "
                  f"{ratio:.1f}× faster")  # fmt: skip
        await app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    for database in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        asyncio.run(run(database, args.runs))


if __name__ == "__main__":
    main()
