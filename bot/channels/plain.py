"""Rendering for channels without buttons (console, Zalo): numbered choices and the words that can be typed."""

from __future__ import annotations

from bot.engine.replies import Reply


def render_plain(reply: Reply) -> str:
    """Title, text, "1. …" lines for choices, then the typing hint; no markup of any kind."""
    parts = []
    if reply.title:
        parts.append(f"【{reply.title}】")
    parts.append(reply.text)
    choices = reply.choices
    if choices:
        parts.append("\n".join(f"{number}. {option.label}" for number, option in enumerate(choices, start=1)))
    if reply.typed_hint and reply.rows:
        parts.append(f"({reply.typed_hint})")
    return "\n".join(part for part in parts if part)
