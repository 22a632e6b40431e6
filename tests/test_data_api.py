"""The data API over real HTTP, in-process, on both databases: a token made on the console's *Truy cập* page (shown
once), rows held to the token's person exactly like the chat (another subtree's unit is 404), keyset pages that
follow ``next``, every row as CSV, every call audited, tokens ending when revoked, when their person is deactivated
or stops supervising; the OpenAPI description matching what the endpoints return; and no query string, however odd,
answered with a 500."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import App
from bot.web.api import DataApi
from storage import api_tokens, overseas, staff
from storage.models import AuditEntry, OutboxMessage, Person, Unit
from storage.people import Role
from storage.units import by_code
from tests.helpers import DA_NANG, HAI_VAN, TAM_KY, Transcript, member
from tests.test_reminders import Clock
from tests.web_client import Console, token_in

Season = tuple[App, Clock, dict[str, Transcript]]


async def _token(console: Console, people: dict[str, Transcript], who: str) -> str:
    assert await console.sign_in(token_in(await people[who].say("/web"))) == 303
    csrf = await console.csrf("/web/truycap")
    status, page, _ = await console.request("POST", "/web/truycap/khoa", csrf=csrf, name="Power BI")
    assert status == 200
    found = re.search(r"<code>(cn_[A-Za-z0-9_-]+)</code>", page)
    assert found is not None, page
    _, again, _ = await console.request("GET", "/web/truycap")
    assert found.group(1) not in again and "Power BI" in again  # shown once; listed by its name
    return found.group(1)


def _json(response: object) -> dict:  # type: ignore[type-arg]
    return json.loads(response.body)  # type: ignore[attr-defined]


async def test_rows_are_scoped_paged_exported_and_audited(reporting: Season) -> None:
    app, _clock, people = reporting
    async with Console(app) as city, Console(app) as commune:
        city_token = await _token(city, people, "tinh")
        commune_token = await _token(commune, people, "hv")

        status, response = await city.api("/api/v1/activities", city_token)
        assert status == 200 and response.headers["Content-Type"].startswith("application/json")
        units = {row["unit_code"] for row in _json(response)["items"]}
        assert units == {TAM_KY, HAI_VAN}
        status, response = await commune.api("/api/v1/activities", commune_token)
        assert {row["unit_code"] for row in _json(response)["items"]} == {HAI_VAN}
        status, response = await commune.api(f"/api/v1/activities?unit={TAM_KY}", commune_token)
        assert status == 404 and TAM_KY in _json(response)["error"]  # another subtree: as if there were none
        status, response = await city.api(f"/api/v1/activities?unit={TAM_KY}&kind=tuyen_truyen", city_token)
        assert [row["unit_code"] for row in _json(response)["items"]] == [TAM_KY]

        pages, path = [], "/api/v1/activities?limit=1"
        while path:
            status, response = await city.api(path, city_token)
            body = _json(response)
            pages.append([row["id"] for row in body["items"]])
            path = body["next"]
        assert pages[:2] and all(len(page) == 1 for page in pages[:2]) and pages[-1] == []
        assert pages[0][0] < pages[1][0]  # in id order, none twice

        status, response = await city.api("/api/v1/activities.csv?from=2026-06-01&to=2026-06-30", city_token)
        assert status == 200 and response.headers["Content-Type"].startswith("text/csv")
        text = response.body.decode("utf-8")  # type: ignore[attr-defined]
        assert text.startswith("\ufeff")  # Excel reads it as UTF-8
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        assert {row["unit_code"] for row in rows} == {TAM_KY, HAI_VAN} and rows[0]["date"] == "2026-06-01"
        assert rows[0]["title"] == "Tuyên truyền Chỉ thị 12"

        status, response = await city.api("/api/v1/periodic-reports?schedule=dnnd-6thang&period=2026-H1", city_token)
        assert {(row["unit_code"], row["status"]) for row in _json(response)["items"]} == {
            (TAM_KY, "submitted"), (HAI_VAN, "submitted")}  # fmt: skip
        status, response = await commune.api("/api/v1/completeness?schedule=dnnd-6thang", commune_token)
        assert [(row["unit_code"], row["status"]) for row in _json(response)["items"]] == [(HAI_VAN, "submitted")]
        status, response = await city.api("/api/v1/completeness.csv?schedule=dnnd-6thang&period=2026-H1", city_token)
        statuses = [row["status"] for row in csv.DictReader(io.StringIO(response.body.decode().lstrip("\ufeff")))]  # type: ignore[attr-defined]
        assert statuses.count("submitted") == 2 and statuses.count("missing") == len(statuses) - 2 > 0
        status, response = await commune.api("/api/v1/units", commune_token)
        assert [row["code"] for row in _json(response)["items"]] == [HAI_VAN]
        status, response = await city.api("/api/v1/plan-tasks", city_token)
        assert status == 200 and _json(response)["items"] == []  # no plan published in this season

        async with app.db.transaction() as session:
            actions = [(entry.action, entry.actor_id) for entry in (await session.scalars(select(AuditEntry))).all()]
            tinh = await session.scalar(select(Person.id).where(Person.full_name == "Trần Văn Tỉnh"))
        assert ("api.read", tinh) in actions and ("export.activities", tinh) in actions
        assert ("export.completeness", tinh) in actions and ("api.token_created", tinh) in actions


async def test_refusals_in_the_persons_language_and_tokens_that_end(reporting: Season) -> None:
    app, clock, people = reporting
    async with Console(app) as city, Console(app) as commune:
        city_token = await _token(city, people, "tinh")
        commune_token = await _token(commune, people, "hv")
        assert (await city.api("/api/v1/activities", None))[0] == 401
        assert (await city.api("/api/v1/activities", "cn_forged"))[0] == 401
        assert (await city.api("/api/v1/activities", city_token[:-1]))[0] == 401
        status, response = await city.api("/api/v1/activities?tu=2026-01-01", city_token)
        assert status == 400 and "tu" in _json(response)["error"] and "from" in _json(response)["error"]
        status, response = await city.api("/api/v1/activities?from=1/6/2026", city_token)
        assert status == 400 and "Tham số from" in _json(response)["error"]  # Vietnamese, the person's language
        status, response = await city.api("/api/v1/activities?limit=5000", city_token)
        assert status == 400
        status, response = await city.api("/api/v1/completeness", city_token)
        assert status == 400 and "schedule" in _json(response)["error"]

        csrf = await city.csrf("/web/truycap")
        _, page, _ = await city.request("GET", "/web/truycap")
        token_id = re.search(r'name="what" value="token"><input type="hidden" name="id" value="(\d+)"', page)
        assert token_id is not None
        status, _, _ = await commune.request("POST", "/web/truycap/ket-thuc", csrf=await commune.csrf("/web/truycap"),
                                             what="token", id=token_id.group(1))  # fmt: skip
        assert status == 404  # not their token
        status, _, _ = await city.request("POST", "/web/truycap/ket-thuc", csrf=csrf, what="token",
                                          id=token_id.group(1))  # fmt: skip
        assert status == 303 and (await city.api("/api/v1/activities", city_token))[0] == 401

        async with app.db.transaction() as session:
            hv = await session.scalar(select(Person).where(Person.full_name == "Lê Hải Vân"))
            assert hv is not None
            await staff.set_role(session, hv, Role.OFFICER, clock.now)
        assert (await commune.api("/api/v1/activities", commune_token))[0] == 401  # no longer supervising
        async with app.db.transaction() as session:
            hv = await session.scalar(select(Person).where(Person.full_name == "Lê Hải Vân"))
            assert hv is not None
            await staff.set_role(session, hv, Role.SUPERVISOR, clock.now)
            _, secret = await api_tokens.create(session, hv, "script", clock.now)
        assert (await commune.api("/api/v1/units", secret))[0] == 200
        async with app.db.transaction() as session:
            hv = await session.get(Person, hv.id)
            assert hv is not None
            await staff.deactivate(session, hv, clock.now)
        assert (await commune.api("/api/v1/units", secret))[0] == 401


async def test_the_register_is_for_administrators_without_contact_details(reporting: Season) -> None:
    """A supervisor's token is refused the register (403, in Vietnamese); an administrator's reads it, names and
    countries but no phone, address, contact or notes, narrowed by unit and country; its CSV is audited and told to
    every administrator as it happens."""
    app, clock, people = reporting
    people["quantri"] = await member(app, "quantri", unit_code=DA_NANG, role=Role.ADMIN, name="Võ Quản Trị")
    async with app.db.transaction() as session:
        for code, name, country in ((TAM_KY, "Nguyễn Văn An", "US"), (HAI_VAN, "Lê Thị Hoa", "JP")):
            unit = await by_code(session, code)
            assert unit is not None
            await overseas.create(session, unit_id=unit.id, values={
                "full_name": name, "country": country, "relative_name": "Nguyễn Văn Bình",
                "relative_phone": "0912345678", "contact": "an@example.com", "visits": "Về quê mỗi dịp Tết",
            }, cipher=app.cipher, actor=overseas.Actor(None, "test"), now=clock())  # fmt: skip
    async with Console(app) as city, Console(app) as office:
        status, response = await city.api("/api/v1/overseas-records", await _token(city, people, "tinh"))
        assert status == 403 and "không dành cho vai trò" in _json(response)["error"]
        token = await _token(office, people, "quantri")
        status, response = await office.api("/api/v1/overseas-records", token)
        items = _json(response)["items"]
        assert status == 200 and [item["full_name"] for item in items] == ["Nguyễn Văn An", "Lê Thị Hoa"]
        assert not {"relative_phone", "contact", "relative_address", "notes", "visits"} & set(items[0])
        assert set(items[0]) == {field.name for field in DataApi(app).endpoints["overseas-records"].fields}
        assert items[0]["relative_name"] == "Nguyễn Văn Bình" and items[0]["unit_code"] == TAM_KY
        status, response = await office.api(f"/api/v1/overseas-records?unit={HAI_VAN}&country=jp", token)
        assert [item["full_name"] for item in _json(response)["items"]] == ["Lê Thị Hoa"]
        status, response = await office.api("/api/v1/overseas-records.csv?country=US", token)
        rows = list(csv.DictReader(io.StringIO(response.body.decode().lstrip("\ufeff"))))  # type: ignore[attr-defined]
        assert status == 200 and [row["full_name"] for row in rows] == ["Nguyễn Văn An"]
    async with app.db.transaction() as session:
        exported = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "export.overseas-records"))
        ).one()
        assert exported.details["rows"] == 1 and exported.actor_label == "Võ Quản Trị"
        told = [m.payload["text"] for m in (await session.scalars(select(OutboxMessage))).all()
                if "qua API dữ liệu" in m.payload.get("text", "")]  # fmt: skip
        assert told == ["1 dòng dữ liệu cá nhân (overseas-records) đã được Võ Quản Trị xuất qua API dữ liệu."]


async def test_the_openapi_description_matches_the_rows(reporting: Season) -> None:
    app, _clock, people = reporting
    async with Console(app) as city:
        token = await _token(city, people, "tinh")
        status, response = await city.api("/api/v1/openapi.json", None)
        spec = _json(response)
        assert status == 200 and spec["openapi"].startswith("3.1")
        endpoints = DataApi(app).endpoints
        assert set(spec["paths"]) == {f"/api/v1/{name}{suffix}" for name in endpoints for suffix in ("", ".csv")}
        for name in endpoints:
            operation = spec["paths"][f"/api/v1/{name}"]["get"]
            schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
            row_schema = spec["components"]["schemas"][schema["properties"]["items"]["items"]["$ref"].split("/")[-1]]
            query = "?schedule=dnnd-6thang" if name == "completeness" else ""
            status, page = await city.api(f"/api/v1/{name}{query}", token)
            if Role.SUPERVISOR.value not in endpoints[name].roles:  # the register: its own test reads its rows
                assert status == 403 and "403" in operation["responses"], name
                continue
            for row in _json(page)["items"]:
                assert set(row) == set(row_schema["properties"]), name
            for param in operation["parameters"]:
                assert param["in"] == "query" and "type" in param["schema"]


async def test_a_units_page_from_progress(reporting: Season) -> None:
    app, _clock, people = reporting
    async with Console(app) as city, Console(app) as commune:
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert await commune.sign_in(token_in(await people["hv"].say("/web"))) == 303
        async with app.db.transaction() as session:
            tam_ky, other = (await session.execute(select(Unit.id).where(Unit.code.in_([TAM_KY, DA_NANG]))
                                                   .order_by(Unit.code))).scalars().all()  # fmt: skip
            quiet = await session.scalar(select(Unit).where(Unit.level == "commune", Unit.code.not_in([TAM_KY,
                                                                                                       HAI_VAN])))  # fmt: skip
            assert quiet is not None
        _, progress, _ = await city.request("GET", "/web/tiendo")
        assert f'/web/donvi?id={tam_ky}"' in progress
        status, page, _ = await city.request("GET", f"/web/donvi?id={tam_ky}")
        assert status == 200 and "Phường Tam Kỳ" in page and "Chờ duyệt" in page and "Tuyên truyền Chỉ thị 12" in page
        assert "Đỗ Thị Mai" in page
        assert (await commune.request("GET", f"/web/donvi?id={tam_ky}"))[0] == 404
        assert (await commune.request("GET", f"/web/donvi?id={other}"))[0] == 404
        status, page, _ = await city.request("GET", f"/web/donvi?id={quiet.id}")
        assert status == 200 and "Chưa nộp" in page and 'class="remind-unit"' in page
        csrf = await city.csrf(f"/web/donvi?id={quiet.id}")
        status, _, response = await city.request("POST", "/web/donvi/nhac", csrf=csrf, unit=str(quiet.id),
                                                 lich="1", ky="2026-H1")  # fmt: skip
        assert status == 303 and "/web/donvi" in response.headers["Location"]
        status, _, _ = await commune.request("POST", "/web/donvi/nhac", csrf=await commune.csrf("/web/truycap"),
                                             unit=str(quiet.id), lich="1", ky="2026-H1")  # fmt: skip
        assert status == 404


async def test_sessions_are_listed_and_ended(reporting: Season) -> None:
    app, _clock, people = reporting
    async with Console(app) as office, Console(app) as phone:
        assert await office.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert await phone.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        _, page, _ = await office.request("GET", "/web/truycap")
        ids = re.findall(r'name="what" value="session"><input type="hidden" name="id" value="(\d+)"', page)
        assert len(ids) == 1 and "phiên này" in page  # the other session can be ended; this one is marked
        status, _, _ = await office.request("POST", "/web/truycap/ket-thuc", csrf=await office.csrf("/web/truycap"),
                                            what="session", id=ids[0])  # fmt: skip
        assert status == 303 and (await phone.request("GET", "/web/tiendo"))[0] == 303  # signed out
        assert (await office.request("GET", "/web/tiendo"))[0] == 200


QUERY = st.dictionaries(st.sampled_from(["from", "to", "kind", "country", "unit", "after", "limit", "x", "schedule",
                                         "period", "status", "level", "plan"]),
                        st.text(max_size=30), max_size=4)  # fmt: skip


async def test_no_query_string_makes_a_500(reporting: Season) -> None:
    app, _clock, people = reporting
    app.settings.api_burst = 1000  # every probe reaches its endpoint (the rate limit has its own test)
    async with Console(app) as city:
        token = await _token(city, people, "tinh")
        endpoints = list(DataApi(app).endpoints)

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(name=st.sampled_from(endpoints), query=QUERY, as_csv=st.booleans())
        def probe(name: str, query: dict[str, str], as_csv: bool) -> None:
            calls.append((name, query, as_csv))

        calls: list[tuple[str, dict[str, str], bool]] = []
        probe()
        for name, query, as_csv in calls:
            path = f"/api/v1/{name}{'.csv' if as_csv else ''}?" + "&".join(
                f"{quote(key)}={quote(value)}" for key, value in query.items()
            )
            status, response = await city.api(path, token)
            allowed = (200, 400, 404) if Role.SUPERVISOR.value in DataApi(app).endpoints[name].roles else (403,)
            assert status in allowed, (path, status, response.body)  # type: ignore[attr-defined]


async def test_a_person_making_too_many_calls_is_asked_to_wait(reporting: Season) -> None:
    """Three calls at once are allowed here, the fourth gets 429 with Retry-After, in the person's language; another
    person's token is not held back by it."""
    app, _clock, people = reporting
    app.settings.api_burst, app.settings.api_rate_per_minute = 3, 6
    async with Console(app) as city, Console(app) as commune:
        city_token, commune_token = await _token(city, people, "tinh"), await _token(commune, people, "hv")
        for _ in range(3):
            assert (await city.api("/api/v1/units", city_token))[0] == 200
        status, response = await city.api("/api/v1/activities.csv", city_token)
        assert status == 429 and 1 <= int(response.headers["Retry-After"]) <= 10
        assert "Quá nhiều yêu cầu" in _json(response)["error"]
        assert (await commune.api("/api/v1/units", commune_token))[0] == 200
