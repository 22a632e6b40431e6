"""Plans and directives: reading them, publishing each level's part, and the deadlines they set."""

from __future__ import annotations

from bot.registry import Registry
from handlers.plans import chat, cli


def register(registry: Registry) -> None:
    chat.register(registry)
    cli.register(registry)
