"""Storage on SQLite and PostgreSQL: migrations, unit imports, scoping queries, audit, outbox ordering and leases."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, select, text, update
from sqlalchemy.exc import DBAPIError

from bot.app import App
from storage import audit, outbox
from storage.migrate import alembic_config, current_revision
from storage.models import ActivityKind, AuditEntry, Base, OutboxMessage, Unit
from storage.types import utcnow
from storage.unit_sources import csv_units, vietnam_units
from storage.units import by_code, subtree_ids, upsert_units
from tests.conftest import DATABASES


async def test_migrations_reach_head_match_the_models_and_seed_kinds(app: App) -> None:
    assert await current_revision(app.db) == ScriptDirectory.from_config(alembic_config()).get_current_head()

    def differences(connection: Connection) -> list[object]:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)

    async with app.db.engine.connect() as connection:
        assert await connection.run_sync(differences) == []  # every model change has its migration
    await app.migrate()  # idempotent
    async with app.db.transaction() as session:
        codes = (await session.scalars(select(ActivityKind.code))).all()
    assert {"tuyen_truyen", "giao_luu_huu_nghi", "bien_gioi", "kieu_bao"} <= set(codes)


async def test_vietnam_import_is_real_and_idempotent(app: App) -> None:
    async with app.db.transaction() as session:
        first = await upsert_units(session, vietnam_units("Nghệ An"))
    async with app.db.transaction() as session:
        second = await upsert_units(session, vietnam_units("nghe an"))
        province = await by_code(session, "40")
        assert province is not None and province.name.endswith("Nghệ An")
        communes = await session.scalar(select(func.count()).where(Unit.parent_id == province.id))
    assert first.created == communes + 1 and second.created == 0 and second.updated == 0
    assert communes > 100


async def test_csv_import_four_levels_any_order(app: App, tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text(
        "code,name,level,parent_code\n"
        "X-XA1,Xã Một,commune,X-H1\nX-T,Tỉnh Thử,province,\nX-H1,Huyện Một,district,X-T\nX-TH1,Thôn A,hamlet,X-XA1\n",
        encoding="utf-8",
    )
    async with app.db.transaction() as session:
        result = await upsert_units(session, csv_units(path))
        assert result.created == 4
        root = await by_code(session, "X-T")
        assert root is not None
        assert len(await subtree_ids(session, root.id)) == 4
    path.write_text("code,name,level,parent_code\nX-XA1,Xã Một Mới,commune,X-H1\n", encoding="utf-8")
    async with app.db.transaction() as session:
        result = await upsert_units(session, csv_units(path))
    assert (result.created, result.updated) == (0, 1)


def test_csv_cycles_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "cycle.csv"
    path.write_text("code,name,level,parent_code\nA,A,x,B\nB,B,x,A\n", encoding="utf-8")
    with pytest.raises(ValueError, match="cycle"):
        csv_units(path)


async def test_audit_log_is_append_only(app: App) -> None:
    async with app.db.transaction() as session:
        audit.record(session, "test.action", actor_label="test", object_type="x", object_id=1, detail="d")
    with pytest.raises(DBAPIError):
        async with app.db.transaction() as session:
            await session.execute(update(AuditEntry).values(action="tampered"))
    with pytest.raises(DBAPIError):
        async with app.db.transaction() as session:
            await session.execute(text("DELETE FROM audit_log"))
    if app.db.engine.dialect.name == "postgresql":  # row triggers do not fire for TRUNCATE: a statement trigger does
        with pytest.raises(DBAPIError):
            async with app.db.transaction() as session:
                await session.execute(text("TRUNCATE audit_log"))
    async with app.db.transaction() as session:
        assert (await session.scalars(select(AuditEntry.action))).all() == ["test.action"]


async def test_outbox_keeps_order_per_chat_and_leases_exclusively(app: App) -> None:
    now = utcnow()
    async with app.db.transaction() as session:
        for i in range(3):
            await outbox.enqueue(
                session,
                [
                    outbox.Outgoing("telegram", "1", None, {"text": f"a{i}"}),
                    outbox.Outgoing("telegram", "2", None, {"text": f"b{i}"}),
                ],
                now,
            )
    lease = timedelta(seconds=30)
    async with app.db.transaction() as session:
        mine = await outbox.claim(session, ["telegram"], "w1", now, lease, limit=10)
    async with app.db.transaction() as session:
        theirs = await outbox.claim(session, ["telegram"], "w2", now, lease, limit=10)
    assert len(mine) == 6 and theirs == []
    first_of_chat_1 = next(m for m in mine if m.chat_id == "1")
    async with app.db.transaction() as session:
        await outbox.mark_retry(session, first_of_chat_1.id, now + timedelta(seconds=60), "429")
        await outbox.release(session, [m.id for m in mine if m.id != first_of_chat_1.id])
    async with app.db.transaction() as session:
        again = await outbox.claim(session, ["telegram"], "w2", now, lease, limit=10)
    assert {m.chat_id for m in again} == {"2"}  # chat 1 waits behind its delayed first message
    async with app.db.transaction() as session:
        expired = await outbox.claim(session, ["telegram"], "w3", now + timedelta(seconds=61), lease, limit=10)
    assert [m.payload["text"] for m in expired if m.chat_id == "1"] == ["a0", "a1", "a2"]  # leases expire


@pytest.mark.parametrize("database_url", [DATABASES[1]], indirect=True)  # two claims at once: PostgreSQL's case
async def test_two_workers_claiming_at_once_never_split_a_chat(app: App) -> None:
    """Worker A's claim holds chat X's first message (its scan window ends before X's second); worker B claims
    while A's transaction is open. B skips what A locked, and must not take X's second message either: it would be
    sent beside the first, perhaps before it."""
    now = utcnow()
    async with app.db.transaction() as session:
        await outbox.enqueue(session, [outbox.Outgoing("telegram", chat, None, {"text": text}) for chat, text in
                                       [("X", "x1"), ("Y", "y1"), ("Z", "z1"), ("X", "x2"), ("W", "w1")]], now)  # fmt: skip
    lease = timedelta(seconds=30)
    async with app.db.begin() as first:
        mine = await outbox.claim(first, ["telegram"], "A", now, lease, limit=1, window=2)
        async with app.db.begin() as second:
            theirs = await asyncio.wait_for(outbox.claim(second, ["telegram"], "B", now, lease, limit=10), 5)
    assert [m.payload["text"] for m in mine] == ["x1"]
    assert sorted(m.payload["text"] for m in theirs) == ["w1", "z1"]  # not y1 (locked by A), not x2 (behind x1)
    async with app.db.begin() as later:
        rest = await outbox.claim(later, ["telegram"], "C", now, lease, limit=10)
    assert [m.payload["text"] for m in rest] == ["y1"]  # x2 waits until x1 is sent or its lease ends


async def test_outbox_keeps_every_message_of_a_large_batch_in_order(app: App) -> None:
    """Messages are inserted many rows per statement; a batch larger than one statement holds loses none, and each
    keeps its own payload, identity and priority."""
    now = utcnow()
    batch = [
        outbox.Outgoing("telegram", str(i % 7), None, {"text": f"tin nhắn {i}"}, priority=i % 2) for i in range(123)
    ]
    async with app.db.transaction() as session:
        await outbox.enqueue(session, batch, now)
    async with app.db.transaction() as session:
        stored = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert [(m.chat_id, m.payload, m.priority, m.status, m.created_at) for m in stored] == [
        (o.chat_id, o.payload, o.priority, "pending", now) for o in batch
    ]


async def test_outbox_marks_blocked_chat_unreachable(app: App) -> None:
    now = utcnow()
    async with app.db.transaction() as session:
        await outbox.enqueue(session, [outbox.Outgoing("telegram", "9", None, {"text": str(i)}) for i in range(2)], now)
    async with app.db.transaction() as session:
        await outbox.mark_unreachable(session, "telegram", "9", now, "Forbidden: bot was blocked by the user")
    async with app.db.transaction() as session:
        statuses = (await session.scalars(select(OutboxMessage.status))).all()
    assert statuses == ["unreachable", "unreachable"]


async def test_background_checkpoint_does_not_block_writers(app: App) -> None:
    async with app.db.transaction() as session:
        audit.record(session, "before.checkpoint", actor_label="test")
        await app.db.checkpoint()  # would deadlock if it needed the write lock held here
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 1


async def test_one_worker_at_a_time_holds_a_cluster_job(app: App) -> None:
    """The reminder sweep and housekeeping run once per interval across the cluster, not once per worker."""
    async with app.db.exclusive("job:reminder sweep") as first:
        if app.db.engine.dialect.name == "postgresql":
            async with app.db.exclusive("job:reminder sweep") as second, app.db.exclusive("job:other") as other:
                assert first and not second and other  # held by the first; another job is free
        else:
            assert first  # one process serves a SQLite file
    async with app.db.exclusive("job:reminder sweep") as again:
        assert again  # released after the run
