"""A broadcast to 10,000 recipients through the outbox to the fake Bot API server with Telegram's real limits (30
messages/s overall, 1/s per chat, 429 beyond): wall time against the platform minimum (10,000 / 30 s), 429 answers,
duplicates and lost messages. Also the time to read a 100-page plan.

With ``--workers N`` (N > 1) the broadcast is sent by N `caunoi run` processes on one PostgreSQL database sharing one
budget in Redis (``CAUNOI_REDIS_URL``); ``--kill`` kills one of them with SIGKILL a third of the way through.

Run:  python bench/broadcast_bench.py [--db sqlite|postgres|both] [--recipients 10000] [--rate 29]
      python bench/broadcast_bench.py --workers 3 [--kill] [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402

from bot.app import App  # noqa: E402
from bot.channels.telegram import TelegramSender, make_bot  # noqa: E402
from bot.config import Settings  # noqa: E402
from handlers.announcements import broadcasts  # noqa: E402
from handlers.plans.reader import ROMAN, read_plan  # noqa: E402
from storage.types import utcnow  # noqa: E402
from tests import postgres  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.helpers import BotProcess, free_port, many_officers, seed_units  # noqa: E402

LIMIT = 30.0
TEXT = "Thông báo: đề nghị các đồng chí nghiên cứu kế hoạch số 183-KH/MTTQ-BTT."


def plan_reading() -> None:
    seed = (ROOT.parent / "shared" / "seeds" / "ke-hoach-tam-ky-2024.txt").read_text(encoding="utf-8")
    head, _, rest = seed.partition("#### I. MỤC ĐÍCH, YÊU CẦU")
    body, _, footer = rest.partition("*Nơi nhận")
    sections = "\n".join(f"{ROMAN[i % len(ROMAN)]}. PHẦN {i}\n{body}" for i in range(44))  # ~100 pages of 3,000 chars
    text = head + sections + "\n*Nơi nhận" + footer
    started = time.perf_counter()
    plan = read_plan(text)
    took = time.perf_counter() - started
    print(f"plan reading: {len(text):,} characters (~{len(text) // 3000} pages) in {took * 1000:.0f} ms; "
          f"{len(plan.sections_flat())} sections, {len(plan.dates)} dates")  # fmt: skip


async def run(database: str, count: int, rate: float) -> None:
    telegram = FakeTelegram(limits=(LIMIT, 1.0))
    await telegram.start()
    with tempfile.TemporaryDirectory() as tmp:
        url = (
            await postgres.process_database("bench")
            if database == "postgres"
            else f"sqlite+aiosqlite:///{Path(tmp) / 'broadcast.sqlite3'}"
        )
        settings = Settings(data_dir=Path(tmp), telegram_bot_token=SecretStr(telegram.token),  # type: ignore[call-arg]
                            telegram_api_url=telegram.url, telegram_rate_per_second=rate, _env_file=None)  # fmt: skip
        app = App(settings, database_url=url)
        await app.migrate()
        await seed_units(app)
        users = await many_officers(app, count, 5_000_000)
        for user in users:
            telegram.user(user)
        started = time.perf_counter()
        async with app.db.transaction() as session:
            targets = await broadcasts.recipients(session, broadcasts.Audience())
            sent = await broadcasts.send(session, broadcasts.Audience(), targets, TEXT, None, sender_id=None,
                                         sender_label="Ban Thường trực", now=utcnow())  # fmt: skip
        queued = time.perf_counter() - started
        bot = make_bot(settings)
        app.add_sender(TelegramSender(bot, settings))
        stop = asyncio.Event()
        worker = asyncio.create_task(app.worker.run(stop))
        began = time.perf_counter()
        while True:
            await asyncio.sleep(1)
            async with app.db.transaction() as session:
                status = await broadcasts.status(session, sent.id)
            assert status is not None
            if status.pending == 0:
                break
        wall = time.perf_counter() - began
        stop.set()
        await worker
        copies = Counter(m.chat_id for m in telegram.sent if TEXT in m.text)
        minimum = count / LIMIT
        print(f"{database}: {count:,} recipients queued in {queued:.1f} s; delivered in {wall:.0f} s at a pace of "
              f"{rate:g}/s — platform minimum {minimum:.0f} s, ratio {wall / minimum:.2f}; "
              f"429 answers {telegram.throttled}; duplicates {sum(c - 1 for c in copies.values())}; "
              f"lost {count - len(copies)}")  # fmt: skip
        await bot.session.close()
        await app.close()
    await telegram.stop()


async def run_cluster(count: int, rate: float, workers: int, redis_url: str, kill: bool) -> None:
    """N worker processes, one database, one Redis budget: the same broadcast and the same figures."""
    telegram = FakeTelegram(limits=(LIMIT, 1.0))
    await telegram.start()
    url = await postgres.process_database("bench")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), _env_file=None)  # type: ignore[call-arg]
        app = App(settings, database_url=url)
        await app.migrate()
        await seed_units(app)
        for user in await many_officers(app, count, 5_000_000):
            telegram.user(user)
        prefix = f"caunoi-bench-{secrets.token_hex(4)}"
        processes = []
        try:
            for n in range(workers):
                folder, port = Path(tmp) / f"w{n}", free_port()
                folder.mkdir()
                env = {"CAUNOI_TELEGRAM_BOT_TOKEN": telegram.token, "CAUNOI_TELEGRAM_API_URL": telegram.url,
                       "CAUNOI_DATABASE_URL": url, "CAUNOI_DATA_DIR": str(folder / "data"),
                       "CAUNOI_REDIS_URL": redis_url, "CAUNOI_REDIS_PREFIX": prefix,
                       "CAUNOI_TELEGRAM_RATE_PER_SECOND": str(rate), "CAUNOI_WEBHOOK_PORT": str(port),
                       "CAUNOI_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
                       "CAUNOI_WEBHOOK_SECRET": "bench_secret", "CAUNOI_LOG_LEVEL": "WARNING"}  # fmt: skip
                process = BotProcess(env, folder)
                await process.start()
                await process.wait_webhook_ready(port)
                processes.append(process)
            began = time.perf_counter()
            async with app.db.transaction() as session:
                targets = await broadcasts.recipients(session, broadcasts.Audience())
                sent = await broadcasts.send(session, broadcasts.Audience(), targets, TEXT, None, sender_id=None,
                                             sender_label="Ban Thường trực", now=utcnow())  # fmt: skip
            killed = not kill
            while True:
                await asyncio.sleep(0.5)
                delivered = sum(TEXT in m.text for m in telegram.sent)
                if not killed and delivered >= count // 3:
                    processes[-1].kill()
                    killed = True
                async with app.db.transaction() as session:
                    status = await broadcasts.status(session, sent.id)
                assert status is not None
                if status.pending == 0:
                    break
            wall = time.perf_counter() - began
        finally:
            for process in processes:
                await process.stop()
        copies = Counter(m.chat_id for m in telegram.sent if TEXT in m.text)
        minimum = count / LIMIT
        print(f"postgres, {workers} workers sharing Redis{' (one killed)' if kill else ''}: {count:,} recipients "
              f"delivered in {wall:.0f} s at a shared pace of {rate:g}/s — platform minimum {minimum:.0f} s, ratio "
              f"{wall / minimum:.3f}; 429 answers {telegram.throttled}; duplicates "
              f"{sum(c - 1 for c in copies.values())}; lost {count - len(copies)}")  # fmt: skip
        await app.close()
    await telegram.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=29.0, help="outbox pace (the default setting is 25)")
    parser.add_argument("--workers", type=int, default=1, help="more than 1: worker processes sharing Redis")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--kill", action="store_true", help="with --workers: kill one a third of the way")
    args = parser.parse_args()
    if args.workers > 1:
        asyncio.run(run_cluster(args.recipients, args.rate, args.workers, args.redis, args.kill))
        return
    plan_reading()
    for database in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        asyncio.run(run(database, args.recipients, args.rate))


if __name__ == "__main__":
    main()
