"""Golden transcripts: a scenario file of typed lines per person, played on the real pipeline at a frozen clock, and
everything the bot answered written out whole — as the console, Telegram and Zalo would show it — with the records
it stored. Compared exactly; ``pytest --update-golden`` writes them anew (then read the diff before committing).

Scenario files (``tests/golden/scenarios/NAME.txt``):
    @at 2026-12-02T09:30:00+07:00        the frozen instant (each line moves it on by one second)
    @person mai officer 20341 Đỗ Thị Mai  someone who joins with an invite code (joining is part of the transcript)
    @schedule month 48                    a monthly report for the communes under unit 48, due 7 days after
    @stored activity_reports: kind_code, title, …   rows of a table to write out at the end (columns named)
    mai> /baocao                          a line typed by mai (``<code>`` is mai's invite code)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.channels.console import CHANNEL, ConsoleChat
from bot.channels.plain import render_plain
from bot.channels.telegram import html_parts, keyboard
from bot.channels.zalo import MAX_TEXT as ZALO_MAX_TEXT
from bot.config import Settings
from bot.engine.replies import Reply
from bot.pacing import Pace
from storage import schedules
from storage.models import Base
from storage.people import Role, create_invite
from storage.text import split_lines
from storage.types import start_clock_at
from storage.unit_sources import vietnam_units
from storage.units import by_code, upsert_units

GOLDEN = Path(__file__).with_name("golden")
CHANNELS = ("console", "telegram", "zalo")
PERIOD_NAMES = {"month": "tháng", "quarter": "quý", "half": "6 tháng", "year": "năm"}


@dataclass
class Scenario:
    name: str
    at: datetime
    people: dict[str, tuple[Role, str, str]] = field(default_factory=dict)  # who → role, unit code, full name
    schedules: list[tuple[str, str]] = field(default_factory=list)  # (period type, unit code)
    stored: list[tuple[str, list[str]]] = field(default_factory=list)
    lines: list[tuple[str, str]] = field(default_factory=list)  # (who, typed)

    @classmethod
    def read(cls, path: Path) -> Scenario:
        scenario = cls(path.stem, datetime.fromisoformat("2026-12-02T09:30:00+07:00"))
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            line = raw.rstrip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("@at "):
                scenario.at = datetime.fromisoformat(line[4:].strip())
            elif line.startswith("@person "):
                who, role, unit, name = line[8:].split(" ", 3)
                scenario.people[who] = (Role(role), unit, name)
            elif line.startswith("@schedule "):
                period_type, unit = line[10:].split()
                scenario.schedules.append((period_type, unit))
            elif line.startswith("@stored "):
                table, _, columns = line[8:].partition(":")
                scenario.stored.append((table.strip(), [c.strip() for c in columns.split(",") if c.strip()]))
            elif (match := re.match(r"^([a-z0-9_]+)> ?(.*)$", line)) and match.group(1) in scenario.people:
                scenario.lines.append((match.group(1), match.group(2)))
            else:
                raise ValueError(f"{path.name}:{number}: not a scenario line: {line!r}")
        return scenario


class FrozenClock:
    def __init__(self, at: datetime) -> None:
        self.now = at

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Capture:
    """A console sender that keeps the replies themselves, so each channel's rendering can be written out."""

    replies: dict[str, list[Reply]] = field(default_factory=dict)
    channel: str = CHANNEL
    pace: Pace = field(default_factory=lambda: Pace(10_000, 10_000, 10_000))

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.replies.setdefault(chat_id, []).append(reply)


def render(channel: str, reply: Reply) -> str:
    """What the person would see on ``channel``: text as sent (Telegram HTML), buttons with their callback data."""
    if reply.commands is not None:
        return "⌘ " + " ".join(f"/{name}" for name, _ in reply.commands)
    if channel == "telegram":
        shown = "\n—\n".join(html_parts(reply))
        markup = keyboard(reply)
        if markup is not None:
            shown += "\n" + "\n".join(" | ".join(f"[{b.text} ⇒ {b.callback_data}]" for b in row)
                                      for row in markup.inline_keyboard)  # fmt: skip
    else:
        shown = render_plain(reply)
        if channel == "zalo":
            shown = "\n—\n".join(split_lines(shown, ZALO_MAX_TEXT))
    if reply.document is not None:
        shown += f"\n📎 {reply.document.filename} ({reply.document.caption})"
    return shown


async def play(scenario: Scenario, settings: Settings, database_url: str) -> tuple[dict[str, str], list[Reply]]:
    """The scenario on a fresh database; returns each channel's transcript and the stored rows, as file texts, and
    every reply sent (for the checks that hold on any screen)."""
    clock = FrozenClock(scenario.at)
    start_clock_at(
        scenario.at
    )  # the process clock too (stored timestamps, invites): the pinned_clock fixture resets it
    app = App(settings, database_url=database_url, clock=clock)
    capture = Capture()
    app.add_sender(capture)
    try:
        await app.migrate()
        codes = await _set_up(app, scenario, clock.now)
        chats = {who: ConsoleChat(app, who, name) for who, (_role, _unit, name) in scenario.people.items()}
        turns: list[tuple[str, str, list[Reply]]] = []
        for who, typed in scenario.lines:
            clock.now += timedelta(seconds=1)
            before = {chat: len(replies) for chat, replies in capture.replies.items()}
            await chats[who].send(typed.replace("<code>", codes[who]))
            answered = [(chat, replies[before.get(chat, 0) :]) for chat, replies in capture.replies.items()]
            turns.append((who, typed, [r for chat, replies in answered if chat == who for r in replies]))
            for chat, replies in answered:  # what others received because of this line (notices, receipts)
                if chat != who and replies:
                    turns.append((chat, "", replies))
        files = {channel: _transcript(scenario, channel, turns) for channel in CHANNELS}
        files["stored"] = await _stored(app, scenario)
        return files, [reply for _, _, replies in turns for reply in replies]
    finally:
        await app.close()


async def _set_up(app: App, scenario: Scenario, now: datetime) -> dict[str, str]:
    codes = {}
    async with app.db.transaction() as session:
        await upsert_units(session, vietnam_units("Đà Nẵng"))
        for number, (period_type, unit_code) in enumerate(scenario.schedules, start=1):
            root = await by_code(session, unit_code)
            assert root is not None
            await schedules.save(session, f"lich-{number}", create=True, now=now - timedelta(days=400),
                                 name=f"Báo cáo {PERIOD_NAMES[period_type]}", period_type=period_type, level="commune",
                                 root_unit_id=root.id, deadline_days_after=7, remind_before=[3],
                                 remind_after=[1])  # fmt: skip
        for who, (role, unit_code, _name) in scenario.people.items():
            unit = await by_code(session, unit_code)
            assert unit is not None
            codes[who] = (await create_invite(session, unit, role, now, timedelta(days=7))).code
    return codes


def _transcript(scenario: Scenario, channel: str, turns: list[tuple[str, str, list[Reply]]]) -> str:
    out = [f"# {scenario.name} on {channel}, at {scenario.at.isoformat()} (tests/golden.py writes this file)"]
    for who, typed, replies in turns:
        out.append(f"\n{who}> {typed}" if typed else f"\n({who} receives)")
        for reply in replies:
            if reply.commands is None or channel == "telegram":  # a command menu exists on Telegram only
                out.append("  " + render(channel, reply).replace("\n", "\n  "))
    return "\n".join(out) + "\n"


async def _stored(app: App, scenario: Scenario) -> str:
    result: dict[str, list[dict[str, Any]]] = {}
    async with app.db.transaction() as session:
        for name, columns in scenario.stored:
            table = Base.metadata.tables[name]  # typed columns: booleans and JSON read the same on both databases
            rows = await session.execute(select(*(table.c[column] for column in columns)).order_by(table.c.id))
            result[name] = [{column: _plain(value) for column, value in zip(columns, row, strict=True)} for row in rows]
    return json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _plain(value: Any) -> Any:
    """Dates as ISO text, for JSON."""
    return value.isoformat() if isinstance(value, datetime | date) else value
