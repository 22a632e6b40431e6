"""Backups that restore: SQLite's online backup API copies the database page by page while the bot runs (each step
holds the lock briefly), and a restore copies a backup into a new, empty database file. PostgreSQL has its own tools
(``pg_dump -Fc`` and ``pg_restore``: see the README). Notes in the backup stay encrypted: without ``CAUNOI_DATA_KEY``
they cannot be read — keep the key apart from the backups, and keep both."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

PAGES_PER_STEP = 256  # about 1 MB a step: writers wait no longer than that


class BackupError(ValueError):
    pass


def sqlite_path(database_url: str) -> Path:
    """The file behind a SQLite URL; PostgreSQL is backed up with pg_dump instead."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("caunoi backup copies SQLite databases; for PostgreSQL use pg_dump -Fc (see the README)")
    return Path(url.database)


def backup(database: Path, target: Path) -> int:
    """Copies the live database into ``target`` (which must not exist); returns its size in bytes."""
    if not database.exists():
        raise BackupError(f"there is no database at {database}")
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        with copy:
            source.backup(copy, pages=PAGES_PER_STEP)
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("the copy failed its integrity check")
    finally:
        copy.close()
        source.close()
    target.chmod(0o600)
    return target.stat().st_size


def restore(backup_file: Path, database: Path) -> None:
    """Copies a backup into ``database``, which must not exist yet (a restore never overwrites live data)."""
    if not backup_file.exists():
        raise BackupError(f"there is no backup at {backup_file}")
    if database.exists() and database.stat().st_size > 0:
        raise BackupError(f"{database} exists already: restore into a new file, then point CAUNOI_DATABASE_URL at it")
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{backup_file} is damaged (integrity check failed)")
        database.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(database)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    database.chmod(0o600)
