"""A minimal report in at most eight actions (ten on Zalo), one message and a confirm for a report written whole, and
every screen on the way within its limit (bench/report_actions.py prints the figures)."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.config import Settings
from bot.engine.replies import READING_LIMIT, SCREEN_LIMIT

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from report_actions import play


async def test_actions_and_screens_of_a_report(settings: Settings, database_url: str) -> None:
    results = await play(settings, database_url)
    assert all(saved for _, _, saved in results.values()), results
    assert results["minimal"][0] <= 8 and results["one message"][0] <= 2
    for _actions, screens, _saved in results.values():
        assert screens["zalo screen"] <= SCREEN_LIMIT and screens["zalo review"] <= READING_LIMIT, screens
