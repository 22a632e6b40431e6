"""Test helpers: seeding real units and invites, a console transcript driver, and the bot as a real process."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from bot.app import App
from bot.channels.console import ConsoleChat, ConsoleSender
from storage.people import Role, create_invite
from storage.types import utcnow
from storage.unit_sources import vietnam_units
from storage.units import by_code, upsert_units
from tests.fake_platform import WAIT

T = TypeVar("T")

DA_NANG = "48"
TAM_KY = "20341"


def activity_lines(kind: str, day: str, title: str, place: str, people: str, *, description: str | None = None,
                   country: str | None = None, org: str | None = None, foreign: str | None = None,
                   money: str | None = None) -> list[str]:  # fmt: skip
    """What an officer types for /baocao, in the form's order: the required answers, then the details when any
    is given (each one not given skipped), ending on the review; confirming is the caller's."""
    lines = ["/baocao", kind, day, title, place, people]
    details = (description, country, org, foreign, money)
    if all(value is None for value in details):
        return [*lines, "không"]
    lines.append("thêm chi tiết")
    for name, value in zip(("description", "country", "org", "foreign", "money"), details, strict=True):
        if name == "org" and country is None:
            continue  # asked only after a partner country
        lines.append("bỏ qua" if value is None else value)
    return [*lines, "xong"]


async def raw_commune_and_officer(session: Any) -> str:
    """Commune 1 ("X") and officer 1 written as rows, for a migration's test at an older revision than the models;
    returns the SQL literal of the instant they were made at, for the rows the test writes next."""
    from sqlalchemy import text

    at = "'2026-01-01 00:00:00'"
    await session.execute(text(f"INSERT INTO units (id, code, name, level, created_at, updated_at) "
                               f"VALUES (1, 'X', 'Xã X', 'commune', {at}, {at})"))  # fmt: skip
    await session.execute(text(f"INSERT INTO people (id, full_name, role, unit_id, language, created_at) "
                               f"VALUES (1, 'A', 'officer', 1, 'vi', {at})"))  # fmt: skip
    return at


async def seed_units(app: App, province: str = "Đà Nẵng") -> None:
    async with app.db.transaction() as session:
        await upsert_units(session, vietnam_units(province))


async def invite(app: App, unit_code: str = TAM_KY, role: Role = Role.OFFICER) -> str:
    from datetime import timedelta

    async with app.db.transaction() as session:
        unit = await by_code(session, unit_code)
        assert unit is not None
        return (await create_invite(session, unit, role, app.clock(), timedelta(days=7))).code


class Transcript:
    """Drives the console channel and collects what the person would read."""

    def __init__(self, app: App, user_id: str = "tester", display_name: str = "Tester") -> None:
        self.app = app
        self.out: list[str] = []
        if "console" not in app.worker.senders:
            inboxes: dict[str, list[str]] = {}
            app.add_sender(ConsoleSender(write=lambda chat, text: inboxes.setdefault(chat, []).append(text),
                                         files=app.settings.data_dir / "sent"))  # fmt: skip
            app.transcripts = inboxes  # type: ignore[attr-defined]
        app.transcripts[user_id] = self.out  # type: ignore[attr-defined]
        self.chat = ConsoleChat(app, user_id, display_name)

    async def say(self, line: str) -> str:
        """Sends a line; returns everything the bot answered to it, joined."""
        start = len(self.out)
        await self.chat.send(line)
        return "\n".join(self.out[start:])


async def eventually(check: Callable[[], Awaitable[T | None]], what: str, timeout: float = WAIT) -> T:
    """What ``check`` returns once it is not None (a row written, a status reached), polled; fails after ``timeout``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (result := await check()) is None:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not seen in {timeout:.0f} s: {what}")
        await asyncio.sleep(0.05)
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BotProcess:
    """``python -m bot run`` in a child process, pointed at the fake Bot API server."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.cwd = cwd
        self.process: asyncio.subprocess.Process | None = None
        self.log = cwd / "bot.log"
        self.command = [sys.executable, "-m", "bot", "run"]

    async def start(self) -> None:
        """Starts the process with its clock where the test's clock is now (never today's date)."""
        handle = self.log.open("ab")
        env = {**self.env, "CAUNOI_CLOCK_START": utcnow().isoformat()}
        self.process = await asyncio.create_subprocess_exec(
            *self.command, env=env, cwd=self.cwd, stdout=handle, stderr=handle
        )

    async def wait_webhook_ready(self, port: int, timeout: float = WAIT) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    shown = self.log.read_text() if self.log.exists() else "(in-process: see the captured log)"
                    raise AssertionError(f"webhook server did not start:\n{shown}")
                await asyncio.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no chance to flush or clean up, like a crash or an OOM kill."""
        assert self.process is not None
        self.process.kill()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


class BotTask(BotProcess):
    """``caunoi run`` in this test's own event loop: the same webhook app, channels and workers, without the cost
    of a process. For tests where a process is not the point (no kill, no second worker, no start-up failure)."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        super().__init__(env, cwd)
        self.task: asyncio.Task[None] | None = None
        self.stopping = asyncio.Event()

    async def start(self) -> None:
        from bot.config import Settings
        from bot.runtime import run_bot

        saved = dict(os.environ)
        os.environ.update({k: v for k, v in self.env.items() if k.startswith("CAUNOI_")})
        try:
            settings = Settings(_env_file=None)  # type: ignore[call-arg]  # read as `caunoi run` reads it
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.task = asyncio.create_task(run_bot(settings, self.stopping))

    def kill(self) -> None:
        raise TypeError("a BotTask cannot be killed: use BotProcess where the crash is the point")

    async def stop(self) -> None:
        if self.task is not None and not self.task.done():
            self.stopping.set()
            await asyncio.wait_for(self.task, WAIT)
        if self.task is not None and self.task.done() and not self.task.cancelled():
            self.task.result()  # a failure inside the bot fails the test


HAI_VAN = "20195"


async def member(
    app: App, user: str, *, unit_code: str = TAM_KY, role: Role = Role.OFFICER, name: str = "Đỗ Thị Mai"
) -> Transcript:
    """A console user who has joined ``unit_code`` with ``role`` through an invite code, as a person would."""
    chat = Transcript(app, user)
    await chat.say("xin chào")
    await chat.say(await invite(app, unit_code, role))
    await chat.say(name)
    return chat


async def many_officers(app: App, count: int, first_user: int, unit_code: str = TAM_KY) -> list[int]:
    """``count`` officers of one unit, each with a Telegram account numbered from ``first_user`` (inserted in bulk)."""
    from sqlalchemy import insert, select

    from storage.models import ChannelIdentity, Person

    now = utcnow()
    async with app.db.transaction() as session:
        unit = await by_code(session, unit_code)
        assert unit is not None
        await session.execute(insert(Person), [{"full_name": f"Cán bộ {i:04d}", "role": "officer", "unit_id": unit.id,
                                                "language": "vi", "created_at": now} for i in range(count)])  # fmt: skip
        ids = list((await session.scalars(select(Person.id).where(Person.full_name.like("Cán bộ %"))
                                          .order_by(Person.id))).all())[-count:]  # fmt: skip
        await session.execute(insert(ChannelIdentity), [
            {"channel": "telegram", "external_id": str(first_user + n), "chat_id": str(first_user + n),
             "person_id": pid, "code_failures": 0, "created_at": now, "last_seen_at": now} for n, pid in enumerate(ids)
        ])  # fmt: skip
    return [first_user + n for n in range(count)]
