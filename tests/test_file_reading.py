"""Files read in a child process (a large one) make exactly what they make in a thread — a Word plan, a register
list — and a reader's refusal comes back whole, with its reason; through the pipeline, a list sent in the chat gets
the same report either way."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot import file_reading
from bot.app import App
from bot.file_reading import read_sent_file
from handlers.people.web_units import read_units_file
from handlers.plans.chat import ReadFile, read_file
from handlers.plans.documents import UnreadableDocument
from handlers.register.sheet_import import read_sheet
from storage.units import UnitsRefused
from tests.helpers import member, seed_units
from tests.test_overseas_sheet import MESSY, xlsx
from tests.test_plan_formats import word_plan

TODAY = date(2026, 12, 4)


@pytest.fixture
def in_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_reading, "IN_CHILD_BYTES", 0)


async def test_a_child_reads_what_a_thread_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    files = [(read_file, "ke-hoach.docx", word_plan(2027)), (read_sheet, "danh-sach.xlsx", xlsx(MESSY))]
    threads = [await read_sent_file(reader, name, data, TODAY, True) for reader, name, data in files]
    monkeypatch.setattr(file_reading, "IN_CHILD_BYTES", 0)
    children = [await read_sent_file(reader, name, data, TODAY, True) for reader, name, data in files]
    assert isinstance(threads[0], ReadFile) and threads[0].plan.sections
    assert children == threads


async def test_refusals_come_back_with_their_reason(in_child: None) -> None:
    damaged = await read_sent_file(read_file, "ke-hoach.docx", b"PK\x03\x04 not a zip", TODAY, True)
    assert isinstance(damaged, UnreadableDocument) and damaged.reason == "damaged"
    refused = await read_sent_file(read_units_file, "don-vi.csv", b"code,name,level,parent_code\nA,,x,\n", TODAY, True)
    assert isinstance(refused, UnitsRefused) and (refused.reason, refused.line) == ("required", 2)


async def test_a_list_sent_in_the_chat_is_reported_the_same(app: App, tmp_path: Path, in_child: None) -> None:
    await seed_units(app)
    chat = await member(app, "mai")
    path = tmp_path / "danh-sach.xlsx"
    path.write_bytes(xlsx(MESSY))
    reply = await chat.say(f"!file {path}")
    assert "đã đọc 8 dòng" in reply and "✅ 3 dòng nhập được" in reply and "❌ 5 dòng có lỗi" in reply
