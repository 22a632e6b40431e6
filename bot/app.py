"""The composition root: settings → database → handlers → conversation service → delivery worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.config import Settings
from bot.conversation import ConversationService
from bot.delivery import DeliveryWorker, Sender
from handlers import build_registry
from storage.db import Database
from storage.migrate import upgrade
from storage.types import utcnow


class App:
    """Everything a channel needs, wired once; channels only translate events in and replies out."""

    def __init__(
        self, settings: Settings, *, database_url: str | None = None, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.settings = settings
        self.db = Database(database_url or settings.effective_database_url)
        self.registry = build_registry()
        self.worker = DeliveryWorker(self.db, [], max_attempts=settings.outbox_max_attempts, clock=clock)
        self.service = ConversationService(self.db, self.registry, settings, clock=clock, on_outbox=self.worker.wake)

    def add_sender(self, sender: Sender) -> None:
        self.worker = DeliveryWorker(
            self.db,
            [*self.worker.senders.values(), sender],
            max_attempts=self.settings.outbox_max_attempts,
            clock=self.worker.clock,
        )
        self.service.on_outbox = self.worker.wake

    async def migrate(self) -> None:
        await upgrade(self.db)

    async def close(self) -> None:
        await self.db.dispose()
