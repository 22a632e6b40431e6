"""Commands every person has: help, language, menu, cancel."""

from __future__ import annotations

from bot.context import Ctx
from bot.engine.replies import SCREEN_LIMIT
from bot.i18n import LANGUAGES, N_
from bot.registry import Command, Registry
from storage.text import split_lines

HELP_BY_ROLE = {
    None: N_(
        "Cầu Nối helps Fatherland Front officers report people-to-people diplomacy activities and receive "
        "directives. To begin, send the invite code the Front committee above you gave you."
    ),
    "officer": N_("Write a report in one message, or step by step with /baocao. In a form type “?” for help."),
    "supervisor": N_("You follow your units' reports and tasks; invites: caunoi invite create --unit CODE."),
    "admin": N_("You can do everything a supervisor can, and set schedules; units, invites, exports and personal "
                "data requests are on the command line (caunoi --help)."),
}  # fmt: skip
HELP_PAGE = SCREEN_LIMIT - 40  # the title and page number take the rest of a screen


async def help_command(ctx: Ctx, args: str) -> None:
    """What the role can do: one line of purpose, then every command it has, a short screen at a time."""
    role = ctx.person.role if ctx.person else None
    lines = [ctx.t(HELP_BY_ROLE.get(role, HELP_BY_ROLE["officer"]))]
    if role is not None:
        lines += [f"/{name} — {text}" for name, text in ctx.services.commands_of(ctx)]
    pages = split_lines("\n".join(lines), HELP_PAGE)
    for number, page in enumerate(pages, start=1):
        title = ctx.t("Help") + (f" {number}/{len(pages)}" if len(pages) > 1 else "")
        ctx.say(page, title=title)
    await ctx.services.reshow_form(ctx)


async def language_command(ctx: Ctx, args: str) -> None:
    wanted = args.strip().lower()[:2]
    if wanted not in LANGUAGES:
        wanted = "en" if ctx.i18n.language == "vi" else "vi"
    ctx.set_language(wanted)
    ctx.say(ctx.t("Language set to English. Type /ngonngu to switch back."))
    if ctx.person is not None:
        ctx.services.refresh_commands(ctx)
    if ctx.in_form:
        await ctx.services.reshow_form(ctx)
    elif ctx.person is not None:
        await ctx.services.show_menu(ctx)


async def menu_command(ctx: Ctx, args: str) -> None:
    await ctx.services.show_menu(ctx)
    await ctx.services.reshow_form(ctx)


async def cancel_command(ctx: Ctx, args: str) -> None:
    await ctx.services.cancel(ctx)


async def draft_command(ctx: Ctx, args: str) -> None:
    """The answer to "continue your draft, or discard it for the other form?" ("/nhap tiep" or "/nhap bo")."""
    await ctx.services.settle_draft(ctx, replace=args.strip() == "bo")


def register(registry: Registry) -> None:
    registry.add_command(
        Command(
            "trogiup",
            help_command,
            N_("What this bot can do for you"),
            public=True,
            menu=N_("Help"),
            menu_rank=90,
            aliases=("help",),
        )
    )
    registry.add_command(
        Command(
            "ngonngu",
            language_command,
            N_("Tiếng Việt / English"),
            public=True,
            menu=N_("Tiếng Việt / English"),
            menu_rank=91,
            aliases=("language", "lang"),
        )
    )
    registry.add_command(Command("menu", menu_command, N_("Main menu")))
    registry.add_command(Command("huy", cancel_command, N_("Cancel what you are doing"), aliases=("cancel",)))
    registry.add_command(Command("nhap", draft_command, N_("Continue or discard an unfinished form"), listed=False))
