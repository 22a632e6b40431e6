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
from storage.people import Role
from tests.helpers import DA_NANG, HAI_VAN, TAM_KY, activity_lines, member, seed_units


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


async def test_a_supervisor_moves_deactivates_and_reactivates_in_the_chat(app: App) -> None:
    """/canbo: the city supervisor lists the officers of their units, opens one by typing its number, moves her to
    another commune, deactivates a colleague only after a second "yes", and reactivates him; each officer is told; a
    commune supervisor cannot touch another commune's officer; an officer has no such command."""
    await seed_units(app)
    mai = await member(app, "mai")
    van = await member(app, "van", unit_code=HAI_VAN, name="Phan Văn Vân")
    boss = await member(app, "tinh", unit_code=DA_NANG, role=Role.SUPERVISOR, name="Trần Văn Tỉnh")
    hai_van_boss = await member(app, "hv", unit_code=HAI_VAN, role=Role.SUPERVISOR, name="Lê Hải Vân")
    mai_id, van_id = await person_id(app, "Đỗ Thị Mai"), await person_id(app, "Phan Văn Vân")

    listed = await boss.say("/canbo")
    assert "Đỗ Thị Mai" in listed and "Phan Văn Vân" in listed and "Trần Văn Tỉnh ·" not in listed
    number = next(line.split(".")[0] for line in listed.splitlines() if "Đỗ Thị Mai" in line)
    card = await boss.say(number)  # typed, as on Zalo: what the button does
    assert f"#{mai_id} Đỗ Thị Mai" in card and "Phường Tam Kỳ" in card
    assert "Đỗ Thị Mai: đã xong" in await boss.say(f"/canbo chuyen {mai_id} {HAI_VAN}")
    await app.worker.drain()
    assert "Từ nay anh/chị báo cáo cho Phường Hải Vân" in mai.out[-1]
    assert "Không có đơn vị 99999" in await boss.say(f"/canbo chuyen {van_id} 99999")

    question = await boss.say(f"/canbo ngung {van_id}")
    assert "Ngừng hoạt động Phan Văn Vân?" in question
    async with app.db.transaction() as session:
        assert (await session.get(Person, van_id)).deactivated_at is None  # type: ignore[union-attr]
    await boss.say(f"/canbo ngungxn {van_id}")
    await app.worker.drain()
    assert "ngừng hoạt động" in van.out[-1]
    assert "ngừng hoạt động nên Cầu Nối không nhận báo cáo" in await van.say("/baocao")
    await boss.say(f"/canbo molai {van_id}")
    await app.worker.drain()
    assert "loại nào" in await van.say("/baocao")

    tam_ky_officer = await member(app, "lan", name="Lê Thị Lan")
    assert tam_ky_officer is not None
    lan_id = await person_id(app, "Lê Thị Lan")
    assert "Không có ai #" in await hai_van_boss.say(f"/canbo ngungxn {lan_id}")  # Tam Kỳ is not theirs
    assert "Không có ai #" in await boss.say(f"/canbo ngungxn {await person_id(app, 'Trần Văn Tỉnh')}")  # oneself
    assert "canbo" not in await mai.say("/canbo") or "vai trò" in mai.out[-1]
    async with app.db.transaction() as session:
        actions = [entry.action for entry in (await session.scalars(select(AuditEntry))).all()
                   if entry.action in ("person.move", "person.deactivate", "person.reactivate", "person.role")]  # fmt: skip
        lan = await session.get(Person, lan_id)
    assert actions == ["person.move", "person.deactivate", "person.reactivate"] and lan.deactivated_at is None  # type: ignore[union-attr]
