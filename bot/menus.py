"""The main menu and the invite-code prompt: what a person is shown when no form is open."""

from __future__ import annotations

from bot.context import Ctx
from bot.engine.replies import Option, Reply
from bot.i18n import I18n
from bot.registry import Registry


def command_menu(registry: Registry, role: str | None, i18n: I18n) -> tuple[tuple[str, str], ...]:
    """The commands ``role`` may use (None: a stranger), by rank, each once, described in the person's language."""
    seen: set[str] = set()
    menu = []
    for command in sorted(registry.commands.values(), key=lambda command: command.menu_rank):
        if command.name not in seen and command.listed and command.allowed(role):
            seen.add(command.name)
            menu.append((command.name, i18n.t(command.description)))
    return tuple(menu)


def refresh_commands(ctx: Ctx, registry: Registry) -> None:
    """Queues the person's own command menu (Telegram shows it by the text box; other channels have none)."""
    role = ctx.person.role if ctx.person else None
    ctx.replies.append(Reply(text="", commands=command_menu(registry, role, ctx.i18n)))


def show_menu(ctx: Ctx, registry: Registry, *, with_text: bool = True) -> None:
    commands = registry.menu(ctx.person.role if ctx.person else None)
    rows = tuple((Option(f"m:{command.name}", ctx.t(command.menu or command.description)),) for command in commands)
    text = ctx.t("What would you like to do?") if with_text else ctx.t("Main menu")
    ctx.say(text, rows=rows, typed_hint=ctx.t("Type the number of your choice, or its name."))


def ask_for_code(ctx: Ctx) -> None:
    ctx.say(
        ctx.t(
            "Welcome to Cầu Nối. To start, please send the invite code you received from the Front committee above "
            "you (since July 2025, the province's), for example ABCD-EFGH. If you have no code, please ask them for "
            "one."
        )
    )
