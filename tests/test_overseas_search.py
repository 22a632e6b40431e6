"""The register's search against a plain statement of what it means, on SQLite and PostgreSQL: for names drawn by
hypothesis (diacritics, capitals, hyphens, brackets, other scripts) and what an officer might type for them, the
records found are exactly those whose name — or whose relative's name — has a word beginning with each typed
word, within the person's units, never an erased record. The word index is kept through create, import, edit and
erasure, and the migration that brings it fills it for the records already there."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from bot.app import App
from bot.config import Settings
from storage import overseas
from storage.crypto import Cipher, new_key
from storage.migrate import upgrade
from storage.models import OverseasRecord, OverseasWord, Unit
from storage.text import name_key, words
from storage.types import utcnow
from storage.units import Scope, by_code
from tests.helpers import DA_NANG, HAI_VAN, TAM_KY, member, seed_units

SYLLABLES = [
    "Nguyễn", "Văn", "An", "Ân", "Anh", "Lan", "Lân", "Đức", "Thị", "Hoa", "Hòa", "Lê", "Trần", "Út", "Ngọc",
    "Thanh", "Thành", "Jean-Pierre", "O'Brien", "(Bé)", "Mary-Anne", "李", "Иван", "ĐẶNG", "an", "lan",
]  # fmt: skip
COUNTRIES = ["US", "JP", "FR"]
ACTOR = overseas.Actor(None, "test")


@dataclass
class Person:
    full_name: str
    relative_name: str | None
    country: str
    commune: int  # which of the two communes
    erased: bool
    imported: bool


NAMES = st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=4).map(" ".join)
PEOPLE = st.lists(
    st.builds(Person, NAMES, st.none() | NAMES, st.sampled_from(COUNTRIES), st.integers(0, 1), st.booleans(),
              st.booleans()),
    min_size=1, max_size=10,
)  # fmt: skip


def typed_for(people: list[Person], rng: random.Random) -> str:
    """What someone might type for one of the names: some of its words, cut short, in any case, accents or not."""
    person = rng.choice(people)
    source = person.relative_name if person.relative_name and rng.random() < 0.3 else person.full_name
    chosen = [w for w in source.split() if rng.random() < 0.7] or source.split()[:1]
    cut = [w[: rng.randint(1, len(w))] for w in chosen]
    shaped = [w.upper() if rng.random() < 0.2 else (name_key(w) if rng.random() < 0.5 else w) for w in cut]
    return "  ".join(shaped) if rng.random() < 0.2 else " ".join(shaped)


QUERIES = st.one_of(
    st.text(max_size=20),
    NAMES,
    st.lists(st.sampled_from(["a", "an", "n", "ng", "th", "lan", "van", "d", "đ", "-", "(", "'", "%", "_"]),
             min_size=1, max_size=3).map(" ".join),
)  # fmt: skip


def expected(people: list[Person], typed: str, country: str | None, communes: set[int] | None) -> set[int]:
    """The meaning, in plain Python: the indexes of the people a search must find."""
    wanted = list(dict.fromkeys(words(typed)))[: overseas.SEARCH_WORDS]

    def matches(name: str | None) -> bool:
        own = words(name or "")
        return bool(wanted) and all(any(word.startswith(typed_word) for word in own) for typed_word in wanted)

    return {
        index
        for index, person in enumerate(people)
        if not person.erased
        and (communes is None or person.commune in communes)
        and (matches(person.full_name) or matches(person.relative_name) or (country and person.country == country))
    }


class Undo(Exception):
    """Raised to roll an example's records back."""


async def test_search_finds_exactly_what_the_words_mean(app: App) -> None:
    await seed_units(app)
    cipher = Cipher(new_key())
    async with app.db.transaction() as session:
        city = (await by_code(session, DA_NANG)).id  # type: ignore[union-attr]
        communes = [(await by_code(session, code)).id for code in (HAI_VAN, TAM_KY)]  # type: ignore[union-attr]

    examples: list[tuple[list[Person], list[str], str | None]] = []

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(people=PEOPLE, queries=st.lists(QUERIES, max_size=3), seed=st.integers(0, 2**16),
           country=st.none() | st.sampled_from(COUNTRIES))  # fmt: skip
    def draw(people: list[Person], queries: list[str], seed: int, country: str | None) -> None:
        rng = random.Random(seed)
        examples.append((people, [*queries, *(typed_for(people, rng) for _ in range(4))], country))

    draw()
    found_some = 0
    for people, queries, country in examples:
        try:
            async with app.db.transaction() as session:
                ids = await _store(session, people, communes, cipher)
                index_of = {record_id: index for index, record_id in enumerate(ids)}
                held = set(await session.execute(select(OverseasWord.record_id, OverseasWord.part, OverseasWord.word)))
                assert held == {(record_id, part, word) for record_id, person in zip(ids, people, strict=True)
                                if not person.erased
                                for part, name in (("n", person.full_name), ("r", person.relative_name))
                                for word in words(name or "")}  # the renamed and erased left nothing behind  # fmt: skip
                for typed in queries:
                    for scope, within in ((Scope(city, subtree=True), None), (Scope(communes[1]), {1})):
                        found, total = await overseas.search(session, scope, typed, country, limit=1000)
                        want = expected(people, typed, country, within)
                        assert {index_of[line.id] for line in found} == want, (typed, country, people)
                        assert total == len(want)
                        found_some += bool(want)
                        first, total_again = await overseas.search(session, scope, typed, country, limit=2)
                        assert total_again == total and len(first) == min(2, total)
                        assert [line.id for line in first] == [line.id for line in found[:2]]  # name order, paged
                raise Undo
        except Undo:
            pass
    assert found_some > len(examples)  # the drawn words mostly do find someone: the comparison is not of empties


async def _store(session, people: list[Person], communes: list[int], cipher: Cipher) -> list[int]:  # type: ignore[no-untyped-def]
    """Writes the people through the register's own paths: the chat's create (then edit or erasure) and the
    spreadsheet import's bulk insert."""
    ids: list[int] = []
    now = utcnow()
    for person in people:
        values = {"full_name": person.full_name, "relative_name": person.relative_name, "country": person.country}
        unit = communes[person.commune]
        if person.imported and not person.erased:
            before = set((await session.scalars(select(OverseasRecord.id))).all())
            added = await overseas.create_many(session, unit_id=unit, rows=[values], cipher=cipher, actor=ACTOR,
                                               now=now)  # fmt: skip
            if added:
                (new,) = set((await session.scalars(select(OverseasRecord.id))).all()) - before
                ids.append(new)
                continue
            person.erased = True  # the same (name, year, country) in that unit: an import skips it, as it should
            ids.append(-len(ids) - 1)
            continue
        record, _ = await overseas.create(session, unit_id=unit, values={**values, "full_name": "Tạm Thời"},
                                          cipher=cipher, actor=ACTOR, now=now)  # fmt: skip
        await overseas.update(session, record, values, cipher=cipher, actor=ACTOR, now=now)  # renamed: re-indexed
        if person.erased:
            await overseas.erase(session, record, now)
        ids.append(record.id)
    return ids


async def test_a_common_name_is_counted_up_to_a_limit_then_more_than(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting stops past ``COUNTED`` (a province's "nguyen" would otherwise be counted in full each time); the
    person reads "more than", and the first in name order are still the ones shown."""
    monkeypatch.setattr(overseas, "COUNTED", 3)
    await seed_units(app)
    chat = await member(app, "mai")
    async with app.db.transaction() as session:
        unit = (await by_code(session, TAM_KY)).id  # type: ignore[union-attr]
        for given_name in ("Út", "Tư", "Ba", "Bảy", "Hai"):
            await overseas.create(session, unit_id=unit, values={"full_name": f"Nguyễn Văn {given_name}"},
                                  cipher=app.cipher, actor=ACTOR, now=utcnow())  # fmt: skip
        found, total = await overseas.search(session, Scope(unit), "nguyen", limit=2)
    assert total == 4 and [line.full_name for line in found] == ["Nguyễn Văn Ba", "Nguyễn Văn Bảy"]
    reply = await chat.say("/kieubao tim nguyen van")
    assert "Có hơn 3 hồ sơ khớp với “nguyen van”" in reply and "Nguyễn Văn Ba" in reply
    assert "Có 1 hồ sơ khớp" in await chat.say("/kieubao tim nguyen van tu")


async def test_the_migration_indexes_the_records_already_there(settings: Settings, database_url: str) -> None:
    application = App(settings, database_url=database_url)
    await upgrade(application.db, "0016")
    async with application.db.transaction() as session:
        at = "'2026-01-01 00:00:00'"
        await session.execute(text(f"INSERT INTO units (id, code, name, level, created_at, updated_at) "
                                   f"VALUES (1, 'X', 'Xã X', 'commune', {at}, {at})"))  # fmt: skip
        for record_id, name, relative in ((1, "nguyễn văn an", "lê thị lan"), (2, "o'brien", None)):
            await session.execute(
                text("INSERT INTO overseas_records (id, unit_id, full_name, name_key, relative_name, relative_key, "
                     "status, source, created_at, updated_at) VALUES (:id, 1, :name, :key, :rel, :rkey, 'abroad', "
                     "'chat', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"),
                {"id": record_id, "name": name, "key": name_key(name), "rel": relative,
                 "rkey": name_key(relative) if relative else None},
            )  # fmt: skip
    await application.migrate()
    async with application.db.transaction() as session:
        indexed = set(await session.execute(select(OverseasWord.record_id, OverseasWord.part, OverseasWord.word,
                                                   OverseasWord.words)))  # fmt: skip
        name, relative = " nguyen van an", " le thi lan"
        assert indexed == {(1, "n", "nguyen", name), (1, "n", "van", name), (1, "n", "an", name),
                           (1, "r", "le", relative), (1, "r", "thi", relative), (1, "r", "lan", relative),
                           (2, "n", "o", " o brien"), (2, "n", "brien", " o brien")}  # fmt: skip
        found, total = await overseas.search(session, Scope.everything(), "brien")
        assert total == 1 and found[0].id == 2
        assert await session.scalar(select(Unit.code)) == "X"
    await application.close()
