"""Retention, enforced on SQLite and PostgreSQL at pinned instants: an unfinished form, a workbook waiting to be
imported, a plan draft and a link code are removed once their time is up — and not a day before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import App
from storage import retention
from storage.models import (
    ChannelIdentity,
    Conversation,
    LinkCode,
    OverseasImport,
    Person,
    Plan,
    Unit,
    WebLink,
    WebSession,
)
from tests.helpers import TAM_KY, seed_units

NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)


async def test_temporary_data_goes_when_its_time_is_up(app: App) -> None:
    await seed_units(app)
    async with app.db.transaction() as session:
        unit = (await session.scalars(select(Unit).where(Unit.code == TAM_KY))).one()
        person = Person(full_name="Đỗ Thị Mai", role="officer", unit_id=unit.id, created_at=NOW)
        session.add(person)
        await session.flush()
        for number, age in enumerate((29, 31)):
            identity = ChannelIdentity(channel="console", external_id=f"u{number}", chat_id=f"u{number}",
                                       person_id=person.id)  # fmt: skip
            session.add(identity)
            await session.flush()
            session.add(Conversation(identity_id=identity.id, flow="activity_report", state={"answers": {"x": 1}},
                                     updated_at=NOW - timedelta(days=age)))  # fmt: skip
        for age, status in ((1, "checked"), (3, "checked"), (0, "imported")):
            session.add(OverseasImport(unit_id=unit.id, person_id=person.id, filename="a.xlsx", sha256="0" * 64,
                                       rows=[{"full_name": "Nguyễn Văn An"}], status=status,
                                       created_at=NOW - timedelta(days=age)))  # fmt: skip
        for age in (29, 31):
            session.add(Plan(title="KH", source_name="a.txt", body="nội dung", structure={"x": 1}, status="draft",
                             created_at=NOW - timedelta(days=age)))  # fmt: skip
        session.add(LinkCode(code_hash="a" * 64, person_id=person.id, created_at=NOW, expires_at=NOW - timedelta(1)))
        session.add(LinkCode(code_hash="b" * 64, person_id=person.id, created_at=NOW, expires_at=NOW + timedelta(1)))
        session.add(WebLink(token_hash="c" * 64, person_id=person.id, created_at=NOW, expires_at=NOW - timedelta(1)))
        session.add(WebLink(token_hash="d" * 64, person_id=person.id, created_at=NOW, expires_at=NOW + timedelta(1)))
        for key, ended in (("e", 31), ("f", 29)):  # web sessions that ended 31 and 29 days ago
            at = NOW - timedelta(days=ended)
            session.add(WebSession(token_hash=key * 64, person_id=person.id, csrf="x", created_at=at, last_seen_at=at,
                                   expires_at=at + timedelta(hours=12)))  # fmt: skip
    async with app.db.transaction() as session:
        swept = await retention.sweep(session, NOW)
    assert (swept.drafts, swept.imports, swept.plans, swept.link_codes) == (1, 2, 1, 3)
    async with app.db.transaction() as session:
        assert [s.token_hash[0] for s in (await session.scalars(select(WebSession))).all()] == ["f"]
        assert [s.token_hash[0] for s in (await session.scalars(select(WebLink))).all()] == ["d"]
    async with app.db.transaction() as session:
        drafts = sorted(bool(c.flow) for c in (await session.scalars(select(Conversation))).all())
        imports = [(i.status, len(i.rows)) for i in (await session.scalars(select(OverseasImport)
                                                                          .order_by(OverseasImport.id))).all()]  # fmt: skip
        plans = [(p.status, p.body) for p in (await session.scalars(select(Plan).order_by(Plan.id))).all()]
        codes = [c.code_hash[0] for c in (await session.scalars(select(LinkCode))).all()]
    assert drafts == [False, True] and imports == [("checked", 1), ("expired", 0), ("imported", 0)]
    assert plans == [("draft", "nội dung"), ("discarded", "")] and codes == ["b"]
    async with app.db.transaction() as session:
        assert (await retention.sweep(session, NOW)).total() == 0  # a second pass finds nothing
