"""A commune's list of more than a thousand overseas Vietnamese, confirmed in the chat, is imported as a
background job in batches: nothing in the confirming update, one progress message, and — with a batch failing once
mid-way — every row imported exactly once after the retry, audited once, and the officer told once."""

from __future__ import annotations

from itertools import product
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App
from handlers.register import sheet_import
from storage import overseas
from storage.models import AuditEntry, BackgroundJob, OverseasImport, OverseasRecord
from tests.helpers import member, seed_units
from tests.test_overseas_sheet import xlsx

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Ngọc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiền", "Hòa", "Hùng", "Hương", "Khang", "Lan",
         "Linh", "Long", "Mai", "Nam", "Nga", "Nhung", "Phong", "Phúc", "Quang", "Sơn", "Tâm", "Thảo", "Thủy", "Trang",
         "Tuấn", "Yến"]  # fmt: skip


async def test_a_large_list_is_imported_in_batches_once_after_a_failure(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_units(app)
    chat = await member(app, "mai")
    names = [" ".join(parts) for parts in product(SURNAMES, MIDDLE, GIVEN)][:1250]
    path = tmp_path / "danh-sach-lon.xlsx"
    path.write_bytes(xlsx([["Họ tên", "Năm sinh", "Nước cư trú"], *([name, 1960 + i % 40, "Nhật"]
                                                                   for i, name in enumerate(names))]))  # fmt: skip
    assert "1. Nhập 1250 hồ sơ" in await chat.say(f"!file {path}")
    real, calls = overseas.create_many, []

    async def second_batch_fails_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(kwargs["rows"]))
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return await real(*args, **kwargs)

    async def count() -> int:
        async with app.db.transaction() as session:
            return await session.scalar(select(func.count()).select_from(OverseasRecord)) or 0

    monkeypatch.setattr(overseas, "create_many", second_batch_fails_once)
    answer = await chat.say("1")  # the console, like every worker, then runs the job it queued
    assert "Đang nhập danh sách… 0 %" in answer
    assert calls == [500, 500, 500, 250]  # the first batch stayed; the failed one was done again, then the rest
    assert await count() == 1250
    async with app.db.transaction() as session:
        keys = (await session.scalars(select(OverseasRecord.name_key))).all()
        assert len(set(keys)) == 1250  # no row twice
        staged = await session.scalar(select(OverseasImport))
        assert staged is not None and (staged.status, staged.rows, staged.imported_rows, staged.added) == (
            "imported", [], 1250, 1250)  # fmt: skip
        audits = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "overseas.imported"))).all()
        assert [entry.details["rows"] for entry in audits] == [1250]
        job = await session.scalar(select(BackgroundJob))
        assert job is not None and job.status == "done" and job.attempts == 2
    await app.worker.drain()
    told = "\n".join(chat.out)
    assert told.count("Đã nhập 1250 hồ sơ") == 1 and "Đã nhập xong danh sách" in told
    assert "không còn chờ" in await chat.say(f"/kieubao nhapxn {staged.id}")  # confirmed once only


async def test_a_small_list_is_still_imported_in_the_update(app: App, tmp_path: Path) -> None:
    await seed_units(app)
    chat = await member(app, "mai")
    path = tmp_path / "nho.xlsx"
    path.write_bytes(xlsx([["Họ tên", "Năm sinh", "Nước cư trú"], ["Lê Văn Tám", 1970, "Pháp"]]))
    await chat.say(f"!file {path}")
    assert "Đã nhập 1 hồ sơ" in await chat.say("1")
    assert sheet_import.IN_UPDATE >= 1
