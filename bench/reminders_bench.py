"""One reminder sweep for a province of 3,300 communes with 3 officers each: the time to work out who is due and
enqueue their reminders, then the outbox draining them to the fake Bot API server, which enforces Telegram's limits
(30 messages/s overall, 1/s per chat) with 429 answers. Prints the achieved rate as a fraction of the allowed one.

Run:  python bench/reminders_bench.py [--db sqlite|postgres|both] [--communes 3300] [--drain-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from bot.app import App  # noqa: E402
from bot.channels.telegram import TelegramSender, make_bot  # noqa: E402
from bot.config import Settings  # noqa: E402
from handlers.reports.reminders import sweep  # noqa: E402
from storage import schedules  # noqa: E402
from storage.models import ChannelIdentity, OutboxMessage, Person, Unit  # noqa: E402
from storage.units import UnitRow, upsert_units  # noqa: E402
from tests import postgres  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402

OFFICERS = 3
ALLOWED = 30.0
NOW = datetime(2026, 6, 3, 2, tzinfo=UTC)  # 09:00 in Vietnam, seven days before a 10 June deadline


async def populate(app: App, communes: int, telegram: FakeTelegram) -> None:
    rows = [UnitRow("P", "Tỉnh Mẫu", "province")] + [
        UnitRow(f"P{i:05d}", f"Xã Mẫu {i}", "commune", "P") for i in range(communes)
    ]
    async with app.db.transaction() as session:
        await upsert_units(session, rows)
        units = list((await session.scalars(select(Unit.id).where(Unit.level == "commune"))).all())
        province = await session.scalar(select(Unit.id).where(Unit.code == "P"))
        people = [{"full_name": f"Cán bộ {u}-{k}", "role": "officer", "unit_id": u, "language": "vi",
                   "created_at": NOW} for u in units for k in range(OFFICERS)]  # fmt: skip
        await session.execute(insert(Person), people)
        ids = list((await session.scalars(select(Person.id).order_by(Person.id))).all())
        await session.execute(insert(ChannelIdentity), [
            {"channel": "telegram", "external_id": str(1_000_000 + pid), "chat_id": str(1_000_000 + pid),
             "person_id": pid, "code_failures": 0, "created_at": NOW, "last_seen_at": NOW} for pid in ids
        ])  # fmt: skip
        await schedules.save(session, "bench", create=True, now=NOW, name="Báo cáo 6 tháng", period_type="half",
                             level="commune", root_unit_id=province, deadline_day=10, deadline_month=6)  # fmt: skip
    for pid in ids:
        telegram.user(1_000_000 + pid)


async def run(database: str, communes: int, drain_seconds: float, rate: float | None) -> None:
    telegram = FakeTelegram(limits=(ALLOWED, 1.0))
    await telegram.start()
    with tempfile.TemporaryDirectory() as tmp:
        url = (
            await postgres.process_database("bench")
            if database == "postgres"
            else f"sqlite+aiosqlite:///{Path(tmp) / 'reminders.sqlite3'}"
        )
        settings = Settings(data_dir=Path(tmp), telegram_bot_token=SecretStr(telegram.token),  # type: ignore[call-arg]
                            telegram_api_url=telegram.url, _env_file=None)  # fmt: skip
        if rate is not None:
            settings.telegram_rate_per_second = rate
        app = App(settings, database_url=url, clock=lambda: NOW)
        await app.migrate()
        await populate(app, communes, telegram)
        started = time.perf_counter()
        result = await sweep(app.db, settings, NOW)
        took = time.perf_counter() - started
        print(f"{database}: sweep over {communes:,} communes × {OFFICERS} officers: {took:.2f} s to find "
              f"{result.reminded_units:,} due units and enqueue {result.messages:,} messages")  # fmt: skip
        again = time.perf_counter()
        repeat = await sweep(app.db, settings, NOW)
        print(
            f"  a second sweep (nothing new to send): {time.perf_counter() - again:.2f} s, {repeat.messages} messages"
        )

        bot = make_bot(settings)
        app.add_sender(TelegramSender(bot, settings))
        stop = asyncio.Event()
        worker = asyncio.create_task(app.worker.run(stop))
        began = time.perf_counter()
        await asyncio.sleep(drain_seconds)
        stop.set()
        await worker
        elapsed = time.perf_counter() - began
        async with app.db.transaction() as session:
            sent = await session.scalar(select(func.count()).where(OutboxMessage.status == "sent")) or 0
        rate = sent / elapsed
        print(f"  drain for {elapsed:.0f} s at a pace of {settings.telegram_rate_per_second:g}/s: {sent:,} sent, "
              f"{rate:.1f} messages/s = {rate / ALLOWED:.2f} of Telegram's {ALLOWED:g}/s; {telegram.throttled} answered 429; "
              f"all {result.messages:,} would take {result.messages / rate / 60:.1f} min")  # fmt: skip
        await bot.session.close()
        await app.close()
    await telegram.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--communes", type=int, default=3300)
    parser.add_argument("--drain-seconds", type=float, default=60)
    parser.add_argument(
        "--rate", type=float, help="outbox pace for Telegram (default: CAUNOI_TELEGRAM_RATE_PER_SECOND)"
    )
    args = parser.parse_args()
    for database in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        asyncio.run(run(database, args.communes, args.drain_seconds, args.rate))


if __name__ == "__main__":
    main()
