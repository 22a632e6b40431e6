"""The web console over real HTTP, in-process: signing in from a /web link (once, within 10 minutes, never by a
GET), the session cookie's flags and timeouts, CSRF on every form, security headers, every page and action held to
the person's scope (another unit's report is 404), and a decision made on the web reaching the officer in the chat."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.app import App
from storage import audit, web_access
from storage.models import ActivityReport, AuditEntry, OutboxMessage, OverseasRecord, Person, Unit
from storage.people import Role
from tests.helpers import TAM_KY, Transcript, member
from tests.test_overseas import RECORD, add_record
from tests.test_reminders import Clock
from tests.web_client import Console, token_in


async def test_sign_in_once_with_flags_headers_and_timeouts(
    reporting: tuple[App, Clock, dict[str, Transcript]],
) -> None:
    app, clock, people = reporting
    async with Console(app) as web_console:
        status, _, response = await web_console.request("GET", "/web/tiendo")
        assert status == 303 and response.headers["Location"] == "/web/dangnhap"
        token = token_in(await people["tinh"].say("/web"))
        status, page, response = await web_console.request("GET", f"/web/login/{token}")  # a link preview's GET
        assert status == 200 and 'name="token"' in page
        assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'none': no script
        assert response.headers["X-Frame-Options"] == "DENY" and response.headers["Referrer-Policy"] == "no-referrer"
        _, _, login = await web_console.request("POST", "/web/login", token=token)
        flags = login.headers["Set-Cookie"].lower()
        assert "httponly" in flags and "secure" in flags and "samesite=strict" in flags
        web_console.cookie = re.search(r"caunoi_console=([^;]+)", login.headers["Set-Cookie"]).group(1)  # type: ignore[union-attr]
        status, page, _ = await web_console.request("GET", "/web/tiendo")
        assert status == 200 and "Phường Tam Kỳ" in page and "Chờ duyệt" in page
        assert await web_console.sign_in(token) == 403  # the link worked once

        clock.now += timedelta(minutes=31)  # idle for longer than 30 minutes
        status, _, _ = await web_console.request("GET", "/web/tiendo")
        assert status == 303

        late_token = token_in(await people["tinh"].say("/web"))
        clock.now += timedelta(minutes=11)
        assert await web_console.sign_in(late_token) == 403  # older than 10 minutes
        assert "không còn dùng được" in (await web_console.request("POST", "/web/login", token="forged"))[1]

        async with app.db.transaction() as session:
            officer = await session.scalar(select(Person).where(Person.full_name == "Đỗ Thị Mai"))
            assert officer is not None
            officer_token = await web_access.create_link(session, officer, clock.now)
        assert await web_console.sign_in(officer_token) == 403  # officers use the chat
        assert "không dùng được" in (await people["mai"].say("/web")).lower() or "vai trò" in people["mai"].out[-1]


async def test_pages_and_actions_are_scoped_and_need_csrf(reporting: tuple[App, Clock, dict[str, Transcript]]) -> None:
    app, _clock, people = reporting
    async with Console(app) as city, Console(app) as commune:
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert await commune.sign_in(token_in(await people["hv"].say("/web"))) == 303
        _, queue, _ = await city.request("GET", "/web/duyet")
        ids = [int(found) for found in re.findall(r'name="report" value="(\d+)"', queue)]
        assert len(set(ids)) == 2 and "Phường Tam Kỳ" in queue and "Phường Hải Vân" in queue
        _, their_queue, _ = await commune.request("GET", "/web/duyet")
        assert "Phường Tam Kỳ" not in their_queue and "Phường Hải Vân" in their_queue

        tam_ky = min(ids)
        status, _, _ = await city.request("POST", "/web/duyet/quyetdinh", report=str(tam_ky), action="approve")
        assert status == 403  # no CSRF token
        csrf = await commune.csrf("/web/duyet")
        status, page, _ = await commune.request("POST", "/web/duyet/quyetdinh", csrf=csrf, report=str(tam_ky),
                                                action="approve")  # fmt: skip
        assert status == 404 and "Phường Tam Kỳ" not in page  # another unit's report: as if there were none
        status, _, _ = await commune.request("POST", "/web/duyet/quyetdinh", csrf=csrf, report="99999999999999999999",
                                             action="approve")  # fmt: skip
        assert status == 404

        csrf = await city.csrf("/web/duyet")
        before = len(people["mai"].out)
        status, _, response = await city.request("POST", "/web/duyet/quyetdinh", csrf=csrf, report=str(tam_ky),
                                                 action="return", comment="Ghi rõ số người tham gia")  # fmt: skip
        assert status == 303 and "/web/duyet" in response.headers["Location"], response.headers["Location"]
        await app.worker.drain()
        assert any("Ghi rõ số người tham gia" in text for text in people["mai"].out[before:]), people["mai"].out[
            before:
        ]

        _, activities, _ = await commune.request("GET", "/web/hoatdong")
        assert "Phường Hải Vân" in activities and "Phường Tam Kỳ" not in activities
        status, _, download = await city.request("GET", "/web/hoatdong.xlsx?loai=tuyen_truyen")
        assert status == 200 and "spreadsheetml" in download.headers["Content-Type"]
        sheet = load_workbook(io.BytesIO(download.body)).active  # type: ignore[attr-defined]
        assert sheet is not None and sheet.max_row == 3  # a header and the two communes' activities
        async with app.db.transaction() as session:
            actions = (await session.scalars(select(AuditEntry.action))).all()
        assert {"web.signed_in", "periodic.returned", "export.activities"} <= set(actions)

        async with app.db.transaction() as session:
            mai_id = await session.scalar(select(Person.id).where(Person.full_name == "Đỗ Thị Mai"))
        csrf = await commune.csrf("/web/canbo")
        _, their_people, _ = await commune.request("GET", "/web/canbo")
        assert "Phan Văn Vân" in their_people and "Đỗ Thị Mai" not in their_people
        status, _, _ = await commune.request("POST", "/web/canbo/thaydoi", csrf=csrf, person=str(mai_id),
                                             action="deactivate")  # fmt: skip
        assert status == 404  # not a person of their units
        csrf = await city.csrf("/web/canbo")
        status, _, _ = await city.request("POST", "/web/canbo/thaydoi", csrf=csrf, person=str(mai_id), action="role",
                                          role="admin")  # fmt: skip
        assert status == 404  # a supervisor gives no roles
        async with app.db.transaction() as session:
            assert (await session.get(Person, mai_id)).deactivated_at is None  # type: ignore[union-attr]

        csrf = await city.csrf("/web/tiendo")
        status, _, response = await city.request("POST", "/web/dangxuat", csrf=csrf)
        assert status == 303 and (await city.request("GET", "/web/tiendo"))[0] == 303  # signed out: the session ends


async def test_activities_pages_follow_one_another_and_filter(
    reporting: tuple[App, Clock, dict[str, Transcript]],
) -> None:
    """Keyset pages: walking "Trang sau" shows every activity once, newest first, even when the one-day ties run
    across a page's end; the country filter takes a name as officers write it, the unit filter a subtree."""
    app, _clock, people = reporting
    async with app.db.transaction() as session:
        mai = await session.scalar(select(Person).where(Person.full_name == "Đỗ Thị Mai"))
        assert mai is not None
        for number in range(130):
            session.add(ActivityReport(
                draft_key=f"bulk-{number}", unit_id=mai.unit_id, reporter_id=mai.id, kind_code="giao_luu_huu_nghi",
                activity_date=date(2026, 5, 1 + number % 20), title=f"Giao lưu số {number}", participants=10,
                partner_country="LA" if number % 3 == 0 else "KH", form_name="activity", form_version=2,
            ))  # fmt: skip
    async with Console(app) as city, Console(app) as commune:
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert await commune.sign_in(token_in(await people["hv"].say("/web"))) == 303
        seen: list[tuple[str, int]] = []
        path: str | None = "/web/hoatdong?loai=giao_luu_huu_nghi"
        while path:
            _, page, _ = await city.request("GET", path.replace("&amp;", "&"))
            seen += [(day, int(number)) for number, day in re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>", page)]
            found = re.search(r'<a href="([^"]+)" id="next-page">', page)
            path = found.group(1) if found else None
        assert len(seen) == 130 and len({number for _, number in seen}) == 130
        assert "130 hoạt động" in (await city.request("GET", "/web/hoatdong?loai=giao_luu_huu_nghi"))[1]
        _, laos, _ = await city.request("GET", "/web/hoatdong?loai=giao_luu_huu_nghi&quocgia=L%C3%A0o")
        assert "44 hoạt động" in laos  # 0, 3, … 129
        _, tam_ky, _ = await city.request("GET", f"/web/hoatdong?donvi={TAM_KY}")
        assert "Phường Hải Vân" not in tam_ky and "Giao lưu số" in tam_ky
        _, theirs, _ = await commune.request("GET", f"/web/hoatdong?donvi={TAM_KY}")
        assert "0 hoạt động" in theirs and "Giao lưu số" not in theirs  # another subtree's unit: nothing


async def test_the_audit_log_is_for_admins_filtered_paged_and_audited(
    reporting: tuple[App, Clock, dict[str, Transcript]],
) -> None:
    app, _clock, people = reporting
    admin = await member(app, "ad", unit_code="48", role=Role.ADMIN, name="Quản Trị Viên")
    async with app.db.transaction() as session:  # enough for two pages
        for number in range(150):
            audit.record(session, "export.activities", actor_label="cli", rows=number)
    async with Console(app) as office, Console(app) as city:
        assert await office.sign_in(token_in(await admin.say("/web"))) == 303
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert (await city.request("GET", "/web/nhatky"))[0] == 403  # a supervisor does not read the log
        status, page, _ = await office.request("GET", "/web/nhatky?hanhdong=web.")
        actions = re.findall(r"<code>([^<]+)</code>", page)
        assert status == 200 and actions and all(action.startswith("web.") for action in actions)
        assert "web.signed_in" in actions
        seen: list[int] = []
        path: str | None = "/web/nhatky"
        while path:
            _, page, _ = await office.request("GET", path.replace("&amp;", "&"))
            seen += [int(number) for number in re.findall(r"<tr><td>(\d+)</td>", page)]
            found = re.search(r'<a href="([^"]+)" id="next-page">', page)
            path = found.group(1) if found else None
        assert seen == sorted(set(seen), reverse=True) and len(seen) > 100  # every entry once, newest first
        async with app.db.transaction() as session:
            viewed = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.viewed"))).all()
        assert viewed and all(entry.actor_label == "Quản Trị Viên" for entry in viewed)


async def test_invites_in_bulk_for_a_subtree(reporting: tuple[App, Clock, dict[str, Transcript]]) -> None:
    """One spreadsheet of codes for every commune under the city; a code from it lets an officer join; a commune's
    supervisor cannot invite the city, nor a supervisor give another role."""
    app, _clock, people = reporting
    async with app.db.transaction() as session:
        communes = await session.scalar(select(func.count()).select_from(Unit).where(
            Unit.level == "commune", Unit.parent_id == select(Unit.id).where(Unit.code == "48").scalar_subquery()))  # fmt: skip
    async with Console(app) as city, Console(app) as commune:
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert await commune.sign_in(token_in(await people["hv"].say("/web"))) == 303
        csrf = await city.csrf("/web/canbo")
        status, _, sheet_response = await city.request("POST", "/web/canbo/moi.xlsx", csrf=csrf, unit="48",
                                                       level="commune", count="1")  # fmt: skip
        assert status == 200 and "spreadsheetml" in sheet_response.headers["Content-Type"]
        rows = list(load_workbook(io.BytesIO(sheet_response.body)).active.iter_rows(values_only=True))  # type: ignore[attr-defined,union-attr]
        assert rows[0][:4] == ("Mã đơn vị", "Đơn vị", "Vai trò", "Mã mời") and len(rows) == communes + 1
        newcomer = Transcript(app, "newcomer")
        await newcomer.say("xin chào")
        joined = await newcomer.say(str(rows[-1][3]))
        assert str(rows[-1][1]) in joined, joined
        status, _, response = await commune.request("POST", "/web/canbo/moi.xlsx", csrf=await commune.csrf(
            "/web/canbo"), unit="48", level="commune")  # fmt: skip
        assert status == 303 and "thongbao" in response.headers["Location"]  # the city is not theirs
        status, _, _ = await city.request("POST", "/web/canbo/moi.xlsx", csrf=csrf, unit="48", level="commune",
                                          role="admin")  # fmt: skip
        assert status == 404
        async with app.db.transaction() as session:
            bulk = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "invite.bulk"))).all()
        assert [entry.details["codes"] for entry in bulk] == [communes]


async def test_the_register_is_searched_and_opened_within_the_scope_and_audited(
    reporting: tuple[App, Clock, dict[str, Transcript]],
) -> None:
    """*Kiều bào*: the city supervisor finds a Tam Kỳ record without diacritics, sees the counts and opens it (notes
    included, as in the chat); Hải Vân's supervisor finds nothing and the record's address is 404 to them; each
    search and opening is audited without the words typed."""
    app, _clock, people = reporting
    await add_record(people["mai"], RECORD)
    await people["mai"].say("xác nhận")
    async with app.db.transaction() as session:
        record = await session.scalar(select(OverseasRecord))
        assert record is not None
    async with Console(app) as city, Console(app) as commune:
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert await commune.sign_in(token_in(await people["hv"].say("/web"))) == 303
        status, page, _ = await city.request("GET", "/web/kieubao?q=nguyen+van+an")
        assert status == 200 and f'href="/web/kieubao/hoso?id={record.id}"' in page and "Phường Tam Kỳ" in page
        assert "1 hồ sơ khớp" in page and "Hoa Kỳ" in page and "Doanh nhân" in page
        status, page, _ = await city.request("GET", f"/web/kieubao/hoso?id={record.id}")
        assert status == 200 and "Nguyễn Văn An" in page and "San Jose" in page and "Nguyễn Văn Bình" in page
        assert "Mong được hỗ trợ thủ tục đầu tư" in page  # a note, decrypted for the one who opens the record
        _, theirs, _ = await commune.request("GET", "/web/kieubao?q=nguyen+van+an")
        assert "Nguyễn Văn An" not in theirs and "0 hồ sơ khớp" in theirs
        status, page, _ = await commune.request("GET", f"/web/kieubao/hoso?id={record.id}")
        assert status == 404 and "Nguyễn Văn An" not in page
        assert (await commune.request("GET", "/web/kieubao/hoso?id=%27%3B--"))[0] == 404
    async with app.db.transaction() as session:
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.action.like("overseas.%")))).all()
    searched = [e for e in entries if e.action == "overseas.searched" and e.details.get("channel") == "web"]
    viewed = [e for e in entries if e.action == "overseas.viewed" and e.details.get("channel") == "web"]
    assert len(searched) == 2 and all("nguyen" not in str(e.details) for e in searched)
    assert [e.object_id for e in viewed] == [str(record.id)]  # the refused opening is no reading


async def test_an_announcement_is_counted_sent_followed_and_sent_again(
    reporting: tuple[App, Clock, dict[str, Transcript]],
) -> None:
    """*Thông báo*: the audience is counted before anything is sent; sending needs the form's CSRF token; the
    officers get it in the chat and one acknowledges; the receipts show who has not; sending again reaches only
    them; another supervisor's announcement is 404; everything audited as in the chat."""
    app, _clock, people = reporting
    async with Console(app) as city, Console(app) as commune:
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert await commune.sign_in(token_in(await people["hv"].say("/web"))) == 303
        status, page, _ = await city.request("GET", "/web/thongbao?noidung=H%E1%BB%8Dp+giao+ban+ng%C3%A0y+10%2F6"
                                                    "&cap=commune&vaitro=officer&dem=1")  # fmt: skip
        assert status == 200 and "Gửi tới 2 người" in page and "sẽ tới 2 trên 2 người" in page
        assert await _count(app, OutboxMessage.priority == 1) == 0  # counted, nothing sent
        form = {"noidung": "Họp giao ban ngày 10/6", "cap": "commune", "vaitro": "officer"}
        assert (await city.request("POST", "/web/thongbao/gui", **form))[0] == 403  # no CSRF token
        csrf = await city.csrf("/web/thongbao?noidung=x&dem=1")
        status, _, response = await city.request("POST", "/web/thongbao/gui", csrf=csrf, **form)
        assert status == 303 and response.headers["Location"].startswith("/web/thongbao/xem?id=")
        where = response.headers["Location"]
        broadcast_id = where.rpartition("=")[2]
        await app.worker.drain()
        assert any("Họp giao ban ngày 10/6" in text for text in people["mai"].out)
        assert any("Họp giao ban ngày 10/6" in text for text in people["van"].out)
        await people["mai"].say(f"/danhan {broadcast_id}")
        _, page, _ = await city.request("GET", where)
        assert "Phan Văn Vân" in page and "Đỗ Thị Mai" not in page  # who has not acknowledged
        before = len(people["van"].out)
        csrf = await city.csrf(where)
        status, _, response = await city.request("POST", "/web/thongbao/nhaclai", csrf=csrf, id=broadcast_id)
        assert status == 303 and "1" in response.headers["Location"]
        await app.worker.drain()
        assert any("Họp giao ban ngày 10/6" in text for text in people["van"].out[before:])
        assert (await commune.request("GET", where))[0] == 404  # not theirs
        csrf = await commune.csrf("/web/thongbao?noidung=x&dem=1")
        assert (await commune.request("POST", "/web/thongbao/nhaclai", csrf=csrf, id=broadcast_id))[0] == 404
    async with app.db.transaction() as session:
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.action.like("broadcast.%")))).all()
    assert [(e.action, e.details.get("recipients"), e.details.get("channel")) for e in entries] == [
        ("broadcast.sent", 2, "web"),
        ("broadcast.resent", 1, "web"),
    ]


async def _count(app: App, *where: object) -> int:
    async with app.db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(OutboxMessage).where(*where)) or 0
