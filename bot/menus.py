"""The main menu and the invite-code prompt: what a person is shown when no form is open."""

from __future__ import annotations

from bot.context import Ctx
from bot.engine.replies import Option
from bot.registry import Registry


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
