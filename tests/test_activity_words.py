"""*Hoạt động*'s word filter through its index: reports written and corrected through the product's own paths, then
every search compared with a plain statement of what the words mean — each typed word, folded, begins a word of the
report's folded title, place, partner or description — on both paths (a rare word leading through the index, and
common words matched on the reports in date order); the index holds exactly the live reports' words and dates."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from bot.app import App
from bot.config import Settings
from storage import activities, activity_words
from storage.migrate import upgrade
from storage.models import ActivityReport, ActivityWord, Person
from storage.text import fold, words
from storage.units import by_code
from tests.helpers import TAM_KY, raw_commune_and_officer, seed_units
from tests.web_client import Console, token_in

VOCABULARY = ["Tuyên truyền", "biển đảo", "Biên giới", "giao lưu", "hữu nghị", "Lào", "Điện Biên", "kiều bào",
              "Tết", "nhà văn hóa", "TỪ THIỆN", "12345", "123456", "Sơn-La", "(Việt–Lào)", "đoàn", "Đoàn thanh niên",
              "l'amitié", "Хабаровск", "老挝", "co-op"]  # fmt: skip
NOW = datetime(2026, 5, 2, 9, tzinfo=UTC)
TEXTS = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=4).map(" ".join)
REPORTS = st.lists(st.tuples(TEXTS, st.none() | TEXTS, st.none() | TEXTS, st.integers(0, 60), st.booleans()),
                   min_size=1, max_size=12)  # fmt: skip


def typed_for(text: str, rng: random.Random) -> str:
    """What an officer types for something they remember: some of its words, without diacritics or in capitals,
    sometimes cut short."""
    found = words(text) or ["x"]
    chosen = rng.sample(found, k=min(len(found), rng.randint(1, 2)))
    pieces = [word[: rng.randint(1, len(word))] if rng.random() < 0.4 else word for word in chosen]
    return " ".join(piece.upper() if rng.random() < 0.3 else piece for piece in pieces)


def expected(texts: dict[int, str], typed: str) -> set[int]:
    wanted = words(typed)
    return {report_id for report_id, body in texts.items()
            if wanted and all(any(word.startswith(w) for word in words(body)) for w in wanted)}  # fmt: skip


class Undo(Exception):
    """Raised to roll an example's reports back."""


@pytest.mark.parametrize("lead_at_most", [10_000, 1])  # a word leads through the index; no word leads
async def test_a_search_finds_exactly_what_the_words_mean(app: App, monkeypatch: pytest.MonkeyPatch,
                                                          lead_at_most: int) -> None:  # fmt: skip
    monkeypatch.setattr(activity_words, "LEAD_AT_MOST", lead_at_most)
    await seed_units(app)
    async with app.db.transaction() as session:
        unit = await by_code(session, TAM_KY)
        assert unit is not None
        person = Person(full_name="Cán bộ", role="officer", unit_id=unit.id, language="vi")
        session.add(person)
        await session.flush()
        ids = (unit.id, person.id)
    examples: list[tuple[list[tuple[str, str | None, str | None, int, bool]], int]] = []

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None,
              derandomize=True)  # fmt: skip
    @given(reports=REPORTS, seed=st.integers(0, 2**16))
    def draw(reports: list[tuple[str, str | None, str | None, int, bool]], seed: int) -> None:
        examples.append((reports, seed))

    draw()
    found_some = 0
    for reports, seed in examples:
        rng = random.Random(seed)
        try:
            async with app.db.transaction() as session:
                texts = await _write(session, reports, ids)
                held = set(await session.execute(select(ActivityWord.activity_id, ActivityWord.word,
                                                        ActivityWord.activity_date)))  # fmt: skip
                dates = dict((await session.execute(select(ActivityReport.id, ActivityReport.activity_date))).all())
                assert held == {(report_id, word, dates[report_id]) for report_id, body in texts.items()
                                for word in set(words(body))}  # corrected reports left nothing behind  # fmt: skip
                queries = [typed_for(rng.choice(list(texts.values())), rng) for _ in range(5)] + ["bien", "12345",
                                                                                                 "...", "zzz"]  # fmt: skip
                for typed in queries:
                    conditions = await activity_words.matching(session, typed)
                    got = set((await session.scalars(select(ActivityReport.id).where(*conditions))).all()) \
                        if conditions else set()  # fmt: skip
                    assert got == expected(texts, typed), (typed, texts)
                    found_some += bool(got)
                raise Undo
        except Undo:
            pass
    assert found_some > len(examples)  # the drawn words mostly do find reports: not a comparison of empties


async def _write(session, reports, ids: tuple[int, int]) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """Saves each report through ``save_report``; some are then corrected (new title, place and date) through
    ``correct_report``. Returns each report's text as it stands."""
    unit_id, reporter_id = ids
    texts = {}
    for number, (title, place, description, days, corrected) in enumerate(reports):
        answers = {"kind": "tuyen_truyen", "activity_date": (date(2026, 3, 1) + timedelta(days=days)).isoformat(),
                   "title": title, "place": place, "description": description, "participants": 10}  # fmt: skip
        report, _ = await activities.save_report(session, draft_key=f"k{number}", unit_id=unit_id,
                                                 reporter_id=reporter_id, answers=answers, form_name="activity",
                                                 form_version=1, now=NOW)  # fmt: skip
        if corrected:
            answers = {**activities.answers_of(report), "title": f"Giao lưu {title}", "place": None,
                       "activity_date": (date(2026, 5, 1) + timedelta(days=days)).isoformat()}  # fmt: skip
            await activities.correct_report(session, report, answers, actor_id=reporter_id, now=NOW)
            place = None
            title = f"Giao lưu {title}"
        texts[report.id] = " ".join(filter(None, (title, place, description)))
    return texts


async def test_the_migration_indexes_the_reports_already_there(settings: Settings, database_url: str) -> None:
    application = App(settings, database_url=database_url)
    await upgrade(application.db, "0019")
    async with application.db.transaction() as session:
        at = await raw_commune_and_officer(session)
        await session.execute(
            text("INSERT INTO activity_reports (id, draft_key, unit_id, reporter_id, kind_code, activity_date, title, "
                 "place, participants, form_name, form_version, created_at) VALUES (7, 'k', 1, 1, 'tuyen_truyen', "
                 f":day, 'Tuyên truyền biển đảo', 'Nhà văn hóa', 30, 'activity', 1, {at})"),
            {"day": date(2026, 2, 3)},
        )  # fmt: skip
    await application.migrate()
    async with application.db.transaction() as session:
        held = set(
            await session.execute(select(ActivityWord.word, ActivityWord.activity_date, ActivityWord.activity_id))
        )
        assert held == {(w, date(2026, 2, 3), 7) for w in ("tuyen", "truyen", "bien", "dao", "nha", "van", "hoa")}
        report = await session.get(ActivityReport, 7)
        assert report is not None and report.search_words == " tuyen truyen bien dao nha van hoa"
        conditions = await activity_words.matching(session, "BIEN dao")
        assert (await session.scalars(select(ActivityReport.id).where(*conditions))).all() == [7]
    await application.close()


async def test_the_page_finds_words_typed_as_on_a_phone(reporting) -> None:  # type: ignore[no-untyped-def]
    app, _clock, people = reporting
    async with Console(app) as city:
        assert await city.sign_in(token_in(await people["tinh"].say("/web"))) == 303
        _, page, _ = await city.request("GET", "/web/hoatdong?q=CHI+THI+12")  # "Tuyên truyền Chỉ thị 12", twice
        assert page.count("Tuyên truyền Chỉ thị 12") == 2
        _, page, _ = await city.request("GET", "/web/hoatdong?q=thi+13")
        assert "Tuyên truyền Chỉ thị 12" not in page
        _, page, _ = await city.request("GET", "/web/hoatdong?q=%25%25%25")  # punctuation only: no word filter
        assert page.count("Tuyên truyền Chỉ thị 12") == 2
    assert fold("Chỉ thị") == "chi thi"
