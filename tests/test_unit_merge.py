"""Merging a commune into another, on both databases, in a reporting season where both have filed: the merged
commune's officer, supervisor, activities, register records (found by a search in the remaining commune), pending
invites and the units below it move; its half-year report stays on it, as the remaining commune has its own; it is
no longer expected to report or invited; a later re-import of the unit tree does not undo it; the people are told
nothing false by the chat afterwards. Refused: a unit into itself, a unit merged twice, a unit into one below it.
And the same from an admin's web console (a supervisor's is refused) and from ``caunoi units merge``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage import overseas, schedules
from storage.models import ActivityReport, AuditEntry, PeriodicReport, Person, ReportSchedule, Unit
from storage.people import Role
from storage.unit_merge import MergeRefused, merge
from storage.units import Scope, UnitRow, by_code, upsert_units
from tests.helpers import DA_NANG, HAI_VAN, TAM_KY, Transcript, activity_lines, invite, member
from tests.test_cli import caunoi
from tests.test_data_api import Season
from tests.web_client import Console, token_in


async def _unit(session, code: str) -> Unit:  # type: ignore[no-untyped-def]
    unit = await by_code(session, code)
    assert unit is not None
    return unit


async def test_a_commune_merged_into_another(reporting: Season) -> None:
    app, clock, people = reporting
    async with app.db.transaction() as session:
        hai_van = await _unit(session, HAI_VAN)
        await upsert_units(session, [UnitRow("HV-T1", "Thôn 1 Hải Vân", "village", HAI_VAN)])
        await overseas.create(session, unit_id=hai_van.id, values={"full_name": "Trần Thị Hoa", "country": "JP"},
                              cipher=app.cipher, actor=overseas.Actor(None, "test"), now=clock())  # fmt: skip
    code = await invite(app, HAI_VAN, Role.OFFICER)

    async with app.db.transaction() as session:
        source, target = await _unit(session, HAI_VAN), await _unit(session, TAM_KY)
        for wrong_source, wrong_target in ((source, source), (await _unit(session, DA_NANG), target)):
            with pytest.raises(MergeRefused):
                await merge(session, wrong_source, wrong_target, clock(), actor_label="test")
        merged = await merge(session, source, target, clock(), actor_label="test")
    assert merged.moved["people"] == 2 and merged.moved["activity_reports"] == 1 and merged.moved["units"] == 1
    assert merged.moved["overseas_records"] == 1 and merged.moved["invites"] == 1
    assert merged.kept == {"periodic_reports": 1}  # Tam Kỳ filed its own half-year report
    async with app.db.transaction() as session:
        source, target = await _unit(session, HAI_VAN), await _unit(session, TAM_KY)
        with pytest.raises(MergeRefused):
            await merge(session, source, target, clock(), actor_label="test")
        assert source.merged_into_id == target.id and (await _unit(session, "HV-T1")).parent_id == target.id
        van = await session.scalar(select(Person).where(Person.full_name == "Phan Văn Vân"))
        assert van is not None and van.unit_id == target.id
        assert {r.unit_id for r in (await session.scalars(select(ActivityReport))).all()} == {target.id}
        assert await session.scalar(select(func.count()).select_from(PeriodicReport)
                                    .where(PeriodicReport.unit_id == source.id)) == 1  # fmt: skip
        found, total = await overseas.search(session, Scope(target.id), "tran thi hoa")
        assert total == 1 and found[0].unit_id == target.id
        schedule = await session.scalar(select(ReportSchedule))
        assert schedule is not None
        expected = {unit.id for unit in await schedules.expected_units(session, schedule)}
        assert target.id in expected and source.id not in expected
        (entry,) = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "unit.merged"))).all()
        assert entry.object_id == HAI_VAN and entry.details["into"] == TAM_KY
        await upsert_units(session, [UnitRow("HV-T1", "Thôn 1 Hải Vân", "village", HAI_VAN)])  # a re-import
        assert (await _unit(session, "HV-T1")).parent_id == target.id

    newcomer = Transcript(app, "moi")  # an invite made for Hải Vân before the merge now joins Tam Kỳ
    await newcomer.say("xin chào")
    await newcomer.say(code)
    await newcomer.say("Ngô Văn Mới")
    for line in [*activity_lines("tuyen truyen", "1/6", "Giao lưu sau sáp nhập", "Nhà văn hóa", "30"), "xác nhận"]:
        await people["van"].say(line)  # what Hải Vân's officer reports now is Tam Kỳ's
    async with app.db.transaction() as session:
        latest = await session.scalar(select(ActivityReport).order_by(ActivityReport.id.desc()).limit(1))
        assert latest is not None and latest.title == "Giao lưu sau sáp nhập" and latest.unit_id == target.id
        joined = await session.scalar(select(Person).where(Person.full_name == "Ngô Văn Mới"))
        assert joined is not None and joined.unit_id == target.id


async def test_an_admin_merges_in_the_web_console(reporting: Season) -> None:
    app, _clock, people = reporting
    people["qt"] = await member(app, "qt", unit_code=DA_NANG, role=Role.ADMIN, name="Võ Quản Trị")
    async with Console(app) as city, Console(app) as office:
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        assert await office.sign_in(token_in(await people["qt"].say("/web"))) == 303
        status, _, _ = await city.request("POST", "/web/caydonvi/sapnhap", csrf=await city.csrf("/web/caydonvi"),
                                             **{"from": HAI_VAN, "into": TAM_KY, "sure": "1"})  # fmt: skip
        assert status == 403  # a supervisor does not merge units
        assert 'id="merge"' not in (await city.request("GET", "/web/caydonvi"))[1]
        csrf = await office.csrf("/web/caydonvi")
        for form, expected in (
            ({"from": HAI_VAN, "into": TAM_KY}, "đánh dấu ô xác nhận"),
            ({"from": "nope", "into": TAM_KY, "sure": "1"}, "Không có đơn vị nope"),
            ({"from": HAI_VAN, "into": TAM_KY, "sure": "1"}, "Đã sáp nhập Phường Hải Vân vào Phường Tam Kỳ: chuyển 2 "
                                                              "người, 1 hoạt động và 0 hồ sơ kiều bào; giữ lại 1 báo cáo"),
            ({"from": HAI_VAN, "into": TAM_KY, "sure": "1"}, "Không thể sáp nhập"),
        ):  # fmt: skip
            _, _, response = await office.request("POST", "/web/caydonvi/sapnhap", csrf=csrf, **form)
            assert expected in (await office.request("GET", response.headers["Location"]))[1]


def test_the_command_line_merges_and_refuses(tmp_path: Path) -> None:
    assert caunoi(tmp_path, "units", "import-vn", "--province", "Da Nang").returncode == 0
    merged = caunoi(tmp_path, "units", "merge", HAI_VAN, "--into", TAM_KY)
    assert merged.returncode == 0 and re.search(rf"{HAI_VAN} .* merged into {TAM_KY} .*: moved nothing", merged.stdout)
    again = caunoi(tmp_path, "units", "merge", HAI_VAN, "--into", TAM_KY)
    assert again.returncode == 2 and "already merged" in again.stderr
    upward = caunoi(tmp_path, "units", "merge", DA_NANG, "--into", TAM_KY)
    assert upward.returncode == 2 and "lies under" in upward.stderr
