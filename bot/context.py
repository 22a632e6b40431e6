"""What a handler sees while handling one update: the person, their language, a way to reply, a slot of its own in
the conversation, and a small set of services (``Services``) — not the whole pipeline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.background import MAKING
from bot.config import Settings
from bot.engine.events import Attachment
from bot.engine.replies import Document, Option, Reply
from bot.i18n import I18n
from storage import jobs
from storage.conversations import ConversationState
from storage.crypto import Cipher
from storage.driver import Transaction
from storage.models import ChannelIdentity, Person
from storage.units import Scope

if TYPE_CHECKING:
    from bot.registry import Registry

SLOT = "slot"  # the key of the handlers' slot in a conversation's state; the form runner owns the rest


class Services(Protocol):
    """What a handler may ask of the conversation pipeline."""

    zone: ZoneInfo
    cipher: Cipher
    registry: Registry

    async def start_form(
        self, ctx: Ctx, form_name: str, *, answers: dict[str, Any] | None = None, extra: dict[str, Any] | None = None
    ) -> None: ...

    async def reshow_form(self, ctx: Ctx) -> None: ...

    def refresh_commands(self, ctx: Ctx) -> None: ...

    def commands_of(self, ctx: Ctx) -> tuple[tuple[str, str], ...]: ...

    async def show_menu(self, ctx: Ctx, *, with_text: bool = True) -> None: ...

    async def cancel(self, ctx: Ctx) -> None: ...

    async def settle_draft(self, ctx: Ctx, *, replace: bool) -> None: ...

    async def ask_for_code(self, ctx: Ctx) -> None: ...

    async def memo(self, key: str, ttl: float, load: Callable[[], Awaitable[Any]]) -> Any: ...

    async def more_lines(self, ctx: Ctx, screen: str, scope: Scope) -> tuple[list[str], list[tuple[Option, ...]]]: ...


@dataclass
class Ctx:
    tx: Transaction
    settings: Settings
    services: Services
    channel: str
    identity: ChannelIdentity
    person: Person | None
    conversation: ConversationState
    i18n: I18n
    now: datetime
    today: date
    replies: list[Reply] = field(default_factory=list)
    notice: str | None = None
    attachment: Attachment | None = None
    attachment_data: bytes | None = None
    attachment_read: object = None  # what the area's file reader made of it, or the exception it raised

    @property
    def session(self) -> AsyncSession:
        """The ORM session of this update's transaction, made when a handler first needs it."""
        return self.tx.session

    @property
    def in_form(self) -> bool:
        return self.conversation.flow is not None

    def hold(self, key: str, value: Any, *, sealed: bool = False) -> None:
        """Keeps ``value`` until a later update takes it (a draft awaiting a decision); ``sealed`` encrypts it at
        rest when a key is configured (it may hold notes)."""
        cipher = self.services.cipher
        kept = {"sealed": cipher.encrypt({"value": value})} if sealed and cipher.available else {"value": value}
        self.conversation.state.setdefault(SLOT, {})[key] = kept

    def take(self, key: str) -> Any:
        """What ``hold`` kept under ``key``, removed; None when nothing is held (already used or discarded)."""
        kept = self.conversation.state.get(SLOT, {}).pop(key, None)
        if kept is None:
            return None
        return self.services.cipher.decrypt(kept["sealed"])["value"] if "sealed" in kept else kept["value"]

    def t(self, message: str, /, **params: Any) -> str:
        return self.i18n.t(message, **params)

    def say(
        self, text: str, *, title: str = "", rows: tuple[tuple[Option, ...], ...] = (), typed_hint: str = "",
        reading: bool = False,
    ) -> None:  # fmt: skip
        self.replies.append(Reply(text=text, title=title, rows=rows, typed_hint=typed_hint, reading=reading))

    def send_document(self, document: Document, text: str = "") -> None:
        self.replies.append(Reply(text=text, document=document))

    async def queue_job(self, kind: str, args: dict[str, Any], progress: str = MAKING) -> None:
        """Work too long for this update (a workbook, a Word draft, a large import): queued in its transaction, made
        in the background (``bot.background``); the person gets a progress message now (``progress``, the job
        kind's), edited as it goes, then the files or the answer."""
        assert self.person is not None
        job = await jobs.add(self.session, kind, args, self.person.id, self.identity, self.i18n.language, self.now)
        self.replies.append(Reply(text=self.t(progress, percent=0), progress=job.id))

    def set_language(self, language: str) -> None:
        self.identity.language = language
        if self.person is not None:
            self.person.language = language
        self.i18n = I18n(language)
