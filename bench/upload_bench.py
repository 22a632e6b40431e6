"""The worst files a person can send within the upload limit: time and peak memory to read (or refuse) each, as
ratios to reading an ordinary file in the same process; and another officer's answer latency while one is being
read, against the same officer alone. SQLite, in-process, through the real pipeline (console channel).

Run:  python bench/upload_bench.py
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402

from bot import file_reading  # noqa: E402
from bot.app import App  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.engine.events import Attachment, Inbound  # noqa: E402
from handlers.plans.documents import UnreadableDocument, document_text  # noqa: E402
from handlers.register.sheet import check  # noqa: E402
from storage.crypto import new_key  # noqa: E402
from tests.helpers import Transcript, invite, seed_units  # noqa: E402
from tests.test_hostile_files import a_million_paragraphs, millions_of_empty_rows  # noqa: E402
from tests.test_plan_formats import word_plan  # noqa: E402

TODAY = date(2026, 12, 2)


def full_workbook(rows: int) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Họ và tên", "Giới tính", "Năm sinh", "Nước cư trú", "Thành phố", "Điện thoại thân nhân"])
    for number in range(rows):
        sheet.append([f"Nguyễn Văn An {number}", "Nam", 1970 + number % 40, "Hoa Kỳ", "San Jose", "0912345678"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def measured(read: Callable[[], object]) -> tuple[float, float]:
    """(seconds, peak MB of Python allocations) of one read."""
    tracemalloc.start()
    started = time.perf_counter()
    with contextlib.suppress(UnreadableDocument):  # a refusal is the answer being measured
        read()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak


def files() -> None:
    ordinary_sheet, ordinary_plan = full_workbook(50), word_plan()
    base_sheet = measured(lambda: check(ordinary_sheet, TODAY, can_encrypt=True))
    base_plan = measured(lambda: document_text("a.docx", ordinary_plan))
    cases = [
        ("workbook, 3,000,000 empty rows declared x 16,384 columns", millions_of_empty_rows(), "xlsx", base_sheet),
        ("workbook, 20,000 full rows (the largest accepted)", full_workbook(20_000), "xlsx", base_sheet),
        ("Word file, 1,000,000 paragraphs", a_million_paragraphs(), "docx", base_plan),
    ]
    print(f"baseline: 50-row workbook {base_sheet[0] * 1000:.0f} ms / {base_sheet[1]:.1f} MB; Word plan "
          f"{base_plan[0] * 1000:.0f} ms / {base_plan[1]:.1f} MB")  # fmt: skip
    for name, data, kind, (base_seconds, base_mb) in cases:
        read = (lambda data=data: check(data, TODAY, can_encrypt=True)) if kind == "xlsx" else (
            lambda data=data: document_text("a.docx", data))  # fmt: skip
        seconds, peak = measured(read)
        print(f"{name} ({len(data) / 1024:.0f} KB sent): {seconds:.2f} s ({seconds / base_seconds:.0f}x), "
              f"peak {peak:.1f} MB ({peak / max(base_mb, 0.1):.0f}x)")  # fmt: skip


async def latency(in_child: bool) -> None:
    """Officer B types while officer A's worst files are read (in a thread, or — as the bot does for a file over
    256 KB — in a child process); B's answer times against B alone."""
    file_reading.IN_CHILD_BYTES = 256 * 1024 if in_child else 10**12
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = Settings(data_dir=folder, data_key=new_key(), _env_file=None)  # type: ignore[call-arg]
        app = App(settings, database_url=f"sqlite+aiosqlite:///{folder / 'b.sqlite3'}")
        await app.migrate()
        await seed_units(app)
        sender, typist = Transcript(app, "a"), Transcript(app, "b")
        for chat in (sender, typist):
            await chat.say("xin chào")
            await chat.say(await invite(app))
            await chat.say("Cán bộ Thử")
        worst = folder / "danh sach.xlsx"
        worst.write_bytes(full_workbook(20_000))
        keys = iter(range(10**9))

        async def answer_times(rounds: int) -> list[float]:
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                await app.pipeline.handle(Inbound("console", "b", "b", f"b-{next(keys)}", text="menu"))
                times.append(time.perf_counter() - started)
                await asyncio.sleep(0.05)
            return times

        alone = await answer_times(20)

        async def upload() -> None:
            for _ in range(3):
                await app.pipeline.handle(Inbound("console", "a", "a", f"a-{next(keys)}",
                                                  attachment=Attachment(str(worst), worst.name)))  # fmt: skip

        sending = asyncio.create_task(upload())
        during = await answer_times(40)
        await sending
        await app.close()
    print(f"officer B's answer, alone: median {statistics.median(alone) * 1000:.0f} ms, max {max(alone) * 1000:.0f} "
          f"ms; while A's 20,000-row workbooks are read {'in a child process' if in_child else 'in a thread'}: median {statistics.median(during) * 1000:.0f} ms, max "
          f"{max(during) * 1000:.0f} ms ({max(during) / max(alone):.1f}x the worst alone; target ≤ 1 s)")  # fmt: skip


if __name__ == "__main__":
    files()
    asyncio.run(latency(in_child=False))
    asyncio.run(latency(in_child=True))
