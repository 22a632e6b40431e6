"""Plans and directives: reading them, publishing each level's part, and following the tasks they set to done."""

from __future__ import annotations

from bot.registry import Registry
from handlers.plans import api, chat, cli, tasks, web_pages


def register(registry: Registry) -> None:
    chat.register(registry)
    cli.register(registry)
    tasks.register(registry)
    api.register(registry)
    web_pages.register(registry)
