"""CPU cost of one update, in-process (no HTTP): the conversation service's handling, then outbox delivery to a
sender that discards; and, for scale, the same five statements through SQLAlchemy Core and through raw asyncpg.

Explains the webhook benchmark's throughput ceiling. Run:  python bench/handling_cpu.py [--db sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.webhook_bench import CONVERSATION, prepare  # noqa: E402
from bot.app import App  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.engine.events import Inbound  # noqa: E402
from bot.engine.replies import Reply  # noqa: E402
from bot.pacing import Pace  # noqa: E402
from storage.db import Database  # noqa: E402
from tests import postgres  # noqa: E402

PEOPLE, ROUNDS = 20, 3


class Discard:
    channel = "telegram"
    pace = Pace(1e9, 1e9, 1e9)

    async def send(self, chat_id: str, reply: Reply) -> None:
        return None


async def handling(database: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = (
            await postgres.process_database("bench")
            if database == "postgres"
            else f"sqlite+aiosqlite:///{Path(tmp) / 'cpu.sqlite3'}"
        )
        await prepare(url, PEOPLE, Path(tmp))
        app = App(Settings(data_dir=Path(tmp), _env_file=None), database_url=url)  # type: ignore[call-arg]
        app.add_sender(Discard())
        keys = iter(range(10**9))

        async def person(user_id: int) -> None:
            for line in CONVERSATION * ROUNDS:
                event = Inbound("telegram", str(user_id), str(user_id), f"{user_id}-{next(keys)}", text=line)
                await app.pipeline.handle(event)

        updates = PEOPLE * ROUNDS * len(CONVERSATION)
        wall, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(person(user_id) for user_id in range(1, PEOPLE + 1)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        delivery_cpu = time.process_time()
        await app.worker.drain(10_000)
        delivery_cpu = time.process_time() - delivery_cpu
        await app.close()
    print(f"{database:10} handling {updates / wall:6.0f} updates/s, {1000 * cpu / updates:.2f} ms CPU per update; "
          f"delivery {1000 * delivery_cpu / updates:.2f} ms CPU per update")  # fmt: skip


async def statement_floor(count: int = 2000) -> None:
    """Five statements in a transaction, the shape of one durable conversation step."""
    import asyncpg

    url = await postgres.process_database("bench")
    db = Database(url)
    async with db.engine.begin() as connection:
        await connection.execute(text("DROP TABLE IF EXISTS bench_floor"))
        await connection.execute(text("CREATE TABLE bench_floor (k text PRIMARY KEY, v jsonb)"))
    cpu = time.process_time()
    for i in range(count):
        async with db.engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO bench_floor VALUES (:k, '{}') ON CONFLICT DO NOTHING"), {"k": f"a{i}"}
            )
            await connection.execute(text("SELECT v FROM bench_floor WHERE k = :k"), {"k": f"a{i}"})
            await connection.execute(text("SELECT 1"))
            await connection.execute(text("UPDATE bench_floor SET v = '{}' WHERE k = :k"), {"k": f"a{i}"})
            await connection.execute(text("INSERT INTO bench_floor VALUES (:k, '{}')"), {"k": f"b{i}"})
    core = 1000 * (time.process_time() - cpu) / count
    await db.dispose()
    raw = await asyncpg.connect(url.replace("+asyncpg", ""))
    cpu = time.process_time()
    for i in range(count):
        async with raw.transaction():
            await raw.execute("INSERT INTO bench_floor VALUES ($1, '{}') ON CONFLICT DO NOTHING", f"c{i}")
            await raw.fetch("SELECT v FROM bench_floor WHERE k = $1", f"c{i}")
            await raw.fetch("SELECT 1")
            await raw.execute("UPDATE bench_floor SET v = '{}' WHERE k = $1", f"c{i}")
            await raw.execute("INSERT INTO bench_floor VALUES ($1, '{}')", f"d{i}")
    direct = 1000 * (time.process_time() - cpu) / count
    await raw.execute("DROP TABLE bench_floor")
    await raw.close()
    print(f"five statements in a transaction: {core:.2f} ms CPU via SQLAlchemy Core, {direct:.2f} ms via raw asyncpg")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; {PEOPLE} people × {ROUNDS} report conversations ({len(CONVERSATION)} updates each)")
    for database in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        await handling(database)
    if args.db != "sqlite":
        await statement_floor()


if __name__ == "__main__":
    asyncio.run(main())
