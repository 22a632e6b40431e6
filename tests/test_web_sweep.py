"""Every page of the web console, as the registry lists them — so a page added later is swept too: without a
session each one sends the browser to sign in; each form without its CSRF token is refused (403) and changes
nothing; a page an officer's role may not open is 403; and no query string, however hostile, makes any page answer
500, for a supervisor or an admin."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from storage.models import AuditEntry
from storage.people import Role
from tests.helpers import DA_NANG, member
from tests.test_data_api import Season
from tests.web_client import Console, token_in

NAMES = ["donvi", "ky", "q", "tu", "den", "loai", "quocgia", "sau", "id", "job", "tep", "trang", "tim", "trangthai",
         "sapxep", "thongbao", "hanhdong", "nguoi", "x"]  # fmt: skip
VALUES = st.one_of(st.text(max_size=40), st.sampled_from(["48", "20195", "0", "-1", "99999999999999999999", "2026-H1",
                                                           "2026-02-30", "'; drop table units; --", "%00", "../.."]))  # fmt: skip
QUERY = st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=4)


async def test_every_page_needs_a_session_forms_need_csrf_and_no_query_breaks_one(reporting: Season) -> None:
    app, _clock, people = reporting
    admin = await member(app, "qt", unit_code=DA_NANG, role=Role.ADMIN, name="Võ Quản Trị")
    pages = app.registry.web_pages
    assert {"caydonvi", "webhook", "tonghop/tai", "kehoach/tai"} <= {page.path for page in pages}
    async with Console(app) as stranger, Console(app) as city, Console(app) as office:
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert await office.sign_in(token_in(await admin.say("/web"))) == 303
        async with app.db.transaction() as session:
            audited = await session.scalar(select(func.count()).select_from(AuditEntry))
        for page in pages:
            status, _, response = await stranger.request(page.method, f"/web/{page.path}")
            assert status in (303, 403), (page.path, status)  # no session: to the sign-in page, or refused
            if status == 303:
                assert "/web/dangnhap" in response.headers["Location"], page.path
            if page.method == "POST":
                for console in (city, office):
                    status, _, _ = await console.request("POST", f"/web/{page.path}", donvi=DA_NANG, id="1")
                    assert status == 403, (page.path, status)  # no CSRF token
        async with app.db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(AuditEntry)) == audited  # nothing done

        for page in pages:
            if page.method == "GET" and Role.SUPERVISOR.value not in page.roles:
                assert (await city.request("GET", f"/web/{page.path}"))[0] == 403, page.path
        probes: list[tuple[str, dict[str, str], bool]] = []

        @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(path=st.sampled_from([page.path for page in pages if page.method == "GET"]), query=QUERY,
               as_admin=st.booleans())  # fmt: skip
        def probe(path: str, query: dict[str, str], as_admin: bool) -> None:
            probes.append((path, query, as_admin))

        probe()
        for path, query, as_admin in probes:
            text = "&".join(f"{quote(key)}={quote(value)}" for key, value in query.items())
            status, page, _ = await (office if as_admin else city).request("GET", f"/web/{path}?{text}")
            assert status in (200, 303, 403, 404), (path, query, status)
            assert "Traceback" not in page
