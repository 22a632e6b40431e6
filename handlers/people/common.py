"""Commands every person has: help, language, menu, cancel."""

from __future__ import annotations

from bot.context import Ctx
from bot.i18n import LANGUAGES, N_
from bot.registry import Command, Registry

HELP_BY_ROLE = {
    None: N_(
        "Cầu Nối helps Fatherland Front officers report people-to-people diplomacy activities and receive "
        "directives. To begin, send the invite code the Front committee above you gave you."
    ),
    "officer": N_(
        "You can report an activity (/baocao), see your recent reports (/cuatoi), file a periodic report "
        "(/baocaoky), see what is due (/nhacviec), keep the list of overseas Vietnamese and their relatives "
        "(/kieubao), read plans and your part in them (/kehoach), close your unit's plan tasks (/viec, or type "
        "“xong 1”), use the bot on another messenger too (/lienket), see how your data is used (/quyenriengtu), "
        "cancel what you are doing (/huy) and switch language (/ngonngu). In any form you can type "
        "“back” to go back, “skip” to skip an optional question and “cancel” to cancel."
    ),
    "supervisor": N_(
        "As a supervising officer you see who has reported (/tiendo), review periodic reports (/duyet: approve, or "
        "return with a comment), remind late units with one tap (/nhactre), follow plan tasks (/viec), compile your "
        "area's figures, Excel and Word files and charts (/tonghop), send announcements with receipts (/thongbao), "
        "publish plans (send the file), and see the overseas Vietnamese register of your units (/kieubao). You "
        "can also report your own unit's activities (/baocao, /baocaoky). Invites for your communes are created "
        "with the command line for now: caunoi invite create --unit CODE."
    ),
    "admin": N_(
        "As an administrator you can do everything a supervisor can, and set report schedules and deadlines "
        "(/lichbaocao). Units, invites, exports and personal data requests are managed with the command line: "
        "caunoi units import-vn, caunoi invite create, caunoi schedule, caunoi export, caunoi privacy."
    ),
}


async def help_command(ctx: Ctx, args: str) -> None:
    role = ctx.person.role if ctx.person else None
    ctx.say(ctx.t(HELP_BY_ROLE.get(role, HELP_BY_ROLE["officer"])), title=ctx.t("Help"))
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
