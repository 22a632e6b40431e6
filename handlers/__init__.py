"""The areas of the product, one package each: its conversations, its domain logic and its CLI verbs.

Adding an area is one line here; every area's ``register()`` adds its commands, flows, options, validators and CLI
verbs to the registry (``bot.registry``)."""

from __future__ import annotations

from bot.registry import Registry
from handlers import announcements, people, plans, register, reports, webhooks

AREAS = (people, reports, register, plans, announcements, webhooks)


def build_registry() -> Registry:
    """Every command, flow, options source, validator and CLI verb the bot knows, in menu order."""
    registry = Registry()
    for area in AREAS:
        area.register(registry)
    return registry
