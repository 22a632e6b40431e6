"""People: joining with an invite, units and invites, the commands everyone has (help, language, cancel), and their
rights over personal data."""

from __future__ import annotations

from bot.registry import Registry
from handlers.people import (
    api,
    cli,
    common,
    console_link,
    onboarding,
    privacy,
    staff,
    staff_chat,
    web_audit,
    web_pages,
    web_tokens,
    web_units,
)


def register(registry: Registry) -> None:
    for module in (onboarding, common, cli, privacy, console_link, staff, staff_chat, web_pages, web_units, web_tokens,
                   web_audit, api):  # fmt: skip
        module.register(registry)
