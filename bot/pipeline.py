"""The update pipeline: one inbound event into state changes and outbox messages, in one transaction, exactly once.

Order of work for an update: a per-chat lock in this process; in the database, the update key (a redelivery stops
here), the identity row lock (shared by all workers), the conversation, the handler; then replies go to the outbox
in the same transaction. Nothing is sent before the commit, so a confirmed report is stored before it is confirmed.
Where the update goes is ``bot.routing``; open forms are ``bot.drafts``. The pipeline is also the ``Services`` that
handlers see through their context.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.context import Ctx
from bot.drafts import Drafts
from bot.engine.events import Attachment, Inbound
from bot.engine.replies import Option
from bot.file_reading import read_sent_file
from bot.files import FileStore, LocalFiles
from bot.i18n import i18n_for
from bot.memo import Memo
from bot.menus import ask_for_code, command_menu, refresh_commands, show_menu
from bot.observability import UPDATE_SECONDS, UPDATES
from bot.registry import Registry
from bot.routing import Router
from storage import conversations, outbox
from storage.crypto import Cipher
from storage.db import Database
from storage.driver import Transaction
from storage.text import printable
from storage.types import utcnow
from storage.units import Scope

log = logging.getLogger(__name__)


Fetcher = Callable[[Attachment], Awaitable[bytes]]
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Handled:
    """What a channel needs back: whether it was a redelivery, and a short notice for a tapped button."""

    duplicate: bool
    notice: str | None = None


def _printable(event: Inbound) -> Inbound:
    """Text, names and file names as they may be stored: control characters out, length bounded (see ``printable``)."""
    attachment = event.attachment
    return replace(
        event,
        text=None if event.text is None else printable(event.text),
        display_name=None if event.display_name is None else printable(event.display_name, 255),
        attachment=None if attachment is None else replace(attachment, filename=printable(attachment.filename, 200)),
    )


class UpdatePipeline:
    def __init__(
        self,
        db: Database,
        registry: Registry,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        on_outbox: Callable[[], None] | None = None,
        cipher: Cipher | None = None,
        files: FileStore | None = None,
    ) -> None:
        self.db = db
        self.files = files or LocalFiles(settings.data_dir)
        self.registry = registry
        self.settings = settings
        self.clock = clock
        self.on_outbox = on_outbox
        self.zone = ZoneInfo(settings.timezone)
        self.cipher = cipher or Cipher(None)
        self.fetchers: dict[str, Fetcher] = {}
        self.photo_fetchers: dict[str, Fetcher] = {}
        self.drafts = Drafts(registry, self.cipher)
        self.router = Router(registry, self.drafts)
        self._memo = Memo()
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = weakref.WeakValueDictionary()

    async def handle(self, event: Inbound) -> Handled:
        """One inbound event, exactly once: a per-chat lock here, then one transaction; a bug gets an apology."""
        event = _printable(event)
        key = (event.channel, event.user_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        started = time.perf_counter()
        outcome = "handled"
        async with lock:
            event = await self._keep_photo(event)
            data = await self._fetch(event)
            read = await self._read(event, data)
            try:
                result = await self._handle_locked(event, data, read)
            except Exception:
                log.exception("handling %s update %s failed", event.channel, event.update_key)
                result = await self._apologise(event)
                outcome = "apology"
        UPDATES.labels(event.channel, "duplicate" if result.duplicate else outcome).inc()
        UPDATE_SECONDS.labels(event.channel).observe(time.perf_counter() - started)
        if not result.duplicate and self.on_outbox is not None:
            self.on_outbox()
        return result

    async def _keep_photo(self, event: Inbound) -> Inbound:
        """A photo from a channel whose links expire (Zalo) is downloaded into the file store (``media/``) before
        handling, and the report keeps ``media:<sha256>.jpg``; if the download or the store fails, the link itself
        is kept."""
        fetch = self.photo_fetchers.get(event.channel)
        if event.photo is None or fetch is None:
            return event
        try:
            data = await fetch(Attachment(event.photo, "photo.jpg"))
        except Exception:
            log.warning("could not download a %s photo; keeping its link", event.channel, exc_info=True)
            return event
        if not data or len(data) > MAX_ATTACHMENT_BYTES:
            return event
        name = f"{hashlib.sha256(data).hexdigest()}.jpg"
        try:
            await self.files.put(f"media/{name}", data)
        except Exception:
            log.warning("could not keep a %s photo; keeping its link", event.channel, exc_info=True)
            return event
        return replace(event, photo=f"media:{name}")

    async def photo(self, channel: str, ref: str) -> bytes | None:
        """A report's photo, to show it elsewhere (the web console): from the file store when it was kept there
        (``media:``), else through its channel (Telegram's file id); None when it cannot be had."""
        try:
            if ref.startswith("media:"):
                return await self.files.get(f"media/{ref.removeprefix('media:')}")
            fetcher = self.fetchers.get(channel)
            data = await fetcher(Attachment(ref, "photo.jpg")) if fetcher is not None else None
        except Exception:
            log.warning("could not fetch a %s photo", channel, exc_info=True)
            return None
        return data if data is not None and len(data) <= MAX_ATTACHMENT_BYTES else None

    async def _fetch(self, event: Inbound) -> bytes | None:
        """Downloads a sent file before the transaction opens, so no database lock is held over the network."""
        attachment = event.attachment
        fetcher = self.fetchers.get(event.channel)
        if attachment is None or fetcher is None or (attachment.size or 0) > MAX_ATTACHMENT_BYTES:
            return None
        try:
            data = await fetcher(attachment)
        except Exception:
            log.warning("could not download %s from %s", attachment.filename, event.channel, exc_info=True)
            return None
        return data if len(data) <= MAX_ATTACHMENT_BYTES else None

    async def _read(self, event: Inbound, data: bytes | None) -> object:
        """A file's content, parsed before the transaction opens (``bot.file_reading``: a thread, or a child process
        for a large file): a large workbook or plan holds no database lock and never delays another person's answer.
        A reader's refusal is passed on as it is."""
        if event.attachment is None or data is None:
            return None
        suffix = Path(event.attachment.filename.lower()).suffix
        reader = self.registry.readers.get(suffix)
        if reader is None:
            return None
        async with self.db.transaction() as session:  # a stranger is asked for a code: their file is not parsed
            if not await conversations.is_member(session, event.channel, event.user_id):
                return None
        today = self.clock().astimezone(self.zone).date()
        return await read_sent_file(reader, event.attachment.filename, data, today, self.cipher.available)

    async def _handle_locked(self, event: Inbound, data: bytes | None, read: object = None) -> Handled:
        async with self.db.begin() as tx:
            ctx = await self._open(tx, event)
            if ctx is None:
                return Handled(duplicate=True)
            ctx.attachment, ctx.attachment_data, ctx.attachment_read = event.attachment, data, read
            await self.router.route(ctx, event)
            await self._stamp_and_enqueue(ctx, event)
            await conversations.save(tx, ctx.conversation, ctx.now)
            return Handled(duplicate=False, notice=ctx.notice)

    async def _apologise(self, event: Inbound) -> Handled:
        """A bug must not leave the person without an answer, nor show them a trace; what they entered is kept."""
        async with self.db.begin() as tx:
            ctx = await self._open(tx, event)
            if ctx is None:
                return Handled(duplicate=True)
            ctx.say(
                ctx.t("Sorry, something went wrong on our side. What you entered so far is kept; please try again.")
            )
            await self._stamp_and_enqueue(ctx, event)
            return Handled(duplicate=False, notice=ctx.replies[0].text)

    async def _open(self, tx: Transaction, event: Inbound) -> Ctx | None:
        """Records the update (None if it is a redelivery), locks the person's identity and builds the context."""
        now = self.clock()
        opened = await conversations.open_update(
            tx, event.channel, event.update_key, event.user_id, event.chat_id, event.display_name, now
        )
        if opened is None:
            return None
        identity, conversation, person = opened
        language = (person.language if person else None) or identity.language or self.settings.default_language
        return Ctx(
            tx=tx, settings=self.settings, services=self, channel=event.channel, identity=identity,
            person=person, conversation=conversation, i18n=i18n_for(language), now=now,
            today=now.astimezone(self.zone).date(),
        )  # fmt: skip

    async def _stamp_and_enqueue(self, ctx: Ctx, event: Inbound) -> None:
        """Buttons carry the new screen number; anything shown before becomes stale."""
        if any(reply.rows for reply in ctx.replies):
            ctx.conversation.screen += 1
        if not ctx.conversation.flow:
            self._remember_choices(ctx)
        messages = [
            outbox.Outgoing(event.channel, event.chat_id, ctx.identity.id,
                            (replace(reply, screen=ctx.conversation.screen) if reply.rows else reply).to_json())
            for reply in ctx.replies
        ]  # fmt: skip
        await outbox.enqueue(ctx.tx, messages, ctx.now)

    @staticmethod
    def _remember_choices(ctx: Ctx) -> None:
        """Outside forms, the last choices shown are kept so that typing their number or words works everywhere."""
        shown = [reply.choices for reply in ctx.replies if reply.choices]
        if shown:
            ctx.conversation.state["choices"] = [[option.key, option.label] for option in shown[-1]]
        elif ctx.replies:
            ctx.conversation.state.pop("choices", None)

    # ---- what handlers may ask (bot.context.Services) ---------------------------------------------------------

    async def start_form(
        self, ctx: Ctx, form_name: str, *, answers: dict[str, Any] | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        await self.drafts.start(ctx, form_name, answers=answers, extra=extra)

    async def reshow_form(self, ctx: Ctx) -> None:
        """After a side command (help, language, my reports) the open form's question is shown again."""
        if ctx.conversation.flow:
            await self.drafts.reshow(ctx)

    def commands_of(self, ctx: Ctx) -> tuple[tuple[str, str], ...]:
        """(command, description) of every command the person's role may use, in their language."""
        return command_menu(self.registry, ctx.person.role if ctx.person else None, ctx.i18n)

    def refresh_commands(self, ctx: Ctx) -> None:
        """The person's command menu follows their role and language (Telegram's per-chat menu)."""
        refresh_commands(ctx, self.registry)

    async def show_menu(self, ctx: Ctx, *, with_text: bool = True) -> None:
        show_menu(ctx, self.registry, with_text=with_text)

    async def cancel(self, ctx: Ctx) -> None:
        await self.drafts.cancel(ctx)

    async def settle_draft(self, ctx: Ctx, *, replace: bool) -> None:
        await self.drafts.settle(ctx, replace=replace)

    async def ask_for_code(self, ctx: Ctx) -> None:
        ask_for_code(ctx)

    async def memo(self, key: str, ttl: float, load: Callable[[], Awaitable[Any]]) -> Any:
        return await self._memo.get(key, ttl, load)

    async def more_lines(self, ctx: Ctx, screen: str, scope: Scope) -> tuple[list[str], list[tuple[Option, ...]]]:
        """What other areas add to a screen (plan tasks on /tiendo and /nhacviec), in the order they registered."""
        lines: list[str] = []
        rows: list[tuple[Option, ...]] = []
        for part in self.registry.more_lines.get(screen, []):
            more, buttons = await part(ctx, scope)
            lines += more
            rows += buttons
        return lines, rows
