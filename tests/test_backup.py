"""Backups that restore: a live SQLite database copied while the bot has it open, restored into an empty file, and
every record found there with its encrypted notes readable with the same key — and not without it; the command line
does the same, and says what to do on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.config import Settings
from storage import backup, overseas
from storage.crypto import Cipher, DataKeyError, new_key
from storage.models import AuditEntry, OverseasRecord
from tests.helpers import member, seed_units
from tests.test_cli import caunoi
from tests.test_overseas import add_record


async def test_a_live_database_restores_with_its_notes(settings: Settings, tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    app = App(settings, database_url=f"sqlite+aiosqlite:///{live}")
    await app.migrate()
    try:
        await seed_units(app)
        officer = await member(app, "mai")
        await add_record(officer)
        await officer.say("xác nhận")
        copy = tmp_path / "backups" / "caunoi.sqlite3"
        copy.parent.mkdir()
        assert backup.backup(live, copy) > 0  # while the bot's own connections are open
        with pytest.raises(backup.BackupError, match="exists already"):
            backup.backup(live, copy)
    finally:
        await app.close()
    restored_file = tmp_path / "restored.sqlite3"
    backup.restore(copy, restored_file)
    with pytest.raises(backup.BackupError, match="exists already"):
        backup.restore(copy, restored_file)  # never over live data
    restored = App(settings, database_url=f"sqlite+aiosqlite:///{restored_file}")
    await restored.migrate()
    try:
        async with restored.db.transaction() as session:
            record = (await session.scalars(select(OverseasRecord))).one()
            assert record.full_name == "Nguyễn Văn An" and record.relative_phone == "+84912345678"
            assert "Quỹ Vì người nghèo" in str(overseas.notes_of(record, restored.cipher))
            with pytest.raises(DataKeyError):
                Cipher(new_key()).decrypt(record.notes_enc or "")  # another key opens nothing
            assert (await session.scalars(select(AuditEntry).where(AuditEntry.action == "overseas.created"))).first()
    finally:
        await restored.close()


def test_backup_and_restore_from_the_command_line(tmp_path: Path) -> None:
    assert caunoi(tmp_path, "units", "import-vn", "--province", "48").returncode == 0
    saved = caunoi(tmp_path, "backup", "--output", str(tmp_path / "b.sqlite3"))
    assert saved.returncode == 0 and "keep CAUNOI_DATA_KEY" in saved.stdout, saved.stderr
    restored = caunoi(tmp_path, "restore", str(tmp_path / "b.sqlite3"), "--into", str(tmp_path / "new.sqlite3"))
    assert restored.returncode == 0 and "CAUNOI_DATABASE_URL=sqlite+aiosqlite:///" in restored.stdout, restored.stderr


def test_postgresql_is_pointed_at_pg_dump() -> None:
    with pytest.raises(backup.BackupError, match="pg_dump"):
        backup.sqlite_path("postgresql+asyncpg://postgres@127.0.0.1/caunoi")
