"""Every form and screen family as a whole transcript (console, Telegram, Zalo) and the records it stored, compared
exactly with ``tests/golden/``; on SQLite and PostgreSQL alike. ``pytest --update-golden`` writes them anew."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.channels.plain import render_plain
from bot.config import Settings
from bot.engine.replies import READING_LIMIT, SCREEN_LIMIT
from tests.golden import GOLDEN, Scenario, play

SCENARIOS = sorted((GOLDEN / "scenarios").glob("*.txt"))
CODES = re.compile(r"\b(commune|province|district|officer|supervisor|admin|submitted|returned|approved)\b")


@pytest.mark.parametrize("path", SCENARIOS, ids=[path.stem for path in SCENARIOS])
async def test_golden_transcript(
    path: Path, settings: Settings, database_url: str, request: pytest.FixtureRequest
) -> None:
    files, replies = await play(Scenario.read(path), settings, database_url)
    for reply in replies:  # every screen short, in today's words, no code reaching a person
        shown = render_plain(reply)
        limit = READING_LIMIT if reply.reading else SCREEN_LIMIT
        assert reply.commands is not None or len(shown) <= limit, f"{len(shown)} > {limit} characters:\n{shown}"
        if re.search("[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđ]", shown):  # a Vietnamese screen
            assert not CODES.search(shown), shown
    update = request.config.getoption("--update-golden")
    mismatched = []
    for kind, text in files.items():
        golden = GOLDEN / f"{path.stem}.{kind}.{'json' if kind == 'stored' else 'txt'}"
        if update and "sqlite" in request.node.callspec.id:
            golden.write_text(text, encoding="utf-8")
        elif not golden.exists() or golden.read_text(encoding="utf-8") != text:
            mismatched.append(golden.name)
            (Path(request.config.rootpath) / ".golden-actual").mkdir(exist_ok=True)
            (Path(request.config.rootpath) / ".golden-actual" / golden.name).write_text(text, encoding="utf-8")
    assert not mismatched, (
        f"differs from the golden file(s) {mismatched}: see .golden-actual/ (diff -u tests/golden/F .golden-actual/F),"
        " and run 'pytest --update-golden' if the change is meant"
    )


def test_every_scenario_has_its_golden_files() -> None:
    expected = {
        f"{p.stem}.{kind}" for p in SCENARIOS for kind in ("console.txt", "telegram.txt", "zalo.txt", "stored.json")
    }
    present = {p.name for p in GOLDEN.glob("*.*")}
    assert expected <= present and present - expected == set(), (expected - present, present - expected)
