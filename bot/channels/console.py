"""A chat in the terminal against the real engine and database: the demo, and the channel transcript tests use."""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.app import App
from bot.channels.plain import render_plain
from bot.delivery import Pace
from bot.engine.events import Inbound
from bot.engine.replies import Reply

CHANNEL = "console"
PHOTO_PREFIX = "!photo"


@dataclass
class ConsoleSender:
    """Prints (or collects, per chat) rendered replies; the console has no platform limits to respect."""

    write: Callable[[str, str], None]
    channel: str = CHANNEL
    pace: Pace = field(default_factory=lambda: Pace(10_000, 10_000, 10_000))

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.write(chat_id, render_plain(reply))


class ConsoleChat:
    """One person typing: each line becomes an ``Inbound``; replies are delivered through the outbox."""

    def __init__(self, app: App, user_id: str, display_name: str | None = None) -> None:
        self.app = app
        self.user_id = user_id
        self.display_name = display_name
        self._keys = itertools.count(1)
        self._session = f"{id(self):x}"

    def inbound(self, line: str) -> Inbound:
        key = f"{self.user_id}:{self._session}:{next(self._keys)}"
        if line.startswith(PHOTO_PREFIX):
            name = line[len(PHOTO_PREFIX) :].strip() or "photo.jpg"
            return Inbound(
                CHANNEL, self.user_id, self.user_id, key, photo=f"console:{name}", display_name=self.display_name
            )
        return Inbound(CHANNEL, self.user_id, self.user_id, key, text=line, display_name=self.display_name)

    async def send(self, line: str) -> None:
        await self.app.service.handle(self.inbound(line))
        await self.app.worker.drain()


async def interactive(app: App, chat: ConsoleChat, banner: str) -> None:
    """Reads lines until EOF or /thoat; every answer is stored as on Telegram."""
    print(banner)
    await chat.send("/start")
    loop = asyncio.get_running_loop()
    while True:
        try:
            line = await loop.run_in_executor(None, lambda: input("\n> "))
        except (EOFError, KeyboardInterrupt):
            print()
            return
        line = line.strip()
        if line in ("/thoat", "/quit", "/exit"):
            return
        if line:
            await chat.send(line)
        sys.stdout.flush()
