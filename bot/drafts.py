"""Open forms: starting, resuming and advancing a draft, its sensitive answers sealed at rest, cancelling.

The draft is the form runner's state inside the conversation row; the runner (``bot.engine.runner``) knows the
steps, this module knows where the draft lives and that notes in it are never stored in clear.
"""

from __future__ import annotations

import copy
from typing import Any

from bot.context import Ctx
from bot.engine.forms import Form
from bot.engine.replies import Option
from bot.engine.runner import FormEnv, FormRunner, Input, new_state
from bot.menus import ask_for_code, show_menu
from bot.registry import Registry
from storage.crypto import Cipher
from storage.text import fold

BUTTONS = frozenset({"telegram", "web"})  # channels where a person presses buttons rather than typing words
PENDING = "pending_start"  # in a draft's state: the form asked for while it was open, until the person chooses
_CONTINUE = frozenset({"1", "tiep tuc", "tiep", "continue", "giu", "giu lai"})
_REPLACE = frozenset({"2", "bo", "bo di", "bo ban nhap", "discard", "huy ban nhap", "lam moi"})


def _settling_choice(text: str) -> bool | None:
    """True for "discard and start the other", False for "continue", None for anything else (a form answer)."""
    words = fold(text).strip(" .!")
    if words in _CONTINUE or words.startswith("tiep tuc"):
        return False
    if words in _REPLACE or words.startswith(("bo ban nhap", "bo va bat dau")):
        return True
    return None


class Drafts:
    def __init__(self, registry: Registry, cipher: Cipher) -> None:
        self.registry = registry
        self.cipher = cipher

    def runner(self, ctx: Ctx, form_name: str) -> FormRunner:
        flow = self.registry.flows[form_name]
        env = FormEnv(
            i18n=ctx.i18n,
            today=ctx.today,
            options=self.registry.options_source(ctx),
            validators=self.registry.validators,
            channel=ctx.channel,
            capabilities=frozenset(
                ({"encrypt"} if self.cipher.available else set()) | ({"buttons"} if ctx.channel in BUTTONS else set())
            ),
        )
        return FormRunner(flow.form, env)

    async def start(
        self, ctx: Ctx, form_name: str, *, answers: dict[str, Any] | None = None, extra: dict[str, Any] | None = None,
        replace: bool = False,
    ) -> None:  # fmt: skip
        """Begins a form, or resumes the draft already open for it. ``answers`` pre-fill steps (editing a stored
        record, pre-computed figures): the form asks only the others, then shows its review; ``extra`` travels in the
        draft to the submit function. Another form's draft is never thrown away unasked: the person chooses."""
        conversation = ctx.conversation
        if answers is None and conversation.flow == form_name and conversation.state:
            ctx.say(ctx.t("You have an unfinished draft; let us continue where you left off."))
            ctx.replies.extend(await self.runner(ctx, form_name).render(self._read(ctx)))
            return
        if conversation.flow and not replace:
            self._ask_to_replace(ctx, form_name, answers, extra)
            return
        if conversation.flow:
            ctx.say(ctx.t("Your unfinished {form} was discarded.", form=self._title(ctx).lower()))
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

    async def advance(self, ctx: Ctx, event: Input) -> None:
        """One answer, tap or word to the open form; on confirm, its submit function runs with the answers."""
        conversation = ctx.conversation
        flow_name = conversation.flow or ""
        if flow_name not in self.registry.flows:
            conversation.flow, conversation.state = None, {}
            show_menu(ctx, self.registry)
            return
        if PENDING in conversation.state and event.key is None and event.text:
            choice = _settling_choice(event.text)  # typed answers to "continue or discard?" (Zalo has no buttons)
            if choice is not None:
                await self.settle(ctx, replace=choice)
                return
        conversation.state.pop(PENDING, None)  # answering the form is continuing it
        runner = self.runner(ctx, flow_name)
        state = self._read(ctx)
        outcome = await runner.handle(state, event)
        ctx.replies.extend(outcome.replies)
        if outcome.status == "open":
            self._keep(ctx, runner.form, state)
            return
        conversation.flow, conversation.state = None, {}
        if outcome.status == "cancelled":
            ctx.say(ctx.t("Cancelled. Nothing was saved."))
            show_menu(ctx, self.registry)
            return
        await self.registry.flows[flow_name].on_submit(ctx, runner.visible_answers(state), state)

    def _ask_to_replace(self, ctx: Ctx, form_name: str, answers: dict[str, Any] | None,
                        extra: dict[str, Any] | None) -> None:  # fmt: skip
        """Keeps the open draft and asks: continue it, or discard it for the form just asked for."""
        old, new = self._title(ctx).lower(), ctx.t(self.registry.flows[form_name].form.title).lower()
        ctx.conversation.state = {**ctx.conversation.state,
                                  PENDING: {"form": form_name, "answers": answers, "extra": extra}}  # fmt: skip
        ctx.say(ctx.t("You have an unfinished {old}. Discard it and start a new {new}?", old=old, new=new),
                rows=((Option("m:nhap tiep", ctx.t("Continue the {old}", old=old)),),
                      (Option("m:nhap bo", ctx.t("Discard it and start the {new}", new=new)),)),
                typed_hint=ctx.t("Type 1 to continue, 2 to discard it."))  # fmt: skip

    async def settle(self, ctx: Ctx, *, replace: bool) -> None:
        """The answer to ``_ask_to_replace``: the draft goes on, or gives way to the form that was asked for."""
        pending = ctx.conversation.state.pop(PENDING, None) if ctx.conversation.flow else None
        if pending is None or pending.get("form") not in self.registry.flows:
            await self.reshow(ctx, fallback_menu=True)
        elif replace:
            await self.start(ctx, pending["form"], answers=pending.get("answers"), extra=pending.get("extra"),
                             replace=True)  # fmt: skip
        else:
            await self.reshow(ctx)

    async def cancel(self, ctx: Ctx) -> None:
        """/huy: asks to confirm when a form is open, says so when nothing is."""
        if ctx.conversation.flow:
            await self.advance(ctx, Input(key="cancel"))
        else:
            ctx.say(ctx.t("There is nothing to cancel."))
            show_menu(ctx, self.registry)

    async def reshow(self, ctx: Ctx, *, fallback_menu: bool = False) -> None:
        """Shows the open form's current screen again; else the main menu (if asked) or a code prompt."""
        flow_name = ctx.conversation.flow
        if flow_name and flow_name in self.registry.flows:
            ctx.replies.extend(await self.runner(ctx, flow_name).render(self._read(ctx)))
        elif ctx.person is None:
            ask_for_code(ctx)
        elif fallback_menu:
            show_menu(ctx, self.registry)

    def _read(self, ctx: Ctx) -> dict[str, Any]:
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

    def _title(self, ctx: Ctx) -> str:
        flow = self.registry.flows.get(ctx.conversation.flow or "")
        return ctx.t(flow.form.title) if flow else ""
