"""Webhooks out: other systems told of each new or changed report (``caunoi webhook add|list|remove``); the messages
go through the outbox (``storage.webhooks``, ``bot.channels.webhook``)."""

from __future__ import annotations

from bot.registry import Registry
from handlers.webhooks import cli


def register(registry: Registry) -> None:
    cli.register(registry)
