"""A chat in the terminal against the real engine and database: the demo, and the channel transcript tests use."""

from __future__ import annotations

import asyncio
import base64
import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.app import App
from bot.channels.plain import render_plain
from bot.engine.events import Attachment, Inbound
from bot.engine.replies import Reply
from bot.pacing import Pace

CHANNEL = "console"
PHOTO_PREFIX = "!photo"
FILE_PREFIX = "!file"


@dataclass
class ConsoleSender:
    """Prints (or collects, per chat) rendered replies; the console has no platform limits to respect."""

    write: Callable[[str, str], None]
    channel: str = CHANNEL
    pace: Pace = field(default_factory=lambda: Pace(10_000, 10_000, 10_000))
    files: Path | None = None

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        """Returns a reference for ``edit`` (a terminal's messages have no ids)."""
        if reply.commands is not None:
            return None  # no command menu in a terminal
        text = render_plain(reply)
        if reply.document is not None:
            name = Path(reply.document.filename).name
            where = name
            if self.files is not None:
                self.files.mkdir(parents=True, exist_ok=True)
                (self.files / name).write_bytes(base64.b64decode(reply.document.content_b64))
                where = str(self.files / name)
            text = "\n".join(part for part in (text, f"📎 {where}", reply.document.caption) if part)
        self.write(chat_id, text)
        return "printed"

    async def edit(self, chat_id: str, ref: str, reply: Reply) -> None:
        """A terminal cannot change what it printed: the new text (a job's progress) is printed under it."""
        self.write(chat_id, render_plain(reply))


async def read_local_file(attachment: Attachment) -> bytes:
    """The console's "download": the file named with ``!file`` on this machine."""
    return await asyncio.to_thread(Path(attachment.ref).read_bytes)


class ConsoleChat:
    """One person typing: each line becomes an ``Inbound``; replies are delivered through the outbox."""

    def __init__(self, app: App, user_id: str, display_name: str | None = None) -> None:
        self.app = app
        self.user_id = user_id
        self.display_name = display_name
        self._keys = itertools.count(1)
        self._session = f"{id(self):x}"
        app.pipeline.fetchers.setdefault(CHANNEL, read_local_file)

    def inbound(self, line: str) -> Inbound:
        key = f"{self.user_id}:{self._session}:{next(self._keys)}"
        if line.startswith(PHOTO_PREFIX):  # "!photo name.jpg the caption, if any"
            name, _, caption = line[len(PHOTO_PREFIX) :].strip().partition(" ")
            return Inbound(CHANNEL, self.user_id, self.user_id, key, photo=f"console:{name or 'photo.jpg'}",
                           text=caption.strip() or None, display_name=self.display_name)  # fmt: skip
        if line.startswith(FILE_PREFIX):
            path = Path(line[len(FILE_PREFIX) :].strip()).expanduser()
            size = path.stat().st_size if path.is_file() else None
            attachment = Attachment(str(path), path.name, size)
            return Inbound(
                CHANNEL, self.user_id, self.user_id, key, attachment=attachment, display_name=self.display_name
            )
        return Inbound(CHANNEL, self.user_id, self.user_id, key, text=line, display_name=self.display_name)

    async def send(self, line: str) -> None:
        """Handles the line, makes any file it asked for (background jobs run here, in turn) and prints the
        replies: a terminal chat reads like a conversation."""
        await self.app.pipeline.handle(self.inbound(line))
        await self.app.worker.drain()
        if await self.app.jobs.drain():
            await self.app.worker.drain()


async def interactive(app: App, people: list[tuple[ConsoleChat, str]], banner: str) -> None:
    """Reads lines until EOF or /thoat; every answer is stored as on Telegram. ``/vai`` (role) switches to the next
    person, so an officer's report and its supervisor's review can both be tried in one terminal."""
    print(banner)
    current = 0
    chat = people[current][0]
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
        if line in ("/vai", "/role") and len(people) > 1:
            current = (current + 1) % len(people)
            chat = people[current][0]
            print(f"\n— {people[current][1]} —")
            await chat.send("/menu")
        elif line:
            await chat.send(line)
        sys.stdout.flush()
