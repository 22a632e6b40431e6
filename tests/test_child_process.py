"""Work made in a child process: its result and its progress come back; its failure comes back as a type and a
place, never its text; it ends when its parent stops waiting or is killed; and a province-sized workbook made so is
the workbook made in threads, while the event loop stays free."""

from __future__ import annotations

import asyncio
import base64
import io
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import App
from bot.child_process import ChildFailed, Report, run_in_child
from handlers.reports import summary
from handlers.reports.summary import SUMMARY_FILES
from storage import jobs
from storage.models import ChannelIdentity, OutboxMessage, Person
from storage.people import Role
from tests.helpers import DA_NANG, member, seed_units
from tests.test_background_jobs import many_activities

ROOT = Path(__file__).resolve().parents[1]


def counting(report: Report, steps: int) -> list[int]:
    for step in range(1, steps + 1):
        time.sleep(0.3)
        report(step / steps)
    return list(range(steps))


def failing(report: Report, secret: str) -> None:
    raise ValueError(f"the person's name is {secret}")


def waiting(report: Report, pid_file: str) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(120)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waiting for its parent's wait() has ended too
        return stat.read().split(")")[-1].split()[0] == "Z"


async def until(check: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_the_result_and_the_progress_come_back() -> None:
    seen: list[float] = []

    async def progress(fraction: float) -> None:
        seen.append(fraction)

    assert await run_in_child(counting, 6, progress=progress) == [0, 1, 2, 3, 4, 5]
    assert seen == sorted(seen) and len(seen) >= 2 and seen[-1] <= 1.0


async def test_a_failure_comes_back_as_its_type_and_place_not_its_text() -> None:
    with pytest.raises(ChildFailed) as failure:
        await run_in_child(failing, "Nguyễn Văn An")
    assert str(failure.value).startswith("ValueError at test_child_process.py:")
    assert "Nguyễn" not in str(failure.value)


async def test_the_child_ends_when_its_parent_stops_waiting(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    task = asyncio.create_task(run_in_child(waiting, str(pid_file)))
    await until(pid_file.exists)
    pid = int(pid_file.read_text())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await until(lambda: gone(pid))


@pytest.mark.process
async def test_the_child_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = ("import asyncio, sys; from bot.child_process import run_in_child; "
              "from tests.test_child_process import waiting; asyncio.run(run_in_child(waiting, sys.argv[1]))")  # fmt: skip
    parent = await asyncio.create_subprocess_exec(sys.executable, "-c", script, str(pid_file), cwd=ROOT)
    try:
        await until(pid_file.exists)
        pid = int(pid_file.read_text())
        parent.send_signal(signal.SIGKILL)
        await asyncio.wait_for(parent.wait(), 10)
        await until(lambda: gone(pid))
    finally:
        if parent.returncode is None:
            parent.kill()
            await parent.wait()


def sheets(upload: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(io.BytesIO(upload), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


async def test_a_large_workbook_made_in_a_child_is_the_one_made_in_threads(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_units(app)
    await member(app, "tinh", unit_code=DA_NANG, role=Role.SUPERVISOR, name="Trần Văn Tỉnh")
    month = await many_activities(app, 300)
    made: dict[str, dict[str, list[tuple[Any, ...]]]] = {}
    children: list[Any] = []

    async def counted(*args: Any, **kwargs: Any) -> Any:
        children.append(args[0])
        return await run_in_child(*args, **kwargs)

    monkeypatch.setattr(summary, "run_in_child", counted)
    for way, limit in (("child", 299), ("threads", 300)):
        monkeypatch.setattr(summary, "IN_CHILD", limit)
        async with app.db.transaction() as session:
            person = await session.scalar(select(Person).where(Person.full_name == "Trần Văn Tỉnh"))
            identity = await session.scalar(select(ChannelIdentity).where(ChannelIdentity.person_id == person.id))
            assert person is not None and identity is not None
            await jobs.add(session, SUMMARY_FILES, {"unit": DA_NANG, "period": month, "format": "xlsx"}, person.id,
                           identity, "vi", app.clock())  # fmt: skip
        assert await app.jobs.drain() == 1
        async with app.db.transaction() as session:
            rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()))).all()
            (document,) = [row.payload["document"] for row in rows if row.payload.get("document")][:1]
        made[way] = sheets(base64.b64decode(document["content_b64"]))
    assert children == [summary.files_in_child]  # the first made in a child, the second not
    assert made["child"] == made["threads"]
    assert len(made["child"]["Hoạt động"]) == 1 + 300
