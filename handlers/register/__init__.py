"""The register of overseas Vietnamese (kiều bào) and their relatives: the form, the chat, sheets and imports."""

from __future__ import annotations

from bot.registry import Registry
from handlers.register import api, chat, cli, web_pages


def register(registry: Registry) -> None:
    api.register(registry)
    chat.register(registry)
    cli.register(registry)
    web_pages.register(registry)
