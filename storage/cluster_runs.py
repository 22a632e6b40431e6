"""Periodic work once per interval across the cluster: a worker takes its turn only if no worker has run the work
within the interval. Called under the work's cluster lock (``Database.exclusive``), so two never decide at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ClusterRun

SLACK = 0.9  # a worker whose timer fires a little early still finds the last run recent, and leaves it


async def take_turn(session: AsyncSession, name: str, every: float, now: datetime) -> bool:
    """True (and this run recorded) when ``name`` last ran ``every`` seconds ago or more, on any worker."""
    row = await session.get(ClusterRun, name)
    if row is not None and row.last_run_at > now - timedelta(seconds=every * SLACK):
        return False
    if row is None:
        session.add(ClusterRun(name=name, last_run_at=now))
    else:
        row.last_run_at = now
    return True
