"""The composition root: settings → database → handlers (their registry) → update pipeline → delivery worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.background import JobRunner
from bot.config import Settings
from bot.delivery import DeliveryWorker, Sender
from bot.files import file_store
from bot.pipeline import UpdatePipeline
from handlers import build_registry
from storage import overseas
from storage.crypto import Cipher, DataKeyError
from storage.db import Database
from storage.migrate import upgrade
from storage.types import utcnow


class App:
    """Everything a channel needs, wired once; channels only translate events in and replies out."""

    def __init__(
        self, settings: Settings, *, database_url: str | None = None, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.db = Database(database_url or settings.effective_database_url, pool_size=settings.database_pool_size,
                           pgbouncer=settings.pgbouncer)  # fmt: skip
        self.cipher = Cipher(settings.data_key.get_secret_value() if settings.data_key else None)
        self.files = file_store(settings)
        self.registry = build_registry()
        self.worker = DeliveryWorker(
            self.db,
            [],
            max_attempts=settings.outbox_max_attempts,
            clock=clock,
            redis_url=settings.redis_url,
            redis_prefix=settings.redis_prefix,
        )
        self.pipeline = UpdatePipeline(
            self.db, self.registry, settings, clock=clock, on_outbox=self.wake, cipher=self.cipher, files=self.files
        )
        self.jobs = JobRunner(self, concurrency=settings.job_concurrency,
                              lease=timedelta(seconds=settings.job_lease_seconds))  # fmt: skip

    def wake(self) -> None:
        """After an update: its replies are due, and it may have queued a background job."""
        self.worker.wake()
        self.jobs.wake()

    def add_sender(self, sender: Sender) -> None:
        self.worker = DeliveryWorker(
            self.db,
            [*self.worker.senders.values(), sender],
            max_attempts=self.settings.outbox_max_attempts,
            clock=self.worker.clock,
            redis_url=self.settings.redis_url,
            redis_prefix=self.settings.redis_prefix,
        )

    async def migrate(self) -> None:
        """Brings the schema up to date, then refuses to go on if stored encrypted notes cannot be opened."""
        await upgrade(self.db)
        async with self.db.transaction() as session:
            sample = await overseas.encrypted_sample(session)
        if sample is not None:
            if not self.cipher.available:
                raise DataKeyError(
                    "the database holds encrypted notes but CAUNOI_DATA_KEY is not set; refusing to start"
                )
            self.cipher.decrypt(sample)

    async def close(self) -> None:
        await self.worker.close()
        await self.files.close()
        await self.db.dispose()
