"""Webhooks out: other systems told of each new or changed report (``caunoi webhook add|list|remove``, and the web
console's *Webhook* page); the messages go through the outbox (``storage.webhooks``, ``bot.channels.webhook``)."""

from __future__ import annotations

from bot.registry import Registry
from handlers.webhooks import cli, web_pages


def register(registry: Registry) -> None:
    cli.register(registry)
    web_pages.register(registry)
