"""Walks a person through a form, one input at a time, over a JSON state that the caller persists after each step.

Navigation comes with every form: back, skip (optional steps), keep the current answer, cancel with confirmation,
a review screen with "edit this one", and confirm. Every choice can be tapped or typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from bot.engine.errors import InvalidInput
from bot.engine.forms import Form, Kind, Step
from bot.engine.kinds import KINDS
from bot.engine.parsers import parse_choice
from bot.engine.replies import Option, Reply
from bot.i18n import N_, I18n
from storage.text import fold

OptionsSource = Callable[[str, I18n], Awaitable[Sequence[tuple[str, str]]]]
Validator = Callable[[Any, "FormEnv", Mapping[str, Any], str | None], None]

BACK_WORDS = {"quay lai", "tro lai", "back", "/back", "/quaylai"}
SKIP_WORDS = {"bo qua", "skip", "/skip", "/boqua", "khong co", "none"}
CANCEL_WORDS = {"huy", "huy bo", "cancel", "/huy", "/cancel"}
CONFIRM_WORDS = {"xac nhan", "confirm", "ok", "dong y", "gui", "send", "yes", "co"}
DONE_WORDS = {"xong", "done", "het", "finish", "/xong"}
KEEP_WORDS = {"giu nguyen", "keep", "giu"}
EDIT_PREFIXES = ("sua", "edit", "/sua")
YES_WORDS = {"co", "yes", "dong y", "huy", "co huy", "1"}
NO_WORDS = {"khong", "no", "tiep tuc", "continue", "2"}


@dataclass(frozen=True)
class Input:
    """One thing the person did: typed ``text``, tapped button ``key`` (screen already checked), or sent ``photo``."""

    text: str | None = None
    key: str | None = None
    photo: str | None = None


@dataclass
class FormEnv:
    """What a form needs from the outside world, injected so the runner stays pure and testable."""

    i18n: I18n
    today: date
    options: OptionsSource
    validators: Mapping[str, Validator] = field(default_factory=dict)
    channel: str = "console"
    capabilities: frozenset[str] = frozenset()


@dataclass
class Outcome:
    replies: list[Reply]
    status: Literal["open", "done", "cancelled"] = "open"


def new_state(form: Form) -> dict[str, Any]:
    return {
        "form": form.name,
        "version": form.version,
        "draft": str(uuid.uuid4()),
        "answers": {},
        "done": [],
        "mode": "ask",
        "step": None,
        "return_to_review": False,
        "shown": [],
        "cancel_from": None,
    }


class FormRunner:
    """Applies one input to a state and returns what to say; the state dict is mutated in place."""

    def __init__(self, form: Form, env: FormEnv) -> None:
        self.form = form
        self.env = env
        self.t = env.i18n.t

    # ---- entry points ----------------------------------------------------------------------------------------

    async def start(self, state: dict[str, Any]) -> Outcome:
        return Outcome(await self._advance(state))

    async def render(self, state: dict[str, Any], notice: str = "") -> list[Reply]:
        """The current screen again (after a restart, a stale button, or a language change)."""
        mode = state["mode"]
        if mode == "review":
            return [await self._review(state, notice)]
        if mode == "pick_edit":
            return [await self._pick_edit(state, notice)]
        if mode == "confirm_cancel":
            return [self._confirm_cancel(state, notice)]
        step = self.form.step(state["step"] or "")
        if step is None:
            return await self._advance(state, notice)
        return [await self._ask(state, step, notice)]

    async def handle(self, state: dict[str, Any], event: Input) -> Outcome:
        self._migrate(state)
        try:
            outcome = await {
                "ask": self._on_ask,
                "review": self._on_review,
                "pick_edit": self._on_pick_edit,
                "confirm_cancel": self._on_confirm_cancel,
            }[state["mode"]](state, event)
        except InvalidInput as error:
            return Outcome(await self.render(state, "⚠️ " + self.t(error.message, **error.params)))
        if state["mode"] == "submitted":
            outcome.status = "done"
        return outcome

    def visible_answers(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """The answers of steps that apply, as stored (dates ISO, choices by value)."""
        answers = state["answers"]
        return {step.name: answers.get(step.name) for step in self.form.visible(answers)}

    # ---- ask mode --------------------------------------------------------------------------------------------

    async def _on_ask(self, state: dict[str, Any], event: Input) -> Outcome:
        step = self.form.step(state["step"] or "")
        if step is None:
            return Outcome(await self._advance(state))
        words = fold(event.text or "")
        key = event.key or ""
        if key == "cancel" or words in CANCEL_WORDS:
            return Outcome([self._enter_cancel(state)])
        if key == "back" or words in BACK_WORDS:
            return Outcome(await self._back(state))
        if key == "keep" or (words in KEEP_WORDS and step.name in state["answers"]):
            return Outcome(await self._accept(state, step, state["answers"].get(step.name)))
        if key == "skip" or words in SKIP_WORDS:
            if step.required:
                raise InvalidInput(N_("This question cannot be skipped."))
            return Outcome(await self._accept(state, step, None))
        if step.kind is Kind.PHOTOS:
            return await self._on_photo_step(state, step, event, key, words)
        if event.photo is not None:
            raise InvalidInput(N_("A photo is not the answer to this question; photos come later in the form."))
        if key.startswith("o") and key[1:].isdecimal():
            index = int(key[1:])
            if index >= len(state["shown"]):
                raise InvalidInput(N_("Please choose one of the options."))
            return Outcome(await self._accept(state, step, state["shown"][index]))
        if key:
            raise InvalidInput(N_("Please choose one of the options."))
        value = await self._parse(state, step, event.text or "")
        return Outcome(await self._accept(state, step, value))

    async def _on_photo_step(self, state: dict[str, Any], step: Step, event: Input, key: str, words: str) -> Outcome:
        photos = list(state["answers"].get(step.name) or [])
        if event.photo is not None:
            photos.append({"channel": self.env.channel, "ref": event.photo})
            state["answers"][step.name] = photos
            text = self.t("Photo {count} received. Send more, or press “Done”.", count=len(photos))
            state["shown"] = []
            return Outcome([self._screen(state, step, text)])
        if key == "done" or words in DONE_WORDS:
            if step.required and not photos:
                raise InvalidInput(N_("Please send at least one photo."))
            return Outcome(await self._accept(state, step, photos))
        raise InvalidInput(N_("Please send a photo, or press “Done” when you have sent them all."))

    async def _parse(self, state: dict[str, Any], step: Step, text: str) -> Any:
        env = self.env
        value: Any
        if step.kind is Kind.CHOICE:
            current = dict(await self._options(step))
            labels = [current.get(value, str(value)) for value in state["shown"]]
            value = state["shown"][parse_choice(text, labels)]
        else:
            parse = KINDS[step.kind].parse
            assert parse is not None, f"{step.kind} is answered on its own screen, not typed"
            value = parse(text, step, env.today)
        for name in step.validators:
            validator_name, _, argument = name.partition(":")
            env.validators[validator_name](value, env, state["answers"], argument or None)
        return value

    def _broken_check(self, state: dict[str, Any]) -> tuple[Step, InvalidInput] | None:
        """The first answer its validators refuse now, against the other answers as they stand (participants
        lowered to 10 after 20 foreigners were entered)."""
        for step in self.form.visible(state["answers"]):
            value = state["answers"].get(step.name)
            if value in (None, "", []):
                continue
            for name in step.validators:
                validator_name, _, argument = name.partition(":")
                try:
                    self.env.validators[validator_name](value, self.env, state["answers"], argument or None)
                except InvalidInput as error:
                    return step, error
        return None

    async def _accept(self, state: dict[str, Any], step: Step, value: Any) -> list[Reply]:
        state["answers"][step.name] = value
        if step.name not in state["done"]:
            state["done"].append(step.name)
        return await self._advance(state)

    async def _back(self, state: dict[str, Any]) -> list[Reply]:
        current = state["step"]
        done = [name for name in state["done"] if name != current and self._applies(state, name)]
        if not done:
            step = self.form.step(current or "")
            notice = self.t("This is the first question.")
            return [await self._ask(state, step, notice)] if step else await self._advance(state, notice)
        previous = done[-1]
        state["done"] = [name for name in state["done"] if name != previous]
        state["step"] = previous
        state["return_to_review"] = False
        return [await self._ask(state, self.form.step(previous), "")]  # type: ignore[arg-type]

    async def _advance(self, state: dict[str, Any], notice: str = "") -> list[Reply]:
        answers = state["answers"]
        pending = [step for step in self.form.visible(answers) if step.name not in state["done"]]
        if pending:
            state["mode"], state["step"] = "ask", pending[0].name
            return [await self._ask(state, pending[0], notice)]
        if not self.form.review:
            state["mode"] = "submitted"
            return []
        state["mode"], state["step"], state["return_to_review"] = "review", None, False
        return [await self._review(state, notice)]

    async def _ask(self, state: dict[str, Any], step: Step, notice: str) -> Reply:
        t = self.t
        lines = [notice] if notice else []
        lines.append(t(step.prompt))
        current = state["answers"].get(step.name)
        if step.name in state["answers"] and current not in (None, []) and step.kind is not Kind.PHOTOS:
            lines.append(t("Current answer: {answer}", answer=await self._format(step, current)))
        options = await self._step_options(step)
        state["shown"] = [value for value, _ in options]
        rows = [(Option(f"o{i}", label),) for i, (_, label) in enumerate(options)]
        return self._screen(state, step, "\n".join(lines), rows)

    def _screen(
        self, state: dict[str, Any], step: Step, text: str, rows: list[tuple[Option, ...]] | None = None
    ) -> Reply:
        """A question screen: its choice rows, then one row of navigation buttons."""
        rows = list(rows or [])
        nav: list[Option] = []
        t = self.t
        if step.kind is Kind.PHOTOS:
            nav.append(Option("done", t("Done"), nav=True))
        if any(name != step.name and self._applies(state, name) for name in state["done"]):
            nav.append(Option("back", t("Back"), nav=True))
        if step.name in state["answers"] and state["answers"][step.name] not in (None, []):
            nav.append(Option("keep", t("Keep"), nav=True))
        if not step.required:
            nav.append(Option("skip", t("Skip"), nav=True))
        nav.append(Option("cancel", t("Cancel"), nav=True))
        rows.append(tuple(nav))
        position = [s.name for s in self.form.visible(state["answers"])].index(step.name) + 1
        total = len(self.form.visible(state["answers"]))
        title = t("{form} — question {number} of {total}", form=t(self.form.title), number=position, total=total)
        return Reply(text=text, title=title, rows=tuple(rows), typed_hint=self._hint(step, bool(state["shown"])))

    def _hint(self, step: Step, has_choices: bool) -> str:
        words = [self.t("“back” to go back")]
        if not step.required:
            words.append(self.t("“skip” to skip"))
        if step.kind is Kind.PHOTOS:
            words.append(self.t("“xong” when done"))
        words.append(self.t("“hủy” to cancel"))
        prefix = self.t("Type the number of your choice, or its name.") + " " if has_choices else ""
        return prefix + self.t("You can also type: {words}.", words=", ".join(words))

    # ---- review ----------------------------------------------------------------------------------------------

    async def _review(self, state: dict[str, Any], notice: str = "") -> Reply:
        t = self.t
        lines = [notice] if notice else []
        lines.append(t("Please check your answers:"))
        for number, step in enumerate(self.form.visible(state["answers"]), start=1):
            value = state["answers"].get(step.name)
            shown = await self._format(step, value) if value not in (None, []) else t("(skipped)")
            lines.append(f"{number}. {t(step.label)}: {shown}")
        state["shown"] = []
        rows = (
            (Option("confirm", t(self.form.submit_label)),),
            (Option("edit", t("Edit an answer")),),
            (Option("cancel", t("Cancel"), nav=True),),
        )
        hint = t("Type “xác nhận” to send, “sửa 3” to change answer 3, or “hủy” to cancel.")
        return Reply(text="\n".join(lines), title=t(self.form.title), rows=rows, typed_hint=hint)

    async def _on_review(self, state: dict[str, Any], event: Input) -> Outcome:
        words = fold(event.text or "")
        key = event.key or ""
        if key == "cancel" or words in CANCEL_WORDS:
            return Outcome([self._enter_cancel(state)])
        if key == "confirm" or words in CONFIRM_WORDS or words == "1":
            missing = [
                step
                for step in self.form.visible(state["answers"])
                if step.required and state["answers"].get(step.name) in (None, "", [])
            ]
            if missing:
                state["done"] = [name for name in state["done"] if name != missing[0].name]
                return Outcome(await self._advance(state))
            if broken := self._broken_check(state):  # an edit may have made another answer wrong: ask it again
                step, error = broken
                state["mode"], state["step"], state["return_to_review"] = "ask", step.name, True
                state["done"] = [name for name in state["done"] if name != step.name]
                return Outcome([await self._ask(state, step, "⚠️ " + self.t(error.message, **error.params))])
            state["mode"] = "submitted"
            return Outcome([], status="done")
        if number := self._edit_number(words):
            return Outcome(await self._edit(state, number))
        if key == "edit" or words in {"sua", "edit", "2"}:
            state["mode"] = "pick_edit"
            return Outcome([await self._pick_edit(state)])
        if key == "back" or words in BACK_WORDS:
            state["mode"] = "ask"
            return Outcome(await self._back(state))
        raise InvalidInput(N_("Please confirm, choose an answer to edit, or cancel."))

    @staticmethod
    def _edit_number(words: str) -> int | None:
        for prefix in EDIT_PREFIXES:
            rest = words.removeprefix(prefix).strip()
            if words.startswith(prefix) and rest.isdecimal():
                return int(rest)
        return None

    async def _edit(self, state: dict[str, Any], number: int) -> list[Reply]:
        visible = self.form.visible(state["answers"])
        if not 1 <= number <= len(visible):
            raise InvalidInput(N_("Please answer with a number from 1 to {count}."), count=len(visible))
        step = visible[number - 1]
        state["mode"], state["step"], state["return_to_review"] = "ask", step.name, True
        state["done"] = [name for name in state["done"] if name != step.name]
        return [await self._ask(state, step, "")]

    async def _pick_edit(self, state: dict[str, Any], notice: str = "") -> Reply:
        t = self.t
        visible = self.form.visible(state["answers"])
        state["shown"] = [step.name for step in visible]
        rows = [(Option(f"o{i}", f"{i + 1}. {t(step.label)}"),) for i, step in enumerate(visible)]
        rows.append((Option("back", t("Back"), nav=True),))
        text = (notice + "\n" if notice else "") + t("Which answer do you want to change?")
        hint = t("Type the number of the answer, or “back” to go back to the review.")
        return Reply(text=text, title=t(self.form.title), rows=tuple(rows), typed_hint=hint)

    async def _on_pick_edit(self, state: dict[str, Any], event: Input) -> Outcome:
        words = fold(event.text or "")
        key = event.key or ""
        if key == "back" or words in BACK_WORDS:
            state["mode"] = "review"
            return Outcome([await self._review(state)])
        if key == "cancel" or words in CANCEL_WORDS:
            return Outcome([self._enter_cancel(state)])
        number = int(key[1:]) + 1 if key.startswith("o") and key[1:].isdecimal() else self._edit_number(words)
        if number is None and words.isdecimal():
            number = int(words)
        if number is None:
            labels = [self.t(step.label) for step in self.form.visible(state["answers"])]
            number = parse_choice(event.text or "", labels) + 1
        return Outcome(await self._edit(state, number))

    # ---- cancel ----------------------------------------------------------------------------------------------

    def _enter_cancel(self, state: dict[str, Any]) -> Reply:
        if state["mode"] != "confirm_cancel":
            state["cancel_from"] = state["mode"]
        state["mode"] = "confirm_cancel"
        return self._confirm_cancel(state)

    def _confirm_cancel(self, state: dict[str, Any], notice: str = "") -> Reply:
        t = self.t
        text = (notice + "\n" if notice else "") + t(
            "Cancel this {form}? Everything you entered in it will be discarded.", form=t(self.form.title).lower()
        )
        rows = ((Option("yes", t("Yes, cancel")), Option("no", t("No, continue"))),)
        return Reply(text=text, rows=rows, typed_hint=t("Type 1 (yes, cancel) or 2 (no, continue)."))

    async def _on_confirm_cancel(self, state: dict[str, Any], event: Input) -> Outcome:
        words = fold(event.text or "")
        key = event.key or ""
        if key == "yes" or words in YES_WORDS:
            state["mode"] = "cancelled"
            return Outcome([], status="cancelled")
        if key == "no" or words in NO_WORDS or words in BACK_WORDS:
            state["mode"] = state.get("cancel_from") or "ask"
            return Outcome(await self.render(state))
        raise InvalidInput(N_("Please answer yes or no."))

    # ---- helpers ---------------------------------------------------------------------------------------------

    def _applies(self, state: Mapping[str, Any], name: str) -> bool:
        step = self.form.step(name)
        return step is not None and step.applies(state["answers"])

    async def _options(self, step: Step) -> Sequence[tuple[str, str]]:
        return await self.env.options(step.options or step.name, self.env.i18n)

    async def _step_options(self, step: Step) -> list[tuple[str, str]]:
        """(value, label) pairs offered as buttons: a choice step's options, or quick dates for a date step."""
        if step.kind is Kind.CHOICE:
            return list(await self._options(step))
        if step.kind is Kind.DATE:
            today, yesterday = self.env.today, self.env.today - timedelta(days=1)
            return [
                (today.isoformat(), self.t("Today ({date})", date=self.env.i18n.date(today))),
                (yesterday.isoformat(), self.t("Yesterday ({date})", date=self.env.i18n.date(yesterday))),
            ]
        return []

    async def _format(self, step: Step, value: Any) -> str:
        if step.kind is Kind.CHOICE:
            label = dict(await self._options(step)).get(value)
            if label is not None:
                return label
        return KINDS[step.kind].format(value, self.env.i18n)

    def _migrate(self, state: dict[str, Any]) -> None:
        """A draft begun on an older form version keeps the answers whose steps still exist."""
        if state.get("version") == self.form.version:
            return
        names = {step.name for step in self.form.steps}
        state["answers"] = {k: v for k, v in state["answers"].items() if k in names}
        state["done"] = [name for name in state["done"] if name in names]
        state["version"] = self.form.version
        if state["mode"] == "ask" and state["step"] not in names:
            state["step"] = None
