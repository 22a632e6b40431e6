"""Background jobs, run by every ``caunoi run`` worker (and by the console, in-process): each claims the oldest job
nobody holds (``storage.jobs``), makes its files outside any conversation's transaction — reading through a snapshot
that holds no write lock, building in threads so the event loop keeps answering — and shows the person one progress
message, edited as the work goes on. A worker that dies mid-job leaves its lease to run out; the next claim makes the
job again, and only the holder of the lease can finish it, so its files are queued once."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import observability
from bot.engine.replies import Reply
from bot.i18n import N_, I18n, i18n_for
from storage import audit, jobs, outbox
from storage.models import BackgroundJob, Person

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3  # claims of one job, a worker's death included: a job that kills its worker is not retried forever
PROGRESS_EVERY = 2.0  # seconds between two edits of the progress message (and at least 10 points apart)
Progress = Callable[[float], Awaitable[None]]  # how far a job is, 0–1


MAKING = N_("Making the file… {percent} %")


@dataclass(frozen=True)
class JobKind:
    """What an area makes in the background: ``run`` returns the replies (files) for the person; the three texts
    (msgids) are its progress message, what that message says when done, and what the person is told when the job
    is given up."""

    name: str
    run: Callable[[JobContext], Awaitable[list[Reply]]]
    progress: str = MAKING
    done: str = N_("The file is ready.")
    failed: str = N_("Sorry, the file could not be made. Nothing you entered is lost; please ask again later, or ask "
                     "for a shorter period or a smaller unit.")  # fmt: skip


class LeaseLost(Exception):
    """Another worker holds the job now (this one was too slow to renew): stop, and queue nothing."""


@dataclass
class JobContext:
    """What a job's code is given: its arguments, the person who asked, their language, the app, and a way to
    report progress; audit entries it adds are written with its files, in the finishing transaction."""

    app: App
    job: BackgroundJob
    person: Person
    i18n: I18n
    now: datetime
    today: date
    zone: ZoneInfo
    renew: Callable[[int], Awaitable[None]]
    renew_in: Callable[[AsyncSession, int], Awaitable[None]]
    kind: JobKind
    audits: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _shown: int = 0
    _shown_at: float = 0.0

    @property
    def args(self) -> dict[str, Any]:
        return self.job.args

    def audit(self, action: str, **details: Any) -> None:
        self.audits.append((action, details))

    async def hold(self, session: AsyncSession, fraction: float) -> None:
        """For a job that writes as it goes (an import, batch by batch): in the caller's transaction, the lease is
        renewed with the progress, or ``LeaseLost`` is raised — so that transaction is rolled back and a batch is
        written only by the worker holding the job."""
        await self.renew_in(session, max(0, min(99, int(fraction * 100))))

    async def progress(self, fraction: float) -> None:
        """Records how far the job is (0–1) and, now and then, edits the person's progress message."""
        percent = max(0, min(99, int(fraction * 100)))
        await self.renew(percent)  # the web console's page reads it from here
        if self.job.channel == jobs.WEB:
            return
        if percent - self._shown >= 10 and time.monotonic() - self._shown_at >= PROGRESS_EVERY:
            self._shown, self._shown_at = percent, time.monotonic()
            async with self.app.db.transaction() as session:
                reply = progress_reply(self.i18n, self.job.id, percent, self.kind.progress)
                await outbox.enqueue(session, [_to_person(self.job, reply)],
                                     self.app.clock())  # fmt: skip
            self.app.worker.wake()


def progress_reply(i18n: I18n, job_id: int, percent: int, text: str = MAKING) -> Reply:
    return Reply(text=i18n.t(text, percent=percent), progress=job_id)


def _to_person(job: BackgroundJob, reply: Reply) -> outbox.Outgoing:
    return outbox.Outgoing(job.channel, job.chat_id, job.identity_id, reply.to_json())


class JobRunner:
    """Claims and runs background jobs, ``concurrency`` at a time in this process."""

    def __init__(self, app: App, *, concurrency: int = 2, lease: timedelta = timedelta(seconds=60)) -> None:
        self.app = app
        self.concurrency = concurrency
        self.lease = lease
        self.worker_id = f"jobs-{uuid.uuid4().hex[:12]}"
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event, idle: float = 5.0) -> None:
        """Runs jobs until ``stop``; woken when an update queues one, and looks anyway every ``idle`` seconds (for
        jobs queued by other workers, and leases that ran out)."""
        running: set[asyncio.Task[bool]] = set()
        while not stop.is_set():
            while len(running) < self.concurrency:
                job = await self._claim()
                if job is None:
                    break
                running.add(asyncio.create_task(self._run(job)))
            self._wake.clear()
            waits = {asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait()), *running}
            done, _ = await asyncio.wait(waits, timeout=idle, return_when=asyncio.FIRST_COMPLETED)
            for finished in done & running:
                if not finished.cancelled() and finished.exception() is not None:  # _run logs its own failures
                    log.error("background job task ended with %r", finished.exception())
            running -= done
            for task in waits - running:
                if not task.done():
                    task.cancel()
        for task in running:  # stopping: a job cut short here is made again by the next claim
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    async def drain(self) -> int:
        """Runs every job that can be claimed, one after another (the console, and tests); returns how many."""
        count = 0
        while (job := await self._claim()) is not None:
            await self._run(job)
            count += 1
        return count

    async def _claim(self) -> BackgroundJob | None:
        try:
            async with self.app.db.transaction() as session:
                return await jobs.claim(session, self.worker_id, self.app.clock(), self.lease)
        except Exception:
            log.exception("claiming a background job failed")
            return None

    async def _run(self, job: BackgroundJob) -> bool:
        """One attempt at one job; True when its files were queued."""
        started = time.perf_counter()
        kind = self.app.registry.job_kinds.get(job.kind)
        i18n = i18n_for(job.language)
        progress = [0]
        lost = asyncio.Event()
        current = asyncio.current_task()
        assert current is not None

        async def renew_in(session: AsyncSession, percent: int) -> None:
            progress[0] = percent
            if not await jobs.renew(session, job.id, self.worker_id, self.app.clock() + self.lease, percent):
                raise LeaseLost(job.id)

        async def renew(percent: int) -> None:
            async with self.app.db.transaction() as session:
                await renew_in(session, percent)

        async def keep_lease() -> None:
            """Renews the lease while the job works without reporting progress (a long Word draft); when another
            worker holds the job now, or renewing fails, this attempt is stopped (the next claim makes it)."""
            try:
                while True:
                    await asyncio.sleep(self.lease.total_seconds() / 3)
                    await renew(progress[0])
            except Exception as error:
                if not isinstance(error, LeaseLost):
                    log.exception("renewing background job %s's lease failed", job.id)
                lost.set()
                current.cancel()

        heartbeat = asyncio.create_task(keep_lease())
        try:
            async with self.app.db.transaction() as session:
                person = await session.get(Person, job.person_id)
            if kind is None or person is None or person.deactivated_at is not None:
                raise PermissionError(f"job kind {job.kind!r} unknown or its person gone")
            now = self.app.clock()
            zone = self.app.pipeline.zone
            context = JobContext(self.app, job, person, i18n, now, now.astimezone(zone).date(), zone, renew, renew_in,
                                 kind)  # fmt: skip
            replies = await kind.run(context)
            heartbeat.cancel()
            finished = await self._finish(job, kind, i18n, replies, context.audits)
            observability.JOB_RESULTS.labels(job.kind, "done" if finished else "lost").inc()
            return finished
        except asyncio.CancelledError:
            if not lost.is_set():  # the worker stops: the job goes back to the queue for the next claim, at once
                await asyncio.shield(self._release(job))
                raise
            current.uncancel()
            return self._lost(job)
        except LeaseLost:
            return self._lost(job)
        except Exception as error:
            final = isinstance(error, PermissionError) or job.attempts >= MAX_ATTEMPTS
            log.exception("background job %s (%s) failed, attempt %s", job.id, job.kind, job.attempts)
            observability.JOB_RESULTS.labels(job.kind, "failed" if final else "retry").inc()
            try:
                await self._failed(job, kind, i18n, type(error).__name__, final=final)
            except Exception:  # the database is away too: the lease runs out, and the job is claimed again
                log.exception("recording background job %s's failure failed", job.id)
            return False
        finally:
            heartbeat.cancel()
            observability.JOB_SECONDS.labels(job.kind).observe(time.perf_counter() - started)

    async def _release(self, job: BackgroundJob) -> None:
        try:
            async with self.app.db.transaction() as session:
                await jobs.release(session, job.id, self.worker_id)
        except Exception:  # the database is going away too: the lease runs out instead
            log.exception("giving background job %s back failed", job.id)

    @staticmethod
    def _lost(job: BackgroundJob) -> bool:
        log.info("background job %s stopped: another worker holds it now", job.id)
        observability.JOB_RESULTS.labels(job.kind, "lost").inc()
        return False

    async def _finish(self, job: BackgroundJob, kind: JobKind, i18n: I18n, replies: list[Reply],
                      audits: list[tuple[str, dict[str, Any]]]) -> bool:  # fmt: skip
        done = Reply(text=i18n.t(kind.done), progress=job.id)
        results = await self._keep(job, replies) if job.channel == jobs.WEB else None
        async with self.app.db.transaction() as session:
            if not await jobs.finish(session, job.id, self.worker_id, self.app.clock(), results=results):
                return False  # another worker holds it now: it queues the files, not this one
            if results is None:
                await outbox.enqueue(session, [_to_person(job, reply) for reply in (done, *replies)],
                                     self.app.clock())  # fmt: skip
            for action, details in audits:
                audit.record(session, action, actor=await session.get(Person, job.person_id), **details)
        self.app.worker.wake()
        return True

    async def _keep(self, job: BackgroundJob, replies: list[Reply]) -> list[dict[str, Any]]:
        """A web console's job: its files go to the file store (every worker's, when shared) for the page to offer,
        under names of this attempt (an attempt that loses its lease leaves files nobody points to, removed by
        housekeeping with the rest)."""
        kept = []
        for number, reply in enumerate(reply for reply in replies if reply.document is not None):
            document = reply.document
            assert document is not None
            key = f"{jobs.FILES}/{job.id}-{job.attempts}-{number}"
            data = base64.b64decode(document.content_b64)
            await self.app.files.put(key, data)
            kept.append({"key": key, "filename": document.filename, "caption": document.caption, "size": len(data)})
        return kept

    async def _failed(self, job: BackgroundJob, kind: JobKind | None, i18n: I18n, error: str, *,
                      final: bool) -> None:  # fmt: skip
        async with self.app.db.transaction() as session:
            if not final:
                await jobs.give_back(session, job.id, self.worker_id, error)
                return
            failed = await jobs.finish(session, job.id, self.worker_id, self.app.clock(), status=jobs.FAILED,
                                       error=error)  # fmt: skip
            if failed and job.channel != jobs.WEB:  # the web console's page shows it from the job's row
                sorry = i18n.t(kind.failed if kind is not None else JobKind.failed)
                await outbox.enqueue(session, [_to_person(job, Reply(text=sorry))], self.app.clock())
        self.app.worker.wake()
