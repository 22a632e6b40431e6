"""Behind PgBouncer in transaction mode (Debian's `pgbouncer`, started here on a port of its own): every
transaction may run on another server connection, and two clients share one. With ``CAUNOI_PGBOUNCER=true`` the bot
keeps no statement prepared across transactions, and its cluster locks hold there too."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.config import Settings
from storage import outbox
from storage.models import OutboxMessage
from storage.types import utcnow
from tests import postgres
from tests.conftest import POSTGRES_OK
from tests.helpers import free_port, member, seed_units

PGBOUNCER = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_OK, reason="PostgreSQL not reachable (never skipped on CI)"),
    pytest.mark.skipif(PGBOUNCER is None, reason="Debian's pgbouncer is not installed (.ci/run installs it)"),
]


@pytest.fixture
def bouncer() -> Iterator[int]:
    """PgBouncer in transaction mode in front of the test server, with two server connections per database (so
    that the app's five pooled connections share them); its port. Its files are in a folder of their own that the
    ``postgres`` user can reach (PgBouncer refuses to run as root)."""
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="caunoi-pgbouncer-"))
    (folder / "users.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(f"""[databases]
* = host=127.0.0.1 port=5432
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "users.txt"}
pool_mode = transaction
default_pool_size = 2
max_client_conn = 100
logfile = {folder / "pgbouncer.log"}
pidfile = {folder / "pgbouncer.pid"}
""")
    folder.chmod(0o755)
    for file in folder.iterdir():
        file.chmod(0o644)
    command = [PGBOUNCER or "pgbouncer", str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        command[1:1] = ["-u", "postgres"]
        shutil.chown(folder, "postgres")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
async def bounced(bouncer: int, postgres_run_url: str, settings: Settings) -> AsyncIterator[App]:
    await postgres.empty(postgres_run_url)
    head, _, tail = postgres_run_url.partition("@127.0.0.1:5432/")
    url = f"{head}@127.0.0.1:{bouncer}/{tail}"
    await _wait_until_listening(bouncer)
    settings.pgbouncer = True
    settings.database_pool_size = 5
    application = App(settings, database_url=url)
    await application.migrate()
    yield application
    await application.close()


async def _wait_until_listening(port: int) -> None:
    for _ in range(100):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError(f"pgbouncer did not listen on {port}")


async def test_conversations_outbox_and_cluster_locks_behind_pgbouncer(bounced: App) -> None:
    app = bounced
    await seed_units(app)

    async def one_officer(n: int) -> str:
        chat = await member(app, f"u{n}", name="Đỗ Thị Mai")
        await chat.say("/baocao")
        await chat.say("1")
        await chat.say("hôm qua")
        return await chat.say("Tuyên truyền biển đảo")

    for n in range(3):
        assert "ở đâu" in await one_officer(n)
    now = utcnow()

    async def enqueue(n: int) -> None:
        for _ in range(5):  # the same statements again, on whichever server connection PgBouncer gives
            async with app.db.begin() as tx:
                await outbox.enqueue(tx, [outbox.Outgoing("console", f"c{n}", None, {"text": str(n)})], now)
                await tx.session.scalar(select(func.count()).select_from(OutboxMessage))

    await asyncio.gather(*(enqueue(n) for n in range(40)))  # forty transactions at once on two server connections
    async with app.db.begin() as tx:
        claimed = await outbox.claim(tx, ["console"], "w1", now, timedelta(seconds=30), limit=500)
    assert len(claimed) == 200
    async with app.db.exclusive("job:reminder sweep") as first, app.db.exclusive("job:reminder sweep") as second:
        assert first and not second
    async with app.db.exclusive("job:reminder sweep") as again:
        assert again
