"""The audit log's hash chain on SQLite and PostgreSQL: entries written by many transactions at once form one chain;
someone with the database's own rights who goes around the append-only triggers (alters a row, removes one) is
shown by ``caunoi audit verify``, which fails."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from bot.app import App
from storage import audit
from storage.audit import verify
from tests.test_cli import caunoi


async def _write(app: App, count: int) -> None:
    async def one(number: int) -> None:
        async with app.db.transaction() as session:
            audit.record(session, "test.event", actor_label="test", object_type="thing", object_id=number,
                         note=f"sự kiện {number}", values=[number, None, "x"])  # fmt: skip
            if number % 3 == 0:  # several entries in one transaction keep their order
                audit.record(session, "test.second", actor_label="test", object_id=number)

    await asyncio.gather(*(one(number) for number in range(count)))


async def _around_the_triggers(app: App, statement: str) -> None:
    """What someone with the database's own rights could do: switch the guards off, change the log, switch back."""
    async with app.db.transaction() as session:
        if app.db.engine.dialect.name == "postgresql":
            await session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            await session.execute(text(statement))
            await session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        else:
            await session.execute(text("DROP TRIGGER audit_log_no_update"))
            await session.execute(text("DROP TRIGGER audit_log_no_delete"))
            await session.execute(text(statement))


async def test_concurrent_writers_form_one_chain_and_tampering_shows(app: App) -> None:
    await _write(app, 30)
    async with app.db.transaction() as session:
        intact = await verify(session)
    assert intact.entries == 40 and not intact.problems and intact.head and intact.head_id == 40

    await _around_the_triggers(app, "UPDATE audit_log SET actor_label = 'someone else' WHERE id = 7")
    async with app.db.transaction() as session:
        altered = await verify(session)
    assert altered.problems == ["#7: its content does not match its hash (altered)"]


async def test_a_removed_row_breaks_the_chain(app: App) -> None:
    await _write(app, 12)
    await _around_the_triggers(app, "DELETE FROM audit_log WHERE id = 5")
    async with app.db.transaction() as session:
        found = await verify(session)
    assert found.problems == ["#6: does not follow the row before it (rows removed or inserted)"]


def test_caunoi_audit_verify_says_whether_the_chain_holds(tmp_path: Path) -> None:
    assert caunoi(tmp_path, "units", "import-vn", "--province", "48").returncode == 0  # writes audit entries
    ok = caunoi(tmp_path, "audit", "verify")
    assert ok.returncode == 0 and "0 problem(s)" in ok.stdout and "head #" in ok.stdout, ok.stderr
