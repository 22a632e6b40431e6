"""An officer's life after the invite (``caunoi people …``): moved to a merged commune, given another role,
deactivated when they leave — the bot then answers them accordingly, their records stay, they leave the audiences
and their web sessions end — and reactivated."""

from __future__ import annotations

import argparse
from datetime import timedelta

from sqlalchemy import select

from bot.app import App
from storage import schedules, web_access
from storage.models import ActivityReport, AuditEntry, Person, Unit
from tests.helpers import HAI_VAN, TAM_KY, activity_lines, member, seed_units


async def people_verb(app: App, action: str, **options: str) -> None:
    verb = app.registry.cli_verbs[("people", action)]
    await verb.run(app, argparse.Namespace(action=action, **options))


async def person_id(app: App, name: str) -> int:
    async with app.db.transaction() as session:
        found = await session.scalar(select(Person.id).where(Person.full_name == name))
    assert found is not None
    return found


async def test_move_role_deactivate_and_reactivate(app: App, capsys: object) -> None:
    await seed_units(app)
    mai = await member(app, "mai")
    lan = await member(app, "lan", name="Lê Thị Lan")
    for line in [*activity_lines("tap huan", "hôm nay", "Tập huấn", "Hội trường", "20"), "xác nhận"]:
        await lan.say(line)
    mai_id, lan_id = await person_id(app, "Đỗ Thị Mai"), await person_id(app, "Lê Thị Lan")

    await people_verb(app, "move", person=str(mai_id), unit=HAI_VAN)
    await app.worker.drain()
    assert "Từ nay anh/chị báo cáo cho Phường Hải Vân" in mai.out[-1]
    for line in [*activity_lines("tuyen truyen", "hôm nay", "Tuyên truyền", "Nhà văn hóa", "30"), "xác nhận"]:
        await mai.say(line)

    async with app.db.transaction() as session:
        lan_person = await session.get(Person, lan_id)
        assert lan_person is not None
        lan_person.role = "supervisor"
        token, _csrf = await web_access.open_session(session, lan_person, app.clock(), timedelta(hours=1), "test")
    await people_verb(app, "deactivate", person=str(lan_id))
    await app.worker.drain()
    assert "ngừng hoạt động" in lan.out[-1]
    assert "ngừng hoạt động nên Cầu Nối không nhận báo cáo" in await lan.say("/baocao")
    async with app.db.transaction() as session:
        assert await web_access.find_session(session, token, app.clock(), timedelta(hours=1)) is None
        units = (await session.scalars(select(Unit.id).where(Unit.level == "commune"))).all()
        audience = await schedules.recipients(session, units, ("officer", "supervisor"))
        reports = {report.reporter_id: report.unit_id for report in (await session.scalars(select(ActivityReport)))}
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert lan_id not in {recipient.person_id for recipient in audience} and mai_id in {r.person_id for r in audience}
    assert lan_id in reports  # her report stays
    assert reports[mai_id] != reports[lan_id]  # Mai's new report is her new unit's
    assert {"person.move", "person.deactivate"} <= set(actions)

    await people_verb(app, "reactivate", person=str(lan_id))
    await people_verb(app, "role", person=str(lan_id), role="officer")
    await app.worker.drain()
    assert "Vai trò của anh/chị nay là cán bộ" in lan.out[-1]
    assert "loại nào" in await lan.say("/baocao")
    capsys.readouterr()  # type: ignore[attr-defined]
    await people_verb(app, "list", unit=TAM_KY)
    listed = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "Lê Thị Lan" in listed and "Đỗ Thị Mai" not in listed  # Mai is in Hải Vân now
