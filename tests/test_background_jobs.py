"""Background jobs: a province's workbook is made outside the asking update, shown as one progress message that is
edited, and delivered once — when its worker is killed mid-way and restarted, when a slow worker loses its lease to
another, and when the job keeps failing (the person is told, politely, after the last attempt)."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, insert, select

from bot.app import App
from bot.background import MAX_ATTEMPTS, JobContext, JobKind, JobRunner
from bot.engine.replies import Document, Reply
from bot.pacing import Pace
from storage import cluster_runs, jobs, outbox
from storage.models import ActivityReport, AuditEntry, BackgroundJob, ChannelIdentity, OutboxMessage, Person
from storage.people import Role
from storage.units import by_code, subtree_ids
from tests.fake_telegram import FakeTelegram
from tests.helpers import DA_NANG, BotProcess, eventually, invite, member, seed_units
from tests.test_telegram_e2e import bot_env

BOSS = 778001


async def many_activities(app: App, count: int) -> str:
    """``count`` activities in the communes of Đà Nẵng, all on today's date (the test clock's); returns the month."""
    today = app.clock().date()
    async with app.db.transaction() as session:
        root = await by_code(session, DA_NANG)
        assert root is not None
        inside = sorted(await subtree_ids(session, root.id))
        person = Person(full_name="Cán bộ", role="officer", unit_id=inside[-1], language="vi")
        session.add(person)
        await session.flush()
        for start in range(0, count, 5000):
            await session.execute(insert(ActivityReport), [
                {"draft_key": f"k{i}", "unit_id": inside[i % len(inside)], "reporter_id": person.id,
                 "kind_code": "tuyen_truyen", "activity_date": today, "title": f"Tuyên truyền biển đảo {i}",
                 "place": "Nhà văn hóa", "participants": 30 + i % 50, "form_name": "activity", "form_version": 1,
                 "created_at": app.clock()}
                for i in range(start, min(count, start + 5000))
            ])  # fmt: skip
    return f"{today:%Y-%m}"


async def job_row(app: App) -> BackgroundJob | None:
    async with app.db.transaction() as session:
        return await session.scalar(select(BackgroundJob).order_by(BackgroundJob.id.desc()).limit(1))


@pytest.mark.process
async def test_a_workbook_job_killed_mid_way_is_made_once_after_restart(
    app: App, telegram: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    """The real `caunoi run` against the fake Bot API: the supervisor asks for the city's workbook (60,000 rows),
    sees one progress message; the process is SIGKILLed while the job runs, restarted, and makes the job again —
    the file arrives once, the same progress message is edited to "ready", and the export is audited once. While
    the restarted worker makes it, the supervisor's /tiendo is answered before the file is out."""
    await seed_units(app)
    code = await invite(app, DA_NANG, Role.SUPERVISOR)
    month = await many_activities(app, 60_000)
    bot = BotProcess(bot_env(telegram, database_url, tmp_path, CAUNOI_JOB_LEASE_SECONDS="3"), tmp_path)
    await bot.start()
    try:
        telegram.user(BOSS, "Tỉnh")
        await telegram.send_text(BOSS, f"/start {code}")
        await telegram.wait_for(BOSS, "Họ và tên")
        await telegram.send_text(BOSS, "Trần Văn Tỉnh")
        await telegram.wait_for(BOSS, "Cảm ơn")
        await telegram.send_text(BOSS, f"/tonghop {DA_NANG} {month} xlsx")
        progress = await telegram.wait_for(BOSS, "Đang tạo tệp… 0 %")

        async def running() -> BackgroundJob | None:
            job = await job_row(app)
            return job if job is not None and job.status == "running" and job.progress >= 20 else None

        await eventually(running, "the job a fifth made", timeout=120)
        bot.kill()
        await bot.process.wait()  # type: ignore[union-attr]
        await bot.start()

        async def again() -> BackgroundJob | None:
            job = await job_row(app)
            return job if job is not None and job.attempts == 2 and job.status == "running" else None

        await eventually(again, "the job taken up again after the restart", timeout=60)
        mark = len(telegram.messages_to(BOSS))
        await telegram.send_text(BOSS, "/tiendo")  # answered while the file is being made, not after it
        answer = await telegram.wait_for(BOSS, "phải nộp", after=mark)

        def documents() -> list[Any]:
            return [m for m in telegram.messages_to(BOSS) if m.method == "sendDocument"]

        await telegram.wait_until(lambda: bool(documents()), timeout=180)
        await telegram.wait_until(lambda: "xong" in progress.text, timeout=30)
        await asyncio.sleep(2)  # anything sent twice would be out by now
    finally:
        await bot.stop()
    (document,) = documents()
    sent = telegram.messages_to(BOSS)
    assert sent.index(answer) < sent.index(document)
    assert progress.edits >= 1 and progress.text == "Đã tạo xong tệp."
    shown = [m for m in telegram.messages_to(BOSS) if "Đang tạo tệp" in m.text or "tạo xong" in m.text]
    assert shown == [progress]  # one message, edited as the job went on and again by the restarted worker
    assert document.upload is not None
    listing = list(load_workbook(io.BytesIO(document.upload), read_only=True)["Hoạt động"].iter_rows(values_only=True))
    assert len(listing) == 1 + 60_000
    job = await job_row(app)
    assert job is not None and job.status == "done" and job.attempts == 2
    async with app.db.transaction() as session:
        audited = await session.scalar(select(func.count()).where(AuditEntry.action == "export.summary"))
    assert audited == 1


class Clock:
    def __init__(self, app: App) -> None:
        self.now = app.clock()

    def __call__(self) -> Any:
        return self.now


async def queued_job(app: App, kind: str) -> tuple[BackgroundJob, Person]:
    chat = await member(app, "tinh", unit_code=DA_NANG, role=Role.SUPERVISOR, name="Trần Văn Tỉnh")
    assert chat is not None
    async with app.db.transaction() as session:
        person = await session.scalar(select(Person).where(Person.full_name == "Trần Văn Tỉnh"))
        identity = await session.scalar(select(ChannelIdentity).where(ChannelIdentity.person_id == person.id))
        assert person is not None and identity is not None
        job = await jobs.add(session, kind, {}, person.id, identity, "vi", app.clock())
    return job, person


def files_in_outbox(rows: list[OutboxMessage]) -> list[str]:
    return [row.payload["document"]["filename"] for row in rows if row.payload.get("document")]


async def outbox_rows(app: App) -> list[OutboxMessage]:
    async with app.db.transaction() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def test_a_worker_that_lost_its_lease_cannot_finish_the_job(app: App) -> None:
    """Worker A is slow past its lease; B claims the job and makes it; A's files are never queued."""
    await seed_units(app)
    release = asyncio.Event()
    calls: list[str] = []

    async def make(job: JobContext) -> list[Reply]:
        calls.append(job.job.claimed_by or "")
        if len(calls) == 1:
            await release.wait()  # A: stuck until B has finished
        job.audit("export.test", object_type="unit", object_id=DA_NANG)
        return [Reply(text="", document=Document("bang.xlsx", "UEsDBA==", "Bảng"))]

    app.registry.job_kinds["test.slow"] = JobKind("test.slow", make)
    job, _ = await queued_job(app, "test.slow")
    clock = Clock(app)
    first = JobRunner(app, lease=timedelta(seconds=60))
    second = JobRunner(app, lease=timedelta(seconds=60))
    app.clock = clock  # type: ignore[method-assign]
    async with app.db.transaction() as session:
        claimed = await jobs.claim(session, first.worker_id, clock(), first.lease)
    assert claimed is not None and claimed.id == job.id
    slow = asyncio.create_task(first._run(claimed))
    await asyncio.sleep(0.2)
    clock.now += timedelta(seconds=61)  # A's lease has run out
    assert await second.drain() == 1
    release.set()
    assert await slow is False
    assert files_in_outbox(await outbox_rows(app)) == ["bang.xlsx"]
    done = await job_row(app)
    assert done is not None and done.status == "done" and done.attempts == 2 and done.claimed_by == second.worker_id
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).where(AuditEntry.action == "export.test")) == 1


async def test_a_job_that_keeps_failing_is_given_up_and_the_person_told(app: App) -> None:
    await seed_units(app)

    async def broken(job: JobContext) -> list[Reply]:
        raise RuntimeError("a bug")

    app.registry.job_kinds["test.broken"] = JobKind("test.broken", broken)
    job, _ = await queued_job(app, "test.broken")
    assert await app.jobs.drain() == MAX_ATTEMPTS  # queued again after each failure, then given up
    row = await job_row(app)
    assert row is not None and row.id == job.id and row.status == "failed" and row.last_error == "RuntimeError"
    texts = [row.payload.get("text", "") for row in await outbox_rows(app)]
    assert sum("không tạo được tệp" in text for text in texts) == 1
    assert not any("a bug" in text or "Traceback" in text for text in texts)


async def test_a_person_who_lost_the_unit_gets_no_file(app: App) -> None:
    """The scope is checked again when the job runs: a supervisor demoted in between gets no workbook."""
    await seed_units(app)
    boss = await member(app, "tinh", unit_code=DA_NANG, role=Role.SUPERVISOR, name="Trần Văn Tỉnh")
    month = f"{app.clock().date():%Y-%m}"
    await boss.chat.app.pipeline.handle(boss.chat.inbound(f"/tonghop {DA_NANG} {month} xlsx"))
    async with app.db.transaction() as session:
        person = await session.scalar(select(Person).where(Person.full_name == "Trần Văn Tỉnh"))
        assert person is not None
        person.role = "officer"
    await app.jobs.drain()
    assert files_in_outbox(await outbox_rows(app)) == []
    row = await job_row(app)
    assert row is not None and row.status == "failed"


class NoEdits:
    """A channel that cannot change a sent message (Zalo's kind)."""

    channel = "console"
    pace = Pace(10_000, 10_000, 10_000)

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        self.sent.append(reply.text)
        return None


async def test_progress_is_one_message_where_messages_cannot_be_edited(app: App) -> None:
    await seed_units(app)
    job, _ = await queued_job(app, "summary.files")
    sender = NoEdits()
    app.add_sender(sender)
    async with app.db.transaction() as session:
        identity = await session.get(ChannelIdentity, job.identity_id)
        assert identity is not None
        await outbox.enqueue(session, [
            outbox.Outgoing(identity.channel, identity.chat_id, identity.id,
                            Reply(text=f"… {percent} %", progress=job.id).to_json())
            for percent in (0, 40, 80)
        ], app.clock())  # fmt: skip
    await app.worker.drain()
    assert sender.sent == ["… 0 %"]
    assert (await job_row(app)).progress_ref == jobs.NO_EDITS  # type: ignore[union-attr]
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).where(OutboxMessage.status == "pending")) == 0


async def test_periodic_work_runs_once_per_interval_across_workers(app: App) -> None:
    """Three workers whose timers fire at different moments: the sweep runs once per interval, not once each."""
    start = app.clock()
    turns = []
    for offset in (0, 10, 25, 50, 61, 70, 110, 125):  # seconds after the first worker's run; interval 60 s
        async with app.db.transaction() as session:
            turns.append(await cluster_runs.take_turn(session, "reminder sweep", 60, start + timedelta(seconds=offset)))
    assert turns == [True, False, False, False, True, False, False, True]


async def test_a_worker_that_stops_gives_its_job_back_at_once(app: App) -> None:
    """A graceful stop (a deploy) queues the running job again without waiting for its lease, and the attempt does
    not count against the job; the next worker makes it."""
    await seed_units(app)
    started = asyncio.Event()

    async def slow(job: JobContext) -> list[Reply]:
        if not started.is_set():  # the first worker: busy until it stops
            started.set()
            await asyncio.Event().wait()
        return [Reply(text="", document=Document("bang.xlsx", "UEsDBA==", "Bảng"))]

    app.registry.job_kinds["test.stopped"] = JobKind("test.stopped", slow)
    await queued_job(app, "test.stopped")
    stop = asyncio.Event()
    worker = asyncio.create_task(JobRunner(app).run(stop))
    await asyncio.wait_for(started.wait(), 10)
    stop.set()
    await asyncio.wait_for(worker, 10)
    row = await job_row(app)
    assert row is not None and row.status == "queued" and row.claimed_by is None and row.attempts == 0
    assert await asyncio.wait_for(JobRunner(app).drain(), 30) == 1
    row = await job_row(app)
    assert row is not None and row.status == "done" and row.attempts == 1
    assert files_in_outbox(await outbox_rows(app)) == ["bang.xlsx"]
