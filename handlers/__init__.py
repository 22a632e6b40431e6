"""The conversations themselves: forms as data plus the small functions that store what they collect."""

from __future__ import annotations

from bot.registry import Registry
from handlers import (
    activity,
    broadcast,
    common,
    onboarding,
    overseas,
    periodic,
    plans,
    progress,
    schedule_admin,
    summary,
)


def build_registry() -> Registry:
    """Every command, flow, options source and validator the bot knows, in menu order."""
    registry = Registry()
    for module in (onboarding, activity, periodic, overseas, plans, progress, summary, broadcast, schedule_admin,
                   common):  # fmt: skip
        module.register(registry)
    return registry
