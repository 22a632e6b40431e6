"""People: joining with an invite, units and invites, and the commands everyone has (help, language, cancel)."""

from __future__ import annotations

from bot.registry import Registry
from handlers.people import cli, common, onboarding


def register(registry: Registry) -> None:
    for module in (onboarding, common, cli):
        module.register(registry)
