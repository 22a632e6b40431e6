"""Webhook benchmark: complete activity-report conversations through `caunoi run` (webhook mode) against the fake
Bot API server, beside a bare aiogram echo bot run the same way on the same machine.

Two baselines: the bare echo bot (the issue's target is a ratio to it), and the same echo bot with the two
process-level fixes ``caunoi run`` applies to aiogram and Python (``bench/echo_bot.py``), which make the framework
itself much cheaper. Prints, per bot and database: closed-loop throughput (updates/s with many people typing at
once) and the bot process's CPU time per update (sending the replies included; steadier than throughput on a shared
machine), handling latency (webhook POST → 200, i.e. until the update is durably handled) p50/p99 at a fixed 100
updates/s, and the bot process's peak RSS. Run:  python bench/webhook_bench.py [--db sqlite|postgres|both]
[--users 60] [--seconds 10] [--rounds 3] (rounds alternate the bots: this machine's speed drifts within minutes)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import App  # noqa: E402
from bot.config import Settings  # noqa: E402
from storage.models import ChannelIdentity, Conversation, Person  # noqa: E402
from storage.units import by_code  # noqa: E402
from tests import postgres  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.helpers import TAM_KY, BotProcess, free_port, seed_units  # noqa: E402

CONVERSATION = ["/baocao", "2", "hôm qua", "Giao lưu hữu nghị với tỉnh Hủa Phăn", "bỏ qua", "Nhà văn hóa phường",
                "Lào", "bỏ qua", "khoảng 50", "12", "5tr", "xong", "xác nhận"]  # fmt: skip
SECRET = "bench-secret_1"
ECHO_BOT = Path(__file__).with_name("echo_bot.py")


async def prepare(database_url: str, users: int, data_dir: Path) -> None:
    """Empty database, real units, and officers already joined (onboarding is not what is measured)."""
    app = App(Settings(data_dir=data_dir, _env_file=None), database_url=database_url)  # type: ignore[call-arg]
    await app.migrate()
    await seed_units(app)
    async with app.db.transaction() as session:
        unit = await by_code(session, TAM_KY)
        assert unit is not None
        for user_id in range(1, users + 1):
            person = Person(full_name=f"Cán bộ {user_id}", role="officer", unit_id=unit.id, language="vi")
            session.add(person)
            await session.flush()
            identity = ChannelIdentity(channel="telegram", external_id=str(user_id), chat_id=str(user_id),
                                       person_id=person.id, code_failures=0)  # fmt: skip
            session.add(identity)
            await session.flush()
            session.add(Conversation(identity_id=identity.id, state={}, screen=0))
    await app.close()


class Load:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/telegram/webhook"
        self.ids = itertools.count(10_000)
        self.latencies: list[float] = []
        self.failures = 0

    def update(self, user_id: int, text: str) -> dict:
        chat = {"id": user_id, "type": "private", "first_name": f"U{user_id}"}
        sender = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": "vi"}
        return {"update_id": next(self.ids), "message": {"message_id": next(self.ids), "date": int(time.time()),
                                                          "chat": chat, "from": sender, "text": text}}  # fmt: skip

    async def post(self, session: aiohttp.ClientSession, user_id: int, text: str) -> None:
        started = time.perf_counter()
        async with session.post(self.url, json=self.update(user_id, text),
                                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:  # fmt: skip
            await response.read()
            if response.status != 200:
                self.failures += 1
        self.latencies.append(time.perf_counter() - started)


async def closed_loop(load: Load, users: int, seconds: float) -> tuple[float, int]:
    """Every person types the next answer as soon as the previous one is handled; returns updates/s and updates."""
    deadline = time.perf_counter() + seconds
    done = 0

    async def person(session: aiohttp.ClientSession, user_id: int) -> None:
        nonlocal done
        for text in itertools.cycle(CONVERSATION):
            if time.perf_counter() > deadline:
                return
            await load.post(session, user_id, text)
            done += 1

    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(person(session, user_id) for user_id in range(1, users + 1)))
        return done / (time.perf_counter() - started), done


async def open_loop(load: Load, users: int, rate: float, seconds: float) -> list[float]:
    """Updates at a fixed rate, spread over the people, each person's answers in order; returns latencies."""
    load.latencies = []
    queues: list[asyncio.Queue[str | None]] = [asyncio.Queue() for _ in range(users)]

    async def person(session: aiohttp.ClientSession, user_id: int) -> None:
        while (text := await queues[user_id - 1].get()) is not None:
            await load.post(session, user_id, text)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=users)) as session:
        workers = [asyncio.create_task(person(session, user_id)) for user_id in range(1, users + 1)]
        scripts = [itertools.cycle(CONVERSATION) for _ in range(users)]
        started = time.perf_counter()
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            queues[n % users].put_nowait(next(scripts[n % users]))
        for queue in queues:
            queue.put_nowait(None)
        await asyncio.gather(*workers)
    return load.latencies


async def settle(telegram: FakeTelegram, quiet: float = 1.0) -> None:
    """Waits until the bot has sent everything queued by the previous phase, so phases do not overlap."""
    last = -1
    while last != len(telegram.sent):
        last = len(telegram.sent)
        await asyncio.sleep(quiet)


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used (both its threads: aiosqlite's, asyncpg has none)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run_one(kind: str, database: str, users: int, seconds: float, rate: float) -> dict:
    telegram = FakeTelegram()
    await telegram.start()
    for user_id in range(1, users + 1):
        telegram.user(user_id, f"U{user_id}")
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        url = (
            await postgres.process_database("bench")
            if database == "postgres"
            else f"sqlite+aiosqlite:///{tmp_path / 'bench.sqlite3'}"
        )
        env = {"CAUNOI_TELEGRAM_BOT_TOKEN": telegram.token, "CAUNOI_TELEGRAM_API_URL": telegram.url,
               "CAUNOI_DATABASE_URL": url, "CAUNOI_DATA_DIR": str(tmp_path), "CAUNOI_LOG_LEVEL": "WARNING",
               "CAUNOI_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook", "CAUNOI_WEBHOOK_SECRET": SECRET,
               "CAUNOI_WEBHOOK_PORT": str(port), "CAUNOI_TELEGRAM_CHAT_RATE_PER_SECOND": "1000",
               "CAUNOI_TELEGRAM_CHAT_BURST": "1000", "CAUNOI_TELEGRAM_RATE_PER_SECOND": "100000"}  # fmt: skip
        if kind == "caunoi":
            await prepare(url, users, tmp_path)
            bot = BotProcess(env, tmp_path)
        else:
            bot = BotProcess(env | {"ECHO_WITH_FIXES": "1" if kind == "echo+fix" else "0"}, tmp_path)
            bot.command = [sys.executable, str(ECHO_BOT)]
        await bot.start()
        try:
            await bot.wait_webhook_ready(port)
            load = Load(port)
            await closed_loop(load, users, 2)  # warm-up
            await settle(telegram)
            cpu = cpu_seconds(bot.process.pid)  # type: ignore[union-attr]
            throughput, updates = await closed_loop(load, users, seconds)
            await settle(telegram)  # the replies still queued are part of the cost of those updates
            cpu = (cpu_seconds(bot.process.pid) - cpu) / updates  # type: ignore[union-attr]
            latencies = await open_loop(load, users, rate, seconds)
            rss = peak_rss_mb(bot.process.pid)  # type: ignore[union-attr]
        finally:
            await bot.stop()
            await telegram.stop()
    ordered = sorted(latencies)
    return {
        "bot": kind, "db": database if kind == "caunoi" else "—", "throughput": throughput, "cpu": cpu * 1000,
        "p50": statistics.median(ordered) * 1000, "p99": ordered[int(len(ordered) * 0.99) - 1] * 1000,
        "rss": rss, "failures": load.failures, "sent": len(telegram.sent),
    }  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--rounds", type=int, default=1, help="repeat echo and Cầu Nối runs in turn; medians printed")
    args = parser.parse_args()
    echoes = [("echo", "—"), ("echo+fix", "—")]
    runs = echoes + [("caunoi", db) for db in (("sqlite", "postgres") if args.db == "both" else (args.db,))]
    results: list[dict] = []
    for round_ in range(args.rounds):
        done = [await run_one(kind, db, args.users, args.seconds, args.rate) for kind, db in runs]
        for result in done:  # each run against the echo bots of its own round: the machine's speed drifts
            result["round"] = round_ + 1
            result["ratio"], result["ratio_fixed"] = (result["throughput"] / echo["throughput"] for echo in done[:2])
            result["cpu_ratio"], result["cpu_ratio_fixed"] = (echo["cpu"] / result["cpu"] for echo in done[:2])
        results.extend(done)
    print(
        f"\n{os.cpu_count()} CPUs; {args.users} people; closed loop {args.seconds:.0f} s; open loop {args.rate:.0f} updates/s"
    )
    print("'vs echo': the bare aiogram echo bot; 'vs +fix': the same with the two process fixes Cầu Nối applies")
    print(
        f"{'round':>5} {'bot':8} {'db':8} {'updates/s':>9} {'vs echo':>7} {'vs +fix':>7} {'CPU ms/upd':>10} "
        f"{'vs echo':>7} {'vs +fix':>7} {'p50 ms':>6} {'p99 ms':>6} {'RSS MB':>6} {'non-200':>7}"
    )
    rows = results + ([{**median_of([r for r in results if (r["bot"], r["db"]) == run]), "round": "median"}
                       for run in runs] if args.rounds > 1 else [])  # fmt: skip
    for r in rows:
        print(f"{r['round']:>5} {r['bot']:8} {r['db']:8} {r['throughput']:9.1f} {r['ratio']:7.2f} "
              f"{r['ratio_fixed']:7.2f} {r['cpu']:10.2f} {r['cpu_ratio']:7.2f} {r['cpu_ratio_fixed']:7.2f} "
              f"{r['p50']:6.1f} {r['p99']:6.1f} {r['rss']:6.0f} {r['failures']:7d}")  # fmt: skip


def median_of(results: list[dict]) -> dict:
    keys = ("throughput", "ratio", "ratio_fixed", "cpu", "cpu_ratio", "cpu_ratio_fixed", "p50", "p99", "rss")
    medians = {key: statistics.median(r[key] for r in results) for key in keys}
    return {**results[0], **medians, "failures": sum(r["failures"] for r in results)}


if __name__ == "__main__":
    asyncio.run(main())
