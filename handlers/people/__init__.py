"""People: joining with an invite, units and invites, the commands everyone has (help, language, cancel), and their
rights over personal data."""

from __future__ import annotations

from bot.registry import Registry
from handlers.people import cli, common, onboarding, privacy


def register(registry: Registry) -> None:
    for module in (onboarding, common, cli, privacy):
        module.register(registry)
