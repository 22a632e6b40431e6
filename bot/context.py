"""What a handler sees while handling one update: the person, their conversation, their language, a way to reply."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.engine.events import Attachment
from bot.engine.replies import Document, Option, Reply
from bot.i18n import I18n
from storage.conversations import ConversationState
from storage.driver import Transaction
from storage.models import ChannelIdentity, Person

if TYPE_CHECKING:
    from bot.conversation import ConversationService


@dataclass
class Ctx:
    tx: Transaction
    settings: Settings
    service: ConversationService
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

    @property
    def session(self) -> AsyncSession:
        """The ORM session of this update's transaction, made when a handler first needs it."""
        return self.tx.session

    def t(self, message: str, /, **params: Any) -> str:
        return self.i18n.t(message, **params)

    def say(
        self, text: str, *, title: str = "", rows: tuple[tuple[Option, ...], ...] = (), typed_hint: str = ""
    ) -> None:
        self.replies.append(Reply(text=text, title=title, rows=rows, typed_hint=typed_hint))

    def send_document(self, document: Document, text: str = "") -> None:
        self.replies.append(Reply(text=text, document=document))

    def set_language(self, language: str) -> None:
        self.identity.language = language
        if self.person is not None:
            self.person.language = language
        self.i18n = I18n(language)
