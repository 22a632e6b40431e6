"""The hot path's statements run on the driver's own connection (storage.driver): what they write must read back
identically through the ORM, commit and roll back with the session's transaction, and on SQLite never hold up the
event loop while another process has the write lock."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.config import Settings
from storage import conversations
from storage.conversations import ConversationState
from storage.models import ChannelIdentity, Conversation, Person, ProcessedUpdate
from storage.types import utcnow
from tests.conftest import DATABASES


async def joined_on_telegram(
    session: AsyncSession, external_id: str, name: str, now: datetime
) -> tuple[Person, ConversationState, Person | None]:
    """A new officer and their Telegram identity: read by the driver, bound to the person by an ORM change (which
    must be flushed at commit). Returns the person, and the conversation and person the driver found."""
    person = Person(full_name=name, role="officer", language="vi")
    session.add(person)
    await session.flush()
    identity, conversation, found = await conversations.lock_identity(
        session, "telegram", external_id, external_id, name.split()[-1], now
    )
    identity.person_id = person.id
    return person, conversation, found


async def test_driver_writes_read_back_through_the_orm_and_orm_changes_to_its_rows_are_kept(app: App) -> None:
    now = utcnow()
    async with app.db.transaction() as session:
        person, conversation, found = await joined_on_telegram(session, "77", "Lê Thị Hoa", now)
        assert conversation.is_new and found is None
        conversation.flow, conversation.state, conversation.screen = "report", {"a": ["Đà Nẵng", 1, None]}, 3
        await conversations.save(session, conversation, now)
    async with app.db.transaction() as session:
        stored = (await session.scalars(select(ChannelIdentity))).one()
        assert (stored.created_at, stored.last_seen_at, stored.person_id) == (now, now, person.id)
        assert stored.created_at.utcoffset() == timedelta(0)
        row = (await session.scalars(select(Conversation))).one()
        assert (row.flow, row.state, row.screen) == ("report", {"a": ["Đà Nẵng", 1, None]}, 3)
    later = now + timedelta(minutes=5)
    async with app.db.transaction() as session:
        identity, conversation, found = await conversations.lock_identity(session, "telegram", "77", "77", None, later)
        assert found is not None and found.full_name == "Lê Thị Hoa" and found.created_at.utcoffset() == timedelta(0)
        assert (identity.display_name, identity.created_at, identity.last_seen_at) == ("Hoa", now, later)
        assert (conversation.flow, conversation.state, conversation.is_new) == (
            "report",
            {"a": ["Đà Nẵng", 1, None]},
            False,
        )
        found.language = "en"
    async with app.db.transaction() as session:
        assert (await session.scalars(select(Person.language))).one() == "en"


async def test_driver_statements_commit_and_roll_back_with_the_session(app: App) -> None:
    """The driver's statements, even a transaction's first, must be part of the session's transaction, or a failed
    update would leave its key recorded and its redelivery would be dropped."""
    now = utcnow()
    with pytest.raises(RuntimeError):
        async with app.db.transaction() as session:
            assert await conversations.first_delivery(session, "telegram", "u-1", now)
            raise RuntimeError("the handler failed")
    async with app.db.transaction() as session:
        assert (await session.scalars(select(ProcessedUpdate))).all() == []
        assert await conversations.first_delivery(session, "telegram", "u-1", now)
    async with app.db.transaction() as session:
        assert not await conversations.first_delivery(session, "telegram", "u-1", now)


async def test_changes_to_rows_the_driver_read_are_kept_without_a_session(app: App) -> None:
    """Most steps never make an ORM session (``Database.begin``); a handler's change to the person or identity must
    still be committed, and rolled back with everything else when the step fails."""
    now = utcnow()
    async with app.db.transaction() as session:
        await joined_on_telegram(session, "78", "Trần Văn Minh", now)
    with pytest.raises(RuntimeError):
        async with app.db.begin() as tx:
            _, _, found = await conversations.lock_identity(tx, "telegram", "78", "78", None, now)
            assert found is not None
            found.language = "en"
            raise RuntimeError("the handler failed")
    async with app.db.begin() as tx:
        _, _, found = await conversations.lock_identity(tx, "telegram", "78", "78", None, now)
        assert found is not None and found.language == "vi"
        found.language = "en"
    async with app.db.transaction() as session:
        assert (await session.scalars(select(Person.language))).one() == "en"


@pytest.mark.parametrize("database_url", [DATABASES[1]], indirect=True)
async def test_postgres_connections_cut_by_the_server_are_replaced(app: App, database_url: str) -> None:
    """After a database restart every pooled connection is dead; the next transactions get new ones."""
    import asyncpg

    for key in ("before-1", "before-2"):
        async with app.db.begin() as tx:
            assert await conversations.first_delivery(tx, "telegram", key, utcnow())
    admin = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        cut = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    assert cut >= 1
    await asyncio.sleep(0.2)
    for key in ("after-1", "after-2", "after-3"):
        async with app.db.begin() as tx:
            assert await conversations.first_delivery(tx, "telegram", key, utcnow())
    async with app.db.transaction() as session:
        assert len((await session.scalars(select(ProcessedUpdate))).all()) == 5


async def test_sqlite_waits_for_another_process_write_lock_off_the_event_loop(tmp_path: Path) -> None:
    """The write lock is first tried on the loop without waiting; when another process holds it, the wait happens
    in aiosqlite's thread, so other chats' work goes on meanwhile."""
    path = tmp_path / "locked.sqlite3"
    app = App(Settings(data_dir=tmp_path, _env_file=None), database_url=f"sqlite+aiosqlite:///{path}")  # type: ignore[call-arg]
    await app.migrate()
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.6, lambda: other.execute("COMMIT")).start()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    loop = asyncio.get_running_loop()
    ticker = asyncio.create_task(tick())
    try:
        started = loop.time()
        async with app.db.transaction() as session:
            assert await conversations.first_delivery(session, "telegram", "u-2", utcnow())
            waited, ticked = loop.time() - started, ticks
    finally:
        ticker.cancel()
        other.close()
        await app.close()
    assert waited >= 0.5, "the transaction began while another process held the write lock"
    assert ticked >= 20, f"the event loop ran only {ticked} times in the {waited:.2f} s it waited for the lock"
