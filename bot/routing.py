"""Where an update goes once its transaction is open: a button (live or stale), a command (allowed for the role or
not), an answer to the open form, a file, or words that pick from the last choices or the menu.
"""

from __future__ import annotations

from bot.context import Ctx
from bot.drafts import Drafts
from bot.engine.errors import InvalidInput
from bot.engine.events import Inbound, parse_callback
from bot.engine.parsers import parse_choice
from bot.engine.replies import Option
from bot.engine.runner import Input
from bot.menus import ask_for_code, show_menu
from bot.notify import EVERGREEN
from bot.registry import Registry
from storage.outbox import mark_unreachable
from storage.text import fold

MENU_WORDS = frozenset({"menu", "menu chinh", "trang chu", "bat dau", "danh muc", "start", "home"})  # as typed on Zalo


class Router:
    def __init__(self, registry: Registry, drafts: Drafts) -> None:
        self.registry = registry
        self.drafts = drafts

    async def route(self, ctx: Ctx, event: Inbound) -> None:
        """Sends the update where it belongs: a button, a command, a form's answer, a file, a menu choice."""
        if event.membership is not None:  # nothing to answer; unblocking needs nothing more (every update is reachable)
            if event.membership == "left":  # blocked: as a 403 would, but before any failed send
                await mark_unreachable(ctx.session, event.channel, event.chat_id, ctx.now, "blocked the bot")
        elif ctx.person is not None and ctx.person.deactivated_at is not None:
            ctx.say(ctx.t("Your account was deactivated, so Cầu Nối no longer takes your reports; what you reported is "
                          "kept. If this is a mistake, ask the Front committee above you."))  # fmt: skip
        elif event.callback is not None:
            await self._on_callback(ctx, event.callback)
        elif event.command is not None:
            name, args = event.command
            await self._on_command(ctx, name, args)
        elif event.unsupported:
            ctx.say(ctx.t("I can only read text and photos. Please type your answer."))
            await self.drafts.reshow(ctx)
        elif ctx.person is None:
            await self._on_stranger_text(ctx, event.text or "")
        elif event.attachment is not None:
            await self._on_attachment(ctx)
        elif ctx.conversation.flow:
            await self.drafts.advance(ctx, Input(text=event.text, photo=event.photo))
        elif event.photo is not None:
            await self._on_free_photo(ctx, event.photo, event.text)
        else:
            await self._on_free_text(ctx, event.text or "")

    async def _on_callback(self, ctx: Ctx, data: str) -> None:
        parsed = parse_callback(data)
        evergreen = parsed is not None and parsed[0] == EVERGREEN and parsed[1].startswith("m:")
        if parsed is None or (parsed[0] != ctx.conversation.screen and not evergreen):
            ctx.notice = ctx.t("That button belongs to an earlier message.")
            ctx.say(ctx.t("That button belongs to an earlier message. Here is where we are now:"))
            await self.drafts.reshow(ctx, fallback_menu=True)
            return
        key = parsed[1]
        if key.startswith("m:"):
            await self._on_menu_key(ctx, key)
        elif ctx.conversation.flow:
            await self.drafts.advance(ctx, Input(key=key))
        else:
            show_menu(ctx, self.registry)

    async def _on_menu_key(self, ctx: Ctx, key: str) -> None:
        """A choice outside forms, tapped or typed: "m:kieubao xem 12" runs /kieubao with "xem 12"."""
        name, _, args = key[2:].partition(" ")
        await self._on_command(ctx, name, args)

    async def _on_command(self, ctx: Ctx, name: str, args: str) -> None:
        command = self.registry.commands.get(name)
        role = ctx.person.role if ctx.person else None
        if command is None:
            ctx.say(ctx.t("I do not know the command /{name}.", name=name[:32]))
            if ctx.person is None:
                ask_for_code(ctx)
            else:
                await self.drafts.reshow(ctx, fallback_menu=True)
            return
        if not command.allowed(role):
            if ctx.person is None:
                ask_for_code(ctx)
            else:
                ctx.say(ctx.t("That command is not available for your role."))
            return
        await command.handler(ctx, args)

    async def _on_stranger_text(self, ctx: Ctx, text: str) -> None:
        if self.registry.text_fallback is not None and await self.registry.text_fallback(ctx, text):
            return
        ask_for_code(ctx)

    async def _on_attachment(self, ctx: Ctx) -> None:
        if ctx.conversation.flow:
            ctx.say(ctx.t("Please finish or cancel the current form before sending a file."))
            await self.drafts.reshow(ctx)
        else:
            assert ctx.attachment is not None
            suffix = "." + ctx.attachment.filename.rsplit(".", 1)[-1].lower() if "." in ctx.attachment.filename else ""
            handler = self.registry.attachments.get(suffix)
            if handler is None:
                ctx.say(ctx.t("I can read Excel lists of overseas Vietnamese (.xlsx) and plans (.docx, .doc, .odt, "
                              ".pdf, .txt, .htm); not this kind of file."))  # fmt: skip
                show_menu(ctx, self.registry)
            else:
                await handler(ctx)

    async def _on_free_photo(self, ctx: Ctx, photo: str, caption: str | None) -> None:
        """A photo outside any form is kept by the area that takes it (a new activity report), never dropped."""
        for taken in self.registry.photos:
            if await taken(ctx, photo, caption):
                return
        ctx.say(ctx.t("Thank you, but I was not expecting a photo. Photos go into an activity report."))
        show_menu(ctx, self.registry)

    async def _on_free_text(self, ctx: Ctx, text: str) -> None:
        if fold(text).strip(" .!?") in MENU_WORDS:
            show_menu(ctx, self.registry)
            return
        for understood in self.registry.typed:  # words that mean one thing anywhere: "xong 2", "đã nhận"
            if await understood(ctx, text):
                return
        choices = ctx.conversation.state.get("choices") or []
        try:
            key = choices[parse_choice(text, [label for _, label in choices])][0] if choices else None
        except InvalidInput:
            key = None
        if key is not None and key.startswith("m:"):
            await self._on_menu_key(ctx, key)
            return
        commands = self.registry.menu(ctx.person.role if ctx.person else None)
        # A screen of its own is waiting (an import's check, a plan's preview): a number is one of its choices, and
        # words that are none of the menu's leave it waiting — typed, as on Zalo, its choices still work after.
        waiting = bool(choices) and [k for k, _ in choices] != [f"m:{command.name}" for command in commands]
        if waiting and text.strip().isdigit():
            self._offer_again(ctx, choices)
            return
        try:
            chosen = commands[parse_choice(text, [ctx.t(command.menu or command.description) for command in commands])]
        except InvalidInput:
            if waiting:
                self._offer_again(ctx, choices)
                return
            ctx.say(ctx.t("I did not understand that. Please choose what you want to do:"))
            show_menu(ctx, self.registry, with_text=False)
            return
        await chosen.handler(ctx, "")

    @staticmethod
    def _offer_again(ctx: Ctx, choices: list[list[str]]) -> None:
        ctx.say(ctx.t("I did not understand that. Please choose one of these:"),
                rows=tuple((Option(key, label),) for key, label in choices),
                typed_hint=ctx.t("Type the number of your choice, or its name."))  # fmt: skip
