"""Rendering for Telegram: escaping, splitting at 4096, callback data within 64 bytes; and plain rendering."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.channels.plain import render_plain
from bot.channels.telegram import MAX_TEXT, html_parts, keyboard, split_text
from bot.engine.replies import Option, Reply
from tests.fake_telegram import visible_text


@given(st.text(min_size=1, max_size=12000))
def test_parts_are_valid_html_within_the_limit(text: str) -> None:
    for part in html_parts(Reply(text=text, title="Tiêu đề <x>")):
        assert len(visible_text(part, "HTML")) <= MAX_TEXT


def test_split_prefers_line_breaks() -> None:
    lines = [f"{i:05d} " + "x" * 90 for i in range(100)]
    parts = split_text("\n".join(lines))
    assert len(parts) == 3 and all(part.split("\n")[0].startswith(("0", "")) for part in parts)
    assert "\n".join(parts).replace("\n", "") == "".join(lines)


def test_keyboard_callback_data_is_short() -> None:
    reply = Reply("q", rows=((Option("o10", "Mười"),), (Option("m:trogiup", "Help"),)), screen=123456789)
    markup = keyboard(reply)
    assert markup is not None
    assert all(len(b.callback_data.encode()) <= 64 for row in markup.inline_keyboard for b in row)


def test_plain_rendering_numbers_choices_and_lists_words() -> None:
    reply = Reply("Chọn?", title="Báo cáo", rows=((Option("o0", "Một"),), (Option("o1", "Hai"), Option("cancel", "Hủy", nav=True))),
                  typed_hint="gõ số")  # fmt: skip
    text = render_plain(reply)
    assert "1. Một" in text and "2. Hai" in text and "Hủy" not in text and "(gõ số)" in text
    assert "<" not in text
