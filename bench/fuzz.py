"""Hostile input at every step of every form and every menu, through the real pipeline (console channel, the same
code a webhook calls), on SQLite and PostgreSQL: an officer, a supervisor and an admin each open every command they
may use and answer each screen with the worst text or button a person can send. Prints crashes (the apology), lost
answers (no reply at all), leaks (a trace, SQL or a Python error in a reply) and the rate, against a run of ordinary
answers in the same process.

Run:  python bench/fuzz.py [--inputs 10000] [--db sqlite|postgres|both] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import App  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.engine.events import Inbound  # noqa: E402
from storage.crypto import new_key  # noqa: E402
from storage.people import Role  # noqa: E402
from tests import postgres  # noqa: E402
from tests.helpers import DA_NANG, TAM_KY, Transcript, invite, seed_units  # noqa: E402

APOLOGY = "Xin lỗi, hệ thống vừa gặp sự cố"
LEAK = re.compile(r"Traceback|sqlalchemy|asyncpg|sqlite3|NoneType|KeyError|Exception|File \"/|SELECT .* FROM", re.I)
HOSTILE = [
    "", " ", "\x00", "\x00\x00an", "a\x1b[31mred", "\u202egnp.exe", "👨‍👩‍👧‍👦" * 50, "x" * 5000, "9" * 40, "-1", "0",
    "2147483648", "99999999999999999999", "1e309", "NaN", "31/2", "00/00/0000", "29/2/2027", "32/13/2026", "hôm qua",
    "ngày mai", "=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "@SUM(1+1)", "'; DROP TABLE people; --",
    "<script>alert(1)</script>", "**bold** _it_ `code`", "/", "//", "/kieubao " + "9" * 30, "/duyet abc",
    "/kehoach xem -5", "/viec xong 99999999999", "/nhap bo", "/nhap tiep", "quay lại", "bỏ qua", "hủy", "xong",
    "xong 99", "đã hoàn thành", "sửa 0", "sửa 999", "1", "12", "100000000000", "năm mươi", "50-60", "hơn 100",
    "Hoa Kỳ", "Mỹ", "0912.345.678", "+84 912 345 678", "tiep tuc", "menu", "Trần Văn\u0301 A", "\ufeffBOM",
    "\u200b\u200b", "Nguyễn\nVăn\nAn", "\r\n\r\n", "%s%s%n", "{0}{name}", "${jndi:ldap://x}", "../../etc/passwd",
]  # fmt: skip
ORDINARY = ["1", "hôm nay", "Hội nghị tuyên truyền", "bỏ qua", "Nhà văn hóa", "40", "xác nhận", "menu"]
BUTTONS = ["0:o1", "1:o999", "9:cancel", "garbage", "0:m:kieubao xem 99999999999999999999", "0:m:viec xong 0",
           "0:m:kehoach dang 2147483648", "0:m:nhap bo", "0:m:duyet -1"]  # fmt: skip


class Tally:
    def __init__(self) -> None:
        self.inputs = self.crashes = self.lost = self.leaks = 0
        self.examples: list[str] = []

    def add(self, sent: str, answer: str) -> None:
        self.inputs += 1
        problem = None
        if not answer:
            self.lost += 1
            problem = "lost"
        elif APOLOGY in answer:
            self.crashes += 1
            problem = "crash"
        elif LEAK.search(answer):
            self.leaks += 1
            problem = "leak"
        if problem and len(self.examples) < 10:
            self.examples.append(f"{problem}: {sent[:60]!r} → {answer[:120]!r}")


async def people(app: App) -> list[tuple[Transcript, list[str]]]:
    found = []
    for user, unit, role in (("officer", TAM_KY, Role.OFFICER), ("supervisor", DA_NANG, Role.SUPERVISOR),
                             ("admin", DA_NANG, Role.ADMIN)):  # fmt: skip
        chat = Transcript(app, user)
        await chat.say("xin chào")
        await chat.say(await invite(app, unit, role))
        await chat.say(f"Cán bộ {user}")
        commands = [name for name, command in app.registry.commands.items() if command.allowed(role.value)]
        found.append((chat, commands))
    return found


async def run(database: str, inputs: int, seed: int) -> None:
    chooser = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        url = (await postgres.process_database("fuzz") if database == "postgres"
               else f"sqlite+aiosqlite:///{Path(tmp) / 'fuzz.sqlite3'}")  # fmt: skip
        settings = Settings(data_dir=Path(tmp), data_key=new_key(), _env_file=None)  # type: ignore[call-arg]
        app = App(settings, database_url=url)
        await app.migrate()
        await seed_units(app)
        cast = await people(app)
        keys = iter(range(10**9))

        async def ordinary(rounds: int) -> float:
            started = time.perf_counter()
            for _ in range(rounds):
                chat, _ = cast[0]
                await chat.say(chooser.choice(ORDINARY))
            return (time.perf_counter() - started) / rounds

        baseline = await ordinary(200)
        tally = Tally()
        started = time.perf_counter()
        while tally.inputs < inputs:
            for chat, commands in cast:
                await chat.say(f"/{chooser.choice(commands)}")  # open a command, or a form
                for _ in range(12):  # then answer each screen of it with the worst
                    if chooser.random() < 0.15:
                        button = chooser.choice(BUTTONS)
                        before = len(chat.out)
                        await app.pipeline.handle(Inbound("console", chat.chat.user_id, chat.chat.user_id,
                                                          f"cb-{next(keys)}", callback=button))  # fmt: skip
                        await app.worker.drain()
                        tally.add(button, "\n".join(chat.out[before:]))
                    else:
                        sent = chooser.choice(HOSTILE)
                        tally.add(sent, await chat.say(sent))
        hostile = (time.perf_counter() - started) / tally.inputs
        await app.close()
    print(f"{database}: {tally.inputs} hostile inputs — crashes {tally.crashes}, lost answers {tally.lost}, leaks "
          f"{tally.leaks}; {hostile * 1000:.1f} ms each ({hostile / baseline:.1f}x an ordinary answer, "
          f"{baseline * 1000:.1f} ms)")  # fmt: skip
    for example in tally.examples:
        print(f"  {example}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for database in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        asyncio.run(run(database, args.inputs, args.seed))


if __name__ == "__main__":
    main()
