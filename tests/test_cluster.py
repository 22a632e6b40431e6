"""Several workers on one PostgreSQL database: only one sends the outbox — a second `caunoi run` that would send too
refuses to start and says why, one started with CAUNOI_DELIVERY=false takes updates beside it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import App
from tests.conftest import DATABASES
from tests.fake_telegram import FakeTelegram
from tests.helpers import BotProcess, seed_units
from tests.test_telegram_e2e import bot_env


@pytest.mark.process
@pytest.mark.parametrize("database_url", [DATABASES[1]], indirect=True)  # the rule is PostgreSQL's: one process
async def test_a_second_sender_refuses_to_start(app: App, telegram: FakeTelegram, database_url: str,
                                                tmp_path: Path) -> None:  # fmt: skip
    await seed_units(app)
    first = BotProcess(bot_env(telegram, database_url, tmp_path / "a"), tmp_path)
    second = BotProcess(bot_env(telegram, database_url, tmp_path / "b"), tmp_path / "b")
    receiver = BotProcess(bot_env(telegram, database_url, tmp_path / "c", CAUNOI_DELIVERY="false"), tmp_path / "c")
    for folder in ("b", "c"):
        (tmp_path / folder).mkdir(exist_ok=True)
    await first.start()
    try:
        await telegram.wait_until(lambda: any(call[0] == "getUpdates" for call in telegram.calls), timeout=60)
        await second.start()
        assert await second.process.wait() != 0  # type: ignore[union-attr]
        assert "already delivers messages from this database" in second.log.read_text()
        await receiver.start()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(receiver.process.wait(), 3)  # type: ignore[union-attr]  # runs: it takes updates
    finally:
        await receiver.stop()
        await first.stop()
