"""Periodic reports through the console, on SQLite and PostgreSQL: pre-filled figures equal to what was logged,
late marking, periods that have not started, the supervisor's review (return, resubmit, approve) with its history,
progress for supervisors, the officer's to-do list, and schedules edited in chat."""

from __future__ import annotations

from datetime import UTC, date

from sqlalchemy import func, select, update

from bot.config import Settings
from storage import schedules
from storage.models import ActivityReport, OverseasRecord, PeriodicReport, PeriodicReportEvent, ReportSchedule, Unit
from storage.people import Role
from tests.helpers import DA_NANG, HAI_VAN, activity_lines, member
from tests.test_conversations import REPORT
from tests.test_overseas import RECORD, add_record
from tests.test_reminders import season


async def test_file_review_return_resubmit_approve(settings: Settings, database_url: str) -> None:
    app, clock, _schedule = await season(settings, database_url)
    try:
        clock.set(date(2026, 6, 5), 9)
        officer = await member(app, "mai")
        for line in REPORT:
            await officer.say(line)
        await officer.say("xác nhận")
        for line in [
            *activity_lines(
                "giao luu huu nghi",
                "hôm qua",
                "Giao lưu với Hủa Phăn",
                "Hội An",
                "120",
                country="Lào",
                org="Hủa Phăn",
                foreign="30",
                money="15 triệu",
            ),
            "xác nhận",
        ]:
            await officer.say(line)
        await add_record(officer, RECORD)
        await officer.say("xác nhận")
        assert "còn 5 ngày" in await officer.say("/nhacviec")
        listed = await officer.say("/baocaoky")
        assert "Báo cáo 6 tháng công tác đối ngoại nhân dân: anh/chị muốn nộp kỳ nào?" in listed
        assert "1. 6 tháng đầu năm 2026 (hạn 10/6/2026)" in listed
        opened = await officer.say("1")
        assert (
            "Giao lưu hữu nghị, kết nghĩa: 1" in opened
            and "Tuyên truyền, quán triệt, phổ biến chủ trương, chính sách: 1" in opened
        )
        assert "Kết quả chủ yếu trong kỳ" in opened  # the figures are filled: the first question is the narrative
        await officer.say("Tổ chức 2 hoạt động, tiếp nhận 15 triệu đồng")
        await officer.say("bỏ qua")
        review = await officer.say("bỏ qua")
        async with app.db.transaction() as session:  # independent arithmetic over the raw rows
            reports = (await session.scalars(select(ActivityReport))).all()
            people = sum(report.participants for report in reports)
            added = await session.scalar(select(func.count()).select_from(OverseasRecord))
        assert f"• Số hoạt động: {len(reports)}" in review and f"• Số người tham gia: {people}" in review
        assert (
            "• Tiền, hàng vận động được: 15.000.000 đồng" in review
            and f"Số kiều bào thêm vào danh sách: {added}" in review
        )
        await officer.say("sửa 2")
        await officer.say("165")
        assert "Đã nộp: Báo cáo 6 tháng" in await officer.say("xác nhận")
        assert "Không có báo cáo nào đang chờ" in await officer.say("/baocaoky")
        assert "✅" in await officer.say("/nhacviec")

        outsider = await member(app, "khac", unit_code=HAI_VAN, role=Role.SUPERVISOR, name="Lê Khác")
        assert "Không có báo cáo #1" in await outsider.say("/duyet 1")
        assert "không dùng được cho vai trò" in (await officer.say("/tiendo")).lower() or \
            "không dành cho vai trò" in (await officer.say("/tiendo")).lower()  # fmt: skip

        boss = await member(app, "tinh", unit_code=DA_NANG, role=Role.SUPERVISOR, name="Trần Văn Tỉnh")
        assert "1/94 đã nộp, 1 đúng hạn" in await boss.say("/tiendo")
        details = await boss.say("1")
        assert "chờ duyệt 1" in details and "Phường Hải Vân" in details
        shown = await boss.say("duyệt: phường tam kỳ")
        assert "Tổ chức 2 hoạt động" in shown and "người tham gia: 165" in shown
        await boss.say("trả lại")
        await boss.say("Bổ sung số liệu kiều bào về quê ăn Tết")
        await boss.say("xác nhận")
        told = officer.out[-1]
        assert "bị trả lại: “Bổ sung số liệu kiều bào về quê ăn Tết”" in told

        assert "↩️" in await officer.say("/baocaoky")
        reopened = await officer.say("1")
        assert "Bổ sung số liệu kiều bào" in reopened and "Vui lòng kiểm tra" in reopened
        await officer.say("sửa 7")
        await officer.say("Tổ chức 2 hoạt động; 12 kiều bào về quê ăn Tết")
        assert "Đã nộp" in await officer.say("xác nhận")
        assert "đã sửa và nộp lại" in boss.out[-1]
        assert "Không có báo cáo nào đang chờ duyệt" in await outsider.say("/duyet")  # not in Hải Vân's subtree
        queue = await boss.say("/duyet")  # the queue, with no id to remember
        assert "Báo cáo đang chờ duyệt" in queue and "1. Phường Tam Kỳ — Báo cáo 6 tháng" in queue
        assert "Đã duyệt" in await boss.say("/duyet 1 ok")
        assert "đã được duyệt" in officer.out[-1]
        async with app.db.transaction() as session:
            report = (await session.scalars(select(PeriodicReport))).one()
            assert report.status == "approved" and not report.late and "12 kiều bào" in (report.results or "")
            events = (await session.scalars(select(PeriodicReportEvent).order_by(PeriodicReportEvent.id))).all()
        assert [(e.action, e.actor_label) for e in events] == [
            ("submitted", "Đỗ Thị Mai"), ("returned", "Trần Văn Tỉnh"), ("resubmitted", "Đỗ Thị Mai"),
            ("approved", "Trần Văn Tỉnh")]  # fmt: skip
    finally:
        await app.close()


async def test_late_filing_and_periods_not_started(settings: Settings, database_url: str) -> None:
    app, clock, schedule = await season(settings, database_url)
    try:
        clock.set(date(2026, 6, 15), 9)
        officer = await member(app, "van", unit_code=HAI_VAN, name="Phan Văn Vân")
        assert "quá hạn 5 ngày" in await officer.say("/nhacviec")
        assert "chưa bắt đầu" in await officer.say(f"/baocaoky {schedule.id} 2027-H1")
        assert "không phải nộp" in await officer.say(f"/baocaoky {schedule.id} 2026-H2")  # first half only
        assert "không phải nộp" in await officer.say("/baocaoky 999 2026-H1")
        opened = await officer.say(f"/baocaoky {schedule.id} 2026-H1")
        assert "chưa có hoạt động nào" in opened
        await officer.say("Chưa tổ chức được hoạt động")
        await officer.say("bỏ qua")
        await officer.say("bỏ qua")
        assert "nộp muộn" in await officer.say("xác nhận")
        async with app.db.transaction() as session:
            report = (await session.scalars(select(PeriodicReport))).one()
            assert report.late and report.figures["activities"] == 0 and report.deadline == date(2026, 6, 10)
    finally:
        await app.close()


async def test_admin_edits_schedules_in_chat(settings: Settings, database_url: str) -> None:
    app, _clock, _schedule = await season(settings, database_url)
    try:
        admin = await member(app, "admin", unit_code=DA_NANG, role=Role.ADMIN, name="Quản Trị")
        listed = await admin.say("/lichbaocao")
        assert (
            "Báo cáo 6 tháng công tác đối ngoại nhân dân: 6 tháng (chỉ kỳ 1)" in listed and "trước ngày 10/6" in listed
        )
        await admin.say("thêm lịch báo cáo")
        await admin.say("Báo cáo năm công tác đối ngoại nhân dân")
        await admin.say("hằng năm")
        await admin.say("bỏ qua")
        await admin.say("commune")
        assert "Vui lòng gõ ngày và tháng" in await admin.say("ngày mai")
        await admin.say("10/11")
        assert "số ngày từ 0 đến 60" in await admin.say("100")
        await admin.say("14, 7, 1")
        review = await admin.say("bỏ qua")
        assert "Hạn nộp: 10/11" in review
        saved = await admin.say("xác nhận")
        assert (
            "Đã lưu: Báo cáo năm công tác đối ngoại nhân dân: hằng năm, cho cấp xã, phường, hạn trước ngày 10/11; "
            "nhắc trước 14, 7, 1 ngày" in saved
        )
        await admin.say("/lichbaocao tat 1")
        async with app.db.transaction() as session:
            rows = (await session.scalars(select(ReportSchedule).order_by(ReportSchedule.id))).all()
        assert [(s.active, s.period_type, s.deadline_day, s.deadline_month, s.remind_before) for s in rows] == [
            (False, "half", 10, 6, [7, 3, 1, 0]), (True, "year", 10, 11, [14, 7, 1])]  # fmt: skip
        officer = await member(app, "mai")
        assert "không dùng được" in (await officer.say("/lichbaocao")).lower() or "vai trò" in officer.out[-1]
    finally:
        await app.close()


async def test_screens_follow_the_running_deadline_at_local_midnight(settings: Settings, database_url: str) -> None:
    """Two minutes apart around midnight in Vietnam (the same UTC day): before it, October is overdue and chased;
    after it, November (due 7/12) comes first on /tiendo, /nhacviec and /tonghop — never the month just begun."""
    app, clock, _schedule = await season(settings, database_url)
    try:
        clock.set(date(2025, 1, 2), 9)
        async with app.db.transaction() as session:
            province = (await session.scalars(select(Unit).where(Unit.code == DA_NANG))).one()
            await schedules.save(session, "dnnd-thang", create=True, now=clock.now, name="Báo cáo tháng",
                                 period_type="month", level="commune", root_unit_id=province.id, deadline_days_after=7,
                                 remind_before=[3], remind_after=[])  # fmt: skip
            await session.execute(update(ReportSchedule).where(ReportSchedule.code == "dnnd-6thang")
                                  .values(active=False))  # fmt: skip
        boss = await member(app, "tinh", unit_code=DA_NANG, role=Role.SUPERVISOR, name="Trần Văn Tỉnh")
        officer = await member(app, "mai")

        clock.set(date(2026, 11, 30), 23, 59)
        before = (await boss.say("/tiendo")).splitlines()
        assert before[1].startswith("Báo cáo tháng — tháng 10/2026 (hạn 7/11/2026): 0/94 đã nộp"), before
        assert before[2].startswith("Báo cáo tháng — tháng 11/2026 (hạn 7/12/2026)"), before

        clock.set(date(2026, 12, 1), 0, 1)
        assert clock.now.astimezone(UTC).date() == date(2026, 11, 30)  # UTC has not turned the day: local time has
        after = (await boss.say("/tiendo")).splitlines()
        assert after[1].startswith("Báo cáo tháng — tháng 11/2026 (hạn 7/12/2026): 0/94 đã nộp"), after
        assert after[2].startswith("Báo cáo tháng — tháng 12/2026 (hạn 7/1/2027)"), after
        assert "tháng 11/2026" in await boss.say("/tonghop")
        todo = [line for line in (await officer.say("/nhacviec")).splitlines() if "Báo cáo tháng —" in line]
        assert [line.split(": ")[0] for line in todo][-2:] == ["⏳ Báo cáo tháng — tháng 11/2026",
                                                               "⏳ Báo cáo tháng — tháng 12/2026"]  # fmt: skip
        assert "còn 6 ngày" in todo[-2]
    finally:
        await app.close()
