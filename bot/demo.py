"""The no-token demo: real units, a ready officer in Phường Tam Kỳ and a supervisor for Thành phố Đà Nẵng, each a
console identity (``/vai`` switches between them in the demo), a published sample plan and two schedules."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from storage import audit, schedules
from storage.models import ChannelIdentity, Conversation, Person
from storage.people import Role
from storage.types import utcnow
from storage.unit_sources import vietnam_units
from storage.units import by_code, upsert_units

DEMO_USER = "demo-officer"
DEMO_UNIT = "20341"  # Phường Tam Kỳ, Thành phố Đà Nẵng (GSO code, 2025 administrative map)
DEMO_NAME = "Nguyễn Thị Demo"
DEMO_PROVINCE = "48"  # Thành phố Đà Nẵng
DEMO_SUPERVISOR = "demo-supervisor"
DEMO_SUPERVISOR_NAME = "Trần Văn Phụ Trách"
DEMO_PEOPLE = ((DEMO_USER, DEMO_NAME, Role.OFFICER, DEMO_UNIT), (DEMO_SUPERVISOR, DEMO_SUPERVISOR_NAME,
                                                                 Role.SUPERVISOR, DEMO_PROVINCE))  # fmt: skip


async def prepare_demo(app: App) -> None:
    """Idempotent: migrates, loads every province and commune, and makes sure the demo people exist."""
    await app.migrate()
    async with app.db.transaction() as session:
        if await by_code(session, DEMO_UNIT) is None:
            await upsert_units(session, vietnam_units())
        if not await schedules.active(session):
            await _demo_schedules(session)
            for add_sample in app.registry.samples:  # each area's sample data (a published plan …), once
                await add_sample(session, utcnow())
        for external_id, name, role, unit_code in DEMO_PEOPLE:
            await _demo_person(app, session, external_id, name, role, unit_code)


async def _demo_person(
    app: App, session: AsyncSession, external_id: str, name: str, role: Role, unit_code: str
) -> None:
    identity = await session.scalar(
        select(ChannelIdentity).where(ChannelIdentity.channel == "console", ChannelIdentity.external_id == external_id)
    )
    if identity is not None and identity.person_id is not None:
        return
    unit = await by_code(session, unit_code)
    assert unit is not None
    person = Person(full_name=name, role=role.value, unit_id=unit.id, language=app.settings.default_language)
    session.add(person)
    await session.flush()
    now = utcnow()
    if identity is None:
        identity = ChannelIdentity(channel="console", external_id=external_id, chat_id=external_id, code_failures=0,
                                   created_at=now, last_seen_at=now)  # fmt: skip
        session.add(identity)
        await session.flush()
        session.add(Conversation(identity_id=identity.id, state={}, screen=0))
    identity.person_id = person.id
    audit.record(session, "demo.prepared", actor_label="caunoi demo", object_type="unit", object_id=unit.code)


async def _demo_schedules(session: AsyncSession) -> None:
    """The two deadlines of Đà Nẵng's (formerly Tam Kỳ's) plan, as if set up at the start of the year."""
    province = await by_code(session, DEMO_PROVINCE)
    assert province is not None
    since = datetime(utcnow().year, 1, 1, tzinfo=UTC)
    common = dict(level="commune", root_unit_id=province.id, plan_ref="Kế hoạch 183-KH/MTTQ-BTT (mẫu)")
    await schedules.save(session, "dnnd-6thang", create=True, now=since, period_type="half", only_periods=[1],
                         name="Báo cáo 6 tháng công tác đối ngoại nhân dân", deadline_day=10, deadline_month=6,
                         **common)  # fmt: skip
    await schedules.save(session, "dnnd-nam", create=True, now=since, period_type="year",
                         name="Báo cáo năm công tác đối ngoại nhân dân", deadline_day=10, deadline_month=11,
                         **common)  # fmt: skip
