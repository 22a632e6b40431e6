"""Announcements: messages to an audience, with "Đã nhận" receipts and re-sending to those who have not."""

from __future__ import annotations

from bot.registry import Registry
from handlers.announcements import chat, cli, web_pages


def register(registry: Registry) -> None:
    chat.register(registry)
    cli.register(registry)
    web_pages.register(registry)
