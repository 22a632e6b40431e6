"""The summary's figures from one grouped pass equal what reading every activity gives: each unit's sums, each kind's
count and the eight largest activities (ties by id), for a province, a commune and a period with few activities."""

from __future__ import annotations

import random
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from bot.app import App
from handlers.reports.summary_figures import NOTABLE, Summary, compile_summary
from storage.models import ActivityReport, Person, Unit
from storage.periods import Period
from storage.units import by_code, subtree_ids
from tests.helpers import DA_NANG, HAI_VAN, TAM_KY, seed_units

KINDS = ["tuyen_truyen", "giao_luu_huu_nghi", "bien_gioi", "kieu_bao"]
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize("rows", [5, 400])  # fewer activities than NOTABLE groups, and many with tied counts
async def test_one_pass_figures_match_reading_every_activity(app: App, rows: int) -> None:
    await seed_units(app)
    rng = random.Random(rows)
    async with app.db.transaction() as session:
        communes = [unit for code in (TAM_KY, HAI_VAN) if (unit := await by_code(session, code)) is not None]
        person = Person(full_name="Cán bộ", role="officer", unit_id=communes[0].id, language="vi")
        session.add(person)
        await session.flush()
        await session.execute(insert(ActivityReport), [
            {"draft_key": f"k{i}", "unit_id": rng.choice(communes).id, "reporter_id": person.id,
             "kind_code": rng.choice(KINDS), "activity_date": date(2026, 1, 1) + timedelta(days=rng.randrange(200)),
             "title": f"Hoạt động {i}", "place": "Nhà văn hóa", "participants": rng.choice([10, 50, 50, 120, 300]),
             "foreign_participants": rng.choice([None, 0, 4]), "money_vnd": rng.choice([None, 0, 5_000_000]),
             "form_name": "activity", "form_version": 1, "created_at": app.clock()}
            for i in range(rows)
        ])  # fmt: skip
    period = Period("half", 2026, 1)
    for code in (DA_NANG, TAM_KY):
        async with app.db.transaction() as session:
            root = await by_code(session, code)
            assert root is not None
            summary = await compile_summary(session, root, period, date(2026, 12, 31), ZONE)
            inside = await subtree_ids(session, root.id)
            every = [a for a in (await session.scalars(select(ActivityReport))).all()
                     if a.unit_id in inside and period.start <= a.activity_date <= period.end]  # fmt: skip
            names = {unit.id: unit.name for unit in (await session.scalars(select(Unit))).all()}
        assert_unit_sums(summary, every, inside)
        assert summary.by_kind == {kind: n for kind in KINDS if (n := sum(a.kind_code == kind for a in every))}
        largest = sorted(every, key=lambda a: (-a.participants, a.id))[:NOTABLE]
        assert [(n.title, n.participants, n.unit) for n in summary.notable] == [
            (a.title, a.participants, names[a.unit_id]) for a in largest
        ]


def assert_unit_sums(summary: Summary, every: list[ActivityReport], inside: list[int]) -> None:
    """Each unit's figures are the sums of its activities among ``every``."""
    units = {unit.unit_id: unit for unit in summary.units}
    for unit_id in inside:
        mine = [a for a in every if a.unit_id == unit_id]
        figures = units[unit_id]
        assert (figures.activities, figures.participants, figures.foreign_participants, figures.money_vnd) == (
            len(mine), sum(a.participants for a in mine), sum(a.foreign_participants or 0 for a in mine),
            sum(a.money_vnd or 0 for a in mine))  # fmt: skip
