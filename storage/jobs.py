"""The background job queue, in the database: a job is written in the transaction of the update that asks for it
(so it exists exactly when that update's answer does), claimed under a lease by one worker at a time, and finished
in the same transaction that queues its files to the outbox — a worker that lost its lease cannot finish it, so
every job's files go out once, whoever made them and however many workers died on the way."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import BackgroundJob, ChannelIdentity
from storage.types import utcnow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
NO_EDITS = "-"  # progress_ref once the first progress message is out on a channel that cannot edit it
KEPT_DAYS = 30  # a finished job's row (what was made for whom, when): then removed by housekeeping
WEB = "web"  # the channel of a job asked for in the web console: its files wait there, in the file store
FILES = "job-files"  # the file store's folder of those files
FILES_KEPT_HOURS = 24  # then removed by housekeeping (retention table in ``storage.retention``)


async def add(session: AsyncSession, kind: str, args: dict[str, Any], person_id: int,
              identity: ChannelIdentity | None, language: str, now: datetime) -> BackgroundJob:  # fmt: skip
    """Queues a job in the caller's transaction; its id is known at once (the progress message names it). Without
    an ``identity`` the files are for the web console (``WEB``), not a chat."""
    job = BackgroundJob(kind=kind, args=args, person_id=person_id, channel=identity.channel if identity else WEB,
                        chat_id=identity.chat_id if identity else "", identity_id=identity.id if identity else None,
                        language=language, status=QUEUED, progress=0, attempts=0, created_at=now)  # fmt: skip
    session.add(job)
    await session.flush()
    return job


def _claimable(now: datetime) -> Any:
    return or_(BackgroundJob.status == QUEUED,
               (BackgroundJob.status == RUNNING) & (BackgroundJob.claimed_until < now))  # fmt: skip


async def claim(session: AsyncSession, worker: str, now: datetime, lease: timedelta) -> BackgroundJob | None:
    """The oldest job nobody holds (queued, or running under a lease that ran out: its worker died), leased to
    ``worker``. On PostgreSQL a job another worker is claiming is skipped, not waited for."""
    job = await session.scalar(
        select(BackgroundJob).where(_claimable(now)).order_by(BackgroundJob.id).limit(1)
        .with_for_update(skip_locked=True)
    )  # fmt: skip
    if job is None:
        return None
    job.status, job.claimed_by, job.claimed_until = RUNNING, worker, now + lease
    job.attempts += 1
    job.started_at = job.started_at or now
    await session.flush()
    return job


async def renew(session: AsyncSession, job_id: int, worker: str, until: datetime, progress: int) -> bool:
    """Extends the lease and records the progress; False when the lease is no longer this worker's."""
    result = await session.execute(
        update(BackgroundJob)
        .where(BackgroundJob.id == job_id, BackgroundJob.claimed_by == worker, BackgroundJob.status == RUNNING)
        .values(claimed_until=until, progress=progress)
    )  # fmt: skip
    return bool(result.rowcount)


async def finish(session: AsyncSession, job_id: int, worker: str, now: datetime, *, status: str = DONE,
                 error: str | None = None, results: list[dict[str, Any]] | None = None) -> bool:  # fmt: skip
    """Marks the job done (or failed) if ``worker`` still holds it; the caller queues its files in the same
    transaction only when this says True."""
    result = await session.execute(
        update(BackgroundJob)
        .where(BackgroundJob.id == job_id, BackgroundJob.claimed_by == worker, BackgroundJob.status == RUNNING)
        .values(status=status, finished_at=now, claimed_until=None, last_error=error, results=results,
                progress=100 if status == DONE else BackgroundJob.progress)
    )  # fmt: skip
    return bool(result.rowcount)


async def give_back(session: AsyncSession, job_id: int, worker: str, error: str) -> None:
    """A failed attempt that may be tried again: queued for the next claim."""
    await session.execute(
        update(BackgroundJob)
        .where(BackgroundJob.id == job_id, BackgroundJob.claimed_by == worker, BackgroundJob.status == RUNNING)
        .values(status=QUEUED, claimed_by=None, claimed_until=None, last_error=error)
    )  # fmt: skip


async def release(session: AsyncSession, job_id: int, worker: str) -> None:
    """The worker stops (a deploy, a restart): the job is queued again at once, and this attempt does not count."""
    await session.execute(
        update(BackgroundJob)
        .where(BackgroundJob.id == job_id, BackgroundJob.claimed_by == worker, BackgroundJob.status == RUNNING)
        .values(status=QUEUED, claimed_by=None, claimed_until=None, attempts=BackgroundJob.attempts - 1)
    )  # fmt: skip


async def progress_ref(session: AsyncSession, job_id: int) -> str | None:
    return await session.scalar(select(BackgroundJob.progress_ref).where(BackgroundJob.id == job_id))


async def set_progress_ref(session: AsyncSession, job_id: int, ref: str) -> None:
    await session.execute(update(BackgroundJob).where(BackgroundJob.id == job_id).values(progress_ref=ref))


async def counts(session: AsyncSession) -> dict[str, int]:
    """Jobs waiting and being made, across the cluster (metrics)."""
    rows = (await session.execute(
        select(BackgroundJob.status, func.count()).where(BackgroundJob.status.in_((QUEUED, RUNNING)))
        .group_by(BackgroundJob.status)
    )).all()  # fmt: skip
    return {QUEUED: 0, RUNNING: 0} | {status: int(count) for status, count in rows}


async def prune(session: AsyncSession, now: datetime | None = None) -> int:
    """Removes finished jobs after ``KEPT_DAYS`` (retention table in ``storage.retention``)."""
    cutoff = (now or utcnow()) - timedelta(days=KEPT_DAYS)
    result = await session.execute(
        delete(BackgroundJob).where(BackgroundJob.status.in_((DONE, FAILED)), BackgroundJob.finished_at < cutoff)
    )
    return int(result.rowcount or 0)


async def for_web(session: AsyncSession, person_id: int, kind: str, since: datetime) -> list[BackgroundJob]:
    """The person's jobs of ``kind`` asked for in the web console since ``since``, newest first."""
    query = select(BackgroundJob).where(BackgroundJob.person_id == person_id, BackgroundJob.kind == kind,
                                        BackgroundJob.channel == WEB, BackgroundJob.created_at >= since)  # fmt: skip
    return list((await session.scalars(query.order_by(BackgroundJob.id.desc()).limit(20))).all())
