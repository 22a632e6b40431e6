"""How many actions an activity report takes, and the longest screen on the way, per channel.

    python bench/report_actions.py

Each flow is what an officer does, one action per line (a tap or a typed message), from /baocao (or the first
message) to the confirmation; it is played in-process on a fresh SQLite database, and every screen the bot sent is
measured as each channel shows it: Telegram's text (buttons apart), Zalo's and the console's plain text with the
numbered choices. Channels only translate, so a flow's actions are the same count on each; on Telegram a choice is a
tap, on Zalo the same choice typed as its number.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import App
from bot.channels.console import ConsoleChat
from bot.channels.plain import render_plain
from bot.channels.telegram import html_parts
from bot.config import Settings
from bot.engine.replies import Reply
from tests.golden import Capture
from tests.helpers import invite, seed_units

MESSAGE = "Hôm qua tổ chức giao lưu hữu nghị với đoàn Lào tại nhà văn hóa xã, khoảng 50 người, vận động 5 triệu"
FLOWS = {  # name → (actions, what confirms it was saved)
    "minimal": ["/baocao", "1", "1", "Tuyên truyền Chỉ thị 12", "Hội trường UBND phường", "40", "2", "1"],
    "full": ["/baocao", "3", "2", "Giao lưu hữu nghị với tỉnh Hủa Phăn", "Nhà văn hóa phường", "120", "1",
             "Hai bên trao đổi kinh nghiệm", "Lào", "Tỉnh Hủa Phăn", "30", "15 triệu", "!photo anh.jpg", "xong", "1"],
    "one message": [MESSAGE, "1"],
}  # fmt: skip


async def play(settings: Settings, database_url: str) -> dict[str, tuple[int, dict[str, int], bool]]:
    """flow → (actions, longest screen per channel, saved)."""
    app = App(settings, database_url=database_url)
    capture = Capture()
    app.add_sender(capture)
    results = {}
    try:
        await app.migrate()
        await seed_units(app)
        for number, (name, actions) in enumerate(FLOWS.items()):
            user = f"officer-{number}"
            chat = ConsoleChat(app, user, "Officer")
            for line in (await invite(app), "Đỗ Thị Mai"):
                await chat.send(line)
            start = len(capture.replies.get(user, []))
            for line in actions:
                await chat.send(line)
            replies = capture.replies[user][start:]
            saved = any("Đã lưu" in reply.text for reply in replies)
            results[name] = (len(actions), longest(replies), saved)
    finally:
        await app.close()
    return results


def longest(replies: list[Reply]) -> dict[str, int]:
    """The longest screen and the longest review (a reading screen), as Telegram and as Zalo show them."""
    shown = [reply for reply in replies if reply.commands is None]
    result = {}
    for kind, group in (("screen", [r for r in shown if not r.reading]), ("review", [r for r in shown if r.reading])):
        result[f"telegram {kind}"] = max((len("\n".join(html_parts(r))) for r in group), default=0)
        result[f"zalo {kind}"] = max((len(render_plain(r)) for r in group), default=0)
    return result


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        results = asyncio.run(play(settings, f"sqlite+aiosqlite:///{folder}/actions.sqlite3"))
    for name, (actions, screens, saved) in results.items():
        print(f"{name:12s} actions {actions:2d} · longest screen: Telegram {screens['telegram screen']}, Zalo/console "
              f"{screens['zalo screen']} characters · review: Telegram {screens['telegram review']}, Zalo/console "
              f"{screens['zalo review']} · {'saved' if saved else 'NOT SAVED'}")  # fmt: skip


if __name__ == "__main__":
    main()
