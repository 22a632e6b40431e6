"""Turns one inbound event into state changes and outbox messages, in one transaction, exactly once.

Order of work for an update: a per-chat lock in this process; in the database, the update key (a redelivery stops
here), the identity row lock (shared by all workers), the conversation, the handler; then replies go to the outbox
in the same transaction. Nothing is sent before the commit, so a confirmed report is stored before it is confirmed.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete

from bot.config import Settings
from bot.context import Ctx
from bot.engine.errors import InvalidInput
from bot.engine.events import Attachment, Inbound, parse_callback
from bot.engine.forms import Form
from bot.engine.parsers import parse_choice
from bot.engine.replies import Option
from bot.engine.runner import FormEnv, FormRunner, Input, new_state
from bot.i18n import i18n_for
from bot.notify import EVERGREEN
from bot.registry import Registry
from storage import conversations, outbox
from storage.crypto import Cipher
from storage.db import Database
from storage.driver import Transaction
from storage.models import ProcessedUpdate
from storage.types import utcnow

log = logging.getLogger(__name__)


def _write_once(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(data)


Fetcher = Callable[[Attachment], Awaitable[bytes]]
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Handled:
    """What a channel needs back: whether it was a redelivery, and a short notice for a tapped button."""

    duplicate: bool
    notice: str | None = None


class ConversationService:
    def __init__(
        self,
        db: Database,
        registry: Registry,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        on_outbox: Callable[[], None] | None = None,
        cipher: Cipher | None = None,
    ) -> None:
        self.db = db
        self.registry = registry
        self.settings = settings
        self.clock = clock
        self.on_outbox = on_outbox
        self.zone = ZoneInfo(settings.timezone)
        self.cipher = cipher or Cipher(None)
        self.fetchers: dict[str, Fetcher] = {}
        self.photo_fetchers: dict[str, Fetcher] = {}
        self._memo: dict[str, tuple[float, Any]] = {}
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = weakref.WeakValueDictionary()

    # ---- the pipeline ------------------------------------------------------------------------------------------

    async def handle(self, event: Inbound) -> Handled:
        key = (event.channel, event.user_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            event = await self._keep_photo(event)
            data = await self._fetch(event)
            try:
                result = await self._handle_locked(event, data)
            except Exception:
                log.exception("handling %s update %s failed", event.channel, event.update_key)
                result = await self._apologise(event)
        if not result.duplicate and self.on_outbox is not None:
            self.on_outbox()
        return result

    async def _keep_photo(self, event: Inbound) -> Inbound:
        """A photo from a channel whose links expire (Zalo) is downloaded into the media folder before handling, and
        the report keeps ``media:<sha256>.jpg``; if the download fails, the link itself is kept."""
        fetch = self.photo_fetchers.get(event.channel)
        if event.photo is None or fetch is None:
            return event
        try:
            data = await fetch(Attachment(event.photo, "photo.jpg"))
        except Exception:
            log.warning("could not download a %s photo; keeping its link", event.channel, exc_info=True)
            return event
        if not data or len(data) > MAX_ATTACHMENT_BYTES:
            return event
        name = f"{hashlib.sha256(data).hexdigest()}.jpg"
        folder = self.settings.data_dir / "media"
        await asyncio.to_thread(_write_once, folder / name, data)
        return replace(event, photo=f"media:{name}")

    async def _fetch(self, event: Inbound) -> bytes | None:
        """Downloads a sent file before the transaction opens, so no database lock is held over the network."""
        attachment = event.attachment
        fetcher = self.fetchers.get(event.channel)
        if attachment is None or fetcher is None or (attachment.size or 0) > MAX_ATTACHMENT_BYTES:
            return None
        try:
            data = await fetcher(attachment)
        except Exception:
            log.warning("could not download %s from %s", attachment.filename, event.channel, exc_info=True)
            return None
        return data if len(data) <= MAX_ATTACHMENT_BYTES else None

    async def _handle_locked(self, event: Inbound, data: bytes | None) -> Handled:
        async with self.db.begin() as tx:
            ctx = await self._open(tx, event)
            if ctx is None:
                return Handled(duplicate=True)
            ctx.attachment, ctx.attachment_data = event.attachment, data
            await self._route(ctx, event)
            await self._stamp_and_enqueue(ctx, event)
            await conversations.save(tx, ctx.conversation, ctx.now)
            return Handled(duplicate=False, notice=ctx.notice)

    async def _apologise(self, event: Inbound) -> Handled:
        """A bug must not leave the person without an answer, nor show them a trace; what they entered is kept."""
        async with self.db.begin() as tx:
            ctx = await self._open(tx, event)
            if ctx is None:
                return Handled(duplicate=True)
            ctx.say(
                ctx.t("Sorry, something went wrong on our side. What you entered so far is kept; please try again.")
            )
            await self._stamp_and_enqueue(ctx, event)
            return Handled(duplicate=False, notice=ctx.replies[0].text)

    async def _open(self, tx: Transaction, event: Inbound) -> Ctx | None:
        """Records the update (None if it is a redelivery), locks the person's identity and builds the context."""
        now = self.clock()
        opened = await conversations.open_update(
            tx, event.channel, event.update_key, event.user_id, event.chat_id, event.display_name, now
        )
        if opened is None:
            return None
        identity, conversation, person = opened
        language = (person.language if person else None) or identity.language or self.settings.default_language
        return Ctx(
            tx=tx, settings=self.settings, service=self, channel=event.channel, identity=identity,
            person=person, conversation=conversation, i18n=i18n_for(language), now=now,
            today=now.astimezone(self.zone).date(),
        )  # fmt: skip

    async def _stamp_and_enqueue(self, ctx: Ctx, event: Inbound) -> None:
        """Buttons carry the new screen number; anything shown before becomes stale."""
        if any(reply.rows for reply in ctx.replies):
            ctx.conversation.screen += 1
        if not ctx.conversation.flow:
            self._remember_choices(ctx)
        messages = [
            outbox.Outgoing(event.channel, event.chat_id, ctx.identity.id,
                            (replace(reply, screen=ctx.conversation.screen) if reply.rows else reply).to_json())
            for reply in ctx.replies
        ]  # fmt: skip
        await outbox.enqueue(ctx.tx, messages, ctx.now)

    @staticmethod
    def _remember_choices(ctx: Ctx) -> None:
        """Outside forms, the last choices shown are kept so that typing their number or words works everywhere."""
        shown = [reply.choices for reply in ctx.replies if reply.choices]
        if shown:
            ctx.conversation.state["choices"] = [[option.key, option.label] for option in shown[-1]]
        elif ctx.replies:
            ctx.conversation.state.pop("choices", None)

    # ---- routing -----------------------------------------------------------------------------------------------

    async def _route(self, ctx: Ctx, event: Inbound) -> None:
        if event.callback is not None:
            await self._on_callback(ctx, event.callback)
        elif event.command is not None:
            name, args = event.command
            await self._on_command(ctx, name, args)
        elif event.unsupported:
            ctx.say(ctx.t("I can only read text and photos. Please type your answer."))
            await self._reshow(ctx)
        elif ctx.person is None:
            await self._on_stranger_text(ctx, event.text or "")
        elif event.attachment is not None:
            await self._on_attachment(ctx)
        elif ctx.conversation.flow:
            await self._form_input(ctx, Input(text=event.text, photo=event.photo))
        elif event.photo is not None:
            ctx.say(ctx.t("Thank you, but I was not expecting a photo. Photos go into an activity report."))
            await self.show_menu(ctx)
        else:
            await self._on_free_text(ctx, event.text or "")

    async def _on_callback(self, ctx: Ctx, data: str) -> None:
        parsed = parse_callback(data)
        evergreen = parsed is not None and parsed[0] == EVERGREEN and parsed[1].startswith("m:")
        if parsed is None or (parsed[0] != ctx.conversation.screen and not evergreen):
            ctx.notice = ctx.t("That button belongs to an earlier message.")
            ctx.say(ctx.t("That button belongs to an earlier message. Here is where we are now:"))
            await self._reshow(ctx, fallback_menu=True)
            return
        key = parsed[1]
        if key.startswith("m:"):
            await self._on_menu_key(ctx, key)
        elif ctx.conversation.flow:
            await self._form_input(ctx, Input(key=key))
        else:
            await self.show_menu(ctx)

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
                await self.ask_for_code(ctx)
            else:
                await self._reshow(ctx, fallback_menu=True)
            return
        if not command.allowed(role):
            if ctx.person is None:
                await self.ask_for_code(ctx)
            else:
                ctx.say(ctx.t("That command is not available for your role."))
            return
        await command.handler(ctx, args)

    async def _on_stranger_text(self, ctx: Ctx, text: str) -> None:
        if self.registry.text_fallback is not None and await self.registry.text_fallback(ctx, text):
            return
        await self.ask_for_code(ctx)

    async def ask_for_code(self, ctx: Ctx) -> None:
        ctx.say(
            ctx.t(
                "Welcome to Cầu Nối. To start, please send the invite code you received from your district "
                "(or supervising) Front committee, for example ABCD-EFGH. If you have no code, please ask them for one."
            )
        )

    async def _on_attachment(self, ctx: Ctx) -> None:
        if ctx.conversation.flow:
            ctx.say(ctx.t("Please finish or cancel the current form before sending a file."))
            await self._reshow(ctx)
        else:
            assert ctx.attachment is not None
            suffix = "." + ctx.attachment.filename.rsplit(".", 1)[-1].lower() if "." in ctx.attachment.filename else ""
            handler = self.registry.attachments.get(suffix)
            if handler is None:
                ctx.say(ctx.t("I can read Excel lists of overseas Vietnamese (.xlsx) and plans (.docx, .txt); "
                              "not this kind of file."))  # fmt: skip
                await self.show_menu(ctx)
            else:
                await handler(ctx)

    async def _on_free_text(self, ctx: Ctx, text: str) -> None:
        choices = ctx.conversation.state.get("choices") or []
        try:
            key = choices[parse_choice(text, [label for _, label in choices])][0] if choices else None
        except InvalidInput:
            key = None
        if key is not None and key.startswith("m:"):
            await self._on_menu_key(ctx, key)
            return
        commands = self.registry.menu(ctx.person.role if ctx.person else None)
        try:
            chosen = commands[parse_choice(text, [ctx.t(command.menu or command.description) for command in commands])]
        except InvalidInput:
            ctx.say(ctx.t("I did not understand that. Please choose what you want to do:"))
            await self.show_menu(ctx, with_text=False)
            return
        await chosen.handler(ctx, "")

    # ---- menus and forms ---------------------------------------------------------------------------------------

    async def show_menu(self, ctx: Ctx, *, with_text: bool = True) -> None:
        commands = self.registry.menu(ctx.person.role if ctx.person else None)
        rows = tuple((Option(f"m:{command.name}", ctx.t(command.menu or command.description)),) for command in commands)
        text = ctx.t("What would you like to do?") if with_text else ctx.t("Main menu")
        ctx.say(text, rows=rows, typed_hint=ctx.t("Type the number of your choice, or its name."))

    def runner(self, ctx: Ctx, form_name: str) -> FormRunner:
        flow = self.registry.flows[form_name]
        env = FormEnv(
            i18n=ctx.i18n,
            today=ctx.today,
            options=self.registry.options_source(ctx),
            validators=self.registry.validators,
            channel=ctx.channel,
            capabilities=frozenset({"encrypt"}) if self.cipher.available else frozenset(),
        )
        return FormRunner(flow.form, env)

    async def start_form(
        self,
        ctx: Ctx,
        form_name: str,
        *,
        answers: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Begins a form, or resumes the draft already open for it. ``answers`` pre-fill steps (editing a stored
        record, pre-computed figures): the form asks only the others, then shows its review; ``extra`` travels in the
        draft to the submit function."""
        conversation = ctx.conversation
        if answers is None and conversation.flow == form_name and conversation.state:
            ctx.say(ctx.t("You have an unfinished draft; let us continue where you left off."))
            ctx.replies.extend(await self.runner(ctx, form_name).render(self._draft(ctx)))
            return
        if conversation.flow:
            ctx.say(ctx.t("Your unfinished {form} was discarded.", form=self._form_title(ctx).lower()))
        form = self.registry.flows[form_name].form
        state = {**new_state(form), **(extra or {})}
        runner = self.runner(ctx, form_name)
        if answers is None:
            replies = (await runner.start(state)).replies
        else:
            state["answers"] = dict(answers)
            state["done"] = [step.name for step in form.visible(answers) if step.name in answers]
            replies = await runner.render(state)
        conversation.flow = form_name
        self._keep(ctx, form, state)
        ctx.replies.extend(replies)

    def _draft(self, ctx: Ctx) -> dict[str, Any]:
        """The open form's state with sensitive answers decrypted, as a copy the runner may change."""
        state = copy.deepcopy(ctx.conversation.state)
        flow = self.registry.flows.get(ctx.conversation.flow or "")
        if flow is not None:
            answers = state.get("answers", {})
            for step in flow.form.steps:
                sealed = answers.get(step.name)
                if step.sensitive and isinstance(sealed, dict) and "sealed" in sealed:
                    answers[step.name] = self.cipher.decrypt(sealed["sealed"])["value"]
        return state

    def _keep(self, ctx: Ctx, form: Form, state: dict[str, Any]) -> None:
        """Stores a draft; sensitive answers are encrypted, so notes are never at rest in clear, drafts included."""
        answers = state.get("answers", {})
        for step in form.steps:
            value = answers.get(step.name)
            if step.sensitive and value not in (None, "") and self.cipher.available:
                answers[step.name] = {"sealed": self.cipher.encrypt({"value": value})}
        ctx.conversation.state = state

    def _form_title(self, ctx: Ctx) -> str:
        flow = self.registry.flows.get(ctx.conversation.flow or "")
        return ctx.t(flow.form.title) if flow else ""

    async def _form_input(self, ctx: Ctx, event: Input) -> None:
        conversation = ctx.conversation
        flow_name = conversation.flow or ""
        if flow_name not in self.registry.flows:
            conversation.flow, conversation.state = None, {}
            await self.show_menu(ctx)
            return
        runner = self.runner(ctx, flow_name)
        state = self._draft(ctx)
        outcome = await runner.handle(state, event)
        ctx.replies.extend(outcome.replies)
        if outcome.status == "open":
            self._keep(ctx, runner.form, state)
            return
        conversation.flow, conversation.state = None, {}
        if outcome.status == "cancelled":
            ctx.say(ctx.t("Cancelled. Nothing was saved."))
            await self.show_menu(ctx)
            return
        await self.registry.flows[flow_name].on_submit(ctx, runner.visible_answers(state), state)

    async def cancel(self, ctx: Ctx) -> None:
        """/huy: asks to confirm when a form is open, says so when nothing is."""
        if ctx.conversation.flow:
            await self._form_input(ctx, Input(key="cancel"))
        else:
            ctx.say(ctx.t("There is nothing to cancel."))
            await self.show_menu(ctx)

    async def _reshow(self, ctx: Ctx, *, fallback_menu: bool = False) -> None:
        """Shows the open form's current screen again; else the main menu (if asked) or a code prompt."""
        flow_name = ctx.conversation.flow
        if flow_name and flow_name in self.registry.flows:
            ctx.replies.extend(await self.runner(ctx, flow_name).render(self._draft(ctx)))
        elif ctx.person is None:
            await self.ask_for_code(ctx)
        elif fallback_menu:
            await self.show_menu(ctx)

    async def reshow_form(self, ctx: Ctx) -> None:
        """After a side command (help, language, my reports) the open form's question is shown again."""
        if ctx.conversation.flow:
            await self._reshow(ctx)

    async def memo(self, key: str, ttl: float, load: Callable[[], Awaitable[Any]]) -> Any:
        """Reference data (catalogues) cached for ``ttl`` seconds: edits show up within that time, at no query cost."""
        stamp, value = self._memo.get(key, (0.0, None))
        if time.monotonic() - stamp > ttl:
            value = await load()
            self._memo[key] = (time.monotonic(), value)
        return value

    # ---- housekeeping ------------------------------------------------------------------------------------------

    async def prune_processed(self, older_than: datetime) -> int:
        async with self.db.transaction() as session:
            result = await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.created_at < older_than))
            return result.rowcount  # type: ignore[attr-defined]
