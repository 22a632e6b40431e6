"""Personal data under Law 91/2025/QH15 and Decree 356/2025/NĐ-CP, on SQLite and PostgreSQL: the notice when a person
joins and on /quyenriengtu; a person's request with its legal deadlines, the admins told; everything held about a
record or a person exported as a file (audited); a bulk export of the register told to the admins; and no search
words (often a name) kept in the audit log."""

from __future__ import annotations

import argparse
import json
import stat
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.app import App
from handlers.people import privacy as privacy_chat
from handlers.register.exports import register_rows
from storage.models import AuditEntry, PrivacyRequest
from storage.people import Role
from storage.privacy import working_days_after
from storage.types import VIETNAM
from tests.helpers import DA_NANG, member, seed_units
from tests.test_overseas import add_record

LAW = "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15"


def test_working_days_skip_the_weekend() -> None:
    assert working_days_after(date(2026, 12, 2), 2) == date(2026, 12, 4)  # Wednesday → Friday
    assert working_days_after(date(2026, 12, 4), 2) == date(2026, 12, 8)  # Friday → Tuesday
    assert working_days_after(date(2026, 12, 31), 2) == date(2027, 1, 4)  # across the year, over a weekend


async def test_notice_request_and_export(app: App, tmp_path: Path) -> None:
    await seed_units(app)
    admin = await member(app, "admin", unit_code=DA_NANG, role=Role.ADMIN, name="Quản Trị")
    joining = admin.out[:]
    assert any("Luật 91/2025/QH15" in text and "/quyenriengtu" in text for text in joining)  # the notice's first layer
    officer = await member(app, "mai")
    assert LAW in await officer.say("/quyenriengtu") and "hai ngày làm việc" in await officer.say("/quyenriengtu")
    asked = await officer.say("/quyenriengtu yeucau Tôi muốn xem toàn bộ dữ liệu về mình")
    today = app.clock().astimezone(VIETNAM).date()  # the tests' pinned instant, whichever it is
    answer_by, done_by = working_days_after(today, 2), today + timedelta(days=15)
    assert "Đã ghi nhận yêu cầu #1" in asked and f"{answer_by.day}/{answer_by.month}/{answer_by.year}" in asked
    assert f"{done_by.day}/{done_by.month}/{done_by.year}" in asked
    assert "Yêu cầu về dữ liệu cá nhân (#1) của Đỗ Thị Mai" in admin.out[-1]
    async with app.db.transaction() as session:
        request = (await session.scalars(select(PrivacyRequest))).one()
    assert (request.subject_type, request.kind, request.respond_by) == ("person", "other", answer_by)

    assert "Vui lòng kiểm tra" in await add_record(officer)
    await officer.say("xác nhận")
    await officer.say("/kieubao 1")  # opened: audited
    await officer.say("/kieubao tim nguyen van an")
    async with app.db.transaction() as session:
        searched = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "overseas.searched"))).one()
    assert "nguyen" not in json.dumps(searched.details) and searched.details["words"] == 3

    output = tmp_path / "record.json"
    await privacy_chat.export(app, argparse.Namespace(record=1, person=None, output=output))
    held = json.loads(output.read_text(encoding="utf-8"))
    assert held["record"]["full_name"] == "Nguyễn Văn An" and held["record"]["relative_phone"] == "+84912345678"
    assert "Quỹ Vì người nghèo" in json.dumps(held["notes"], ensure_ascii=False)  # decrypted for the subject
    assert {line["action"] for line in held["audit"]} >= {"overseas.created", "overseas.viewed"}
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    person_file = tmp_path / "person.json"
    await privacy_chat.export(app, argparse.Namespace(record=None, person=2, output=person_file))
    person = json.loads(person_file.read_text(encoding="utf-8"))
    assert person["person"]["full_name"] == "Đỗ Thị Mai" and person["messengers"][0]["channel"] == "console"
    async with app.db.transaction() as session:
        exported = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.exported"))).all()
    assert [(e.object_type, e.object_id) for e in exported] == [("record", "1"), ("person", "2")]

    rows = await register_rows(app.db, app.cipher, "48", actor_label="cli:test")
    await app.worker.drain()
    assert len(rows) == 1 and "Danh sách kiều bào vừa được xuất: 1 hồ sơ của đơn vị 48" in admin.out[-1]
