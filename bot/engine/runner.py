"""Walks a person through a form, one input at a time, over a JSON state that the caller persists after each step.

Navigation comes with every form: back, skip (optional steps), keep the current answer, cancel with confirmation,
a review screen with "edit this one", and confirm. Every choice can be tapped or typed, and every screen has one
numbering only, so a typed number means what the person sees. A form's ``detail`` questions wait behind one
"add details?" choice, so a minimal answer is the required questions and two taps. The long list of typed words is
shown once, on "?" or after a mistake, not on every step.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from bot.engine.errors import InvalidInput
from bot.engine.forms import Form, Kind, Step
from bot.engine.kinds import KINDS, NOTE_SUFFIX, with_note
from bot.engine.parsers import parse_choice
from bot.engine.replies import Option, Reply
from bot.i18n import N_, I18n
from storage.text import fold

OptionsSource = Callable[[str, I18n], Awaitable[Sequence[tuple[str, ...]]]]  # (value, label[, more words to match])
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
HELP_WORDS = {"?", "huong dan", "help", "tro giup", "/help", "/trogiup"}
MORE_WORDS = {"them", "them chi tiet", "co", "co them", "add", "add details", "more", "yes", "chi tiet"}
NO_MORE_WORDS = {"khong", "khong them", "no", "xem lai", "review", "gui", "gui luon", "send"}
DETAILS_ANSWERS = ("more", "no_more")
PAGE_CHOICES = 6  # a longer list shows this many at a time, then "more options…"; typed words reach every option
MORE = "\x00more"  # the value of "more options…" among the shown ones
MORE_OPTIONS_WORDS = {"xem them", "them", "more", "tiep", "lua chon khac", "more options"}


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
        "details": None,  # None: not asked yet; True: asking the detail questions; False: declined
        "hinted": False,
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
        if mode == "details":
            return [self._details(state, notice)]
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
                "details": self._on_details,
                "confirm_cancel": self._on_confirm_cancel,
            }[state["mode"]](state, event)
        except InvalidInput as error:
            return Outcome(await self.render(state, "⚠️ " + self.t(error.message, **error.params)))
        if state["mode"] == "submitted":
            outcome.status = "done"
        return outcome

    def visible_answers(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """The answers of steps that apply, as stored (dates ISO, choices by value), and the notes beside them."""
        answers = state["answers"]
        visible = {step.name: answers.get(step.name) for step in self.form.visible(answers)}
        notes = {name + NOTE_SUFFIX: answers[name + NOTE_SUFFIX] for name in visible if name + NOTE_SUFFIX in answers}
        return {**visible, **notes}

    @staticmethod
    def _set_note(state: dict[str, Any], step: Step, note: str | None) -> None:
        if note is None:
            state["answers"].pop(step.name + NOTE_SUFFIX, None)
        else:
            state["answers"][step.name + NOTE_SUFFIX] = note

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
        if words in HELP_WORDS:  # in the text, not the typing hint: Telegram shows no hint, and "?" must answer there
            return Outcome([await self._ask(state, step, "ℹ️ " + self._words_help(step))])
        if key == "keep" or (words in KEEP_WORDS and step.name in state["answers"]):
            return Outcome(await self._accept(state, step, state["answers"].get(step.name)))
        if key == "skip" or words in SKIP_WORDS:
            if step.required:
                raise InvalidInput(N_("This question cannot be skipped."))
            self._set_note(state, step, None)
            return Outcome(await self._accept(state, step, None))
        if step.kind is Kind.PHOTOS:
            return await self._on_photo_step(state, step, event, key, words)
        if event.photo is not None:
            raise InvalidInput(N_("A photo is not the answer to this question; photos come later in the form."))
        if key.startswith("o") and key[1:].isdecimal():
            index = int(key[1:])
            if index >= len(state["shown"]):
                raise InvalidInput(N_("Please choose one of the options."))
            value = state["shown"][index]
        elif key:
            raise InvalidInput(N_("Please choose one of the options."))
        elif MORE in state["shown"] and words in MORE_OPTIONS_WORDS:
            value = MORE
        elif step.kind is not Kind.CHOICE and words.isdecimal() and 1 <= int(words) <= len(state["shown"]):
            value = state["shown"][int(words) - 1]  # a quick answer's number ("1. Hôm nay"), as typed on Zalo
        else:
            value = await self._parse(state, step, event.text or "")
            if (note := KINDS[step.kind].note) is not None:
                self._set_note(state, step, note(event.text or ""))
        if value == MORE:
            state["page"] = state.get("page", 0) + 1
            return Outcome([await self._ask(state, step, "")])
        return Outcome(await self._accept(state, step, value))

    async def _on_photo_step(self, state: dict[str, Any], step: Step, event: Input, key: str, words: str) -> Outcome:
        photos = list(state["answers"].get(step.name) or [])
        if event.photo is not None:
            photos = self._add_photo(state, step, event.photo)
            if self._buttons:
                text = self.t("Photo {count} received. Send more, or press “Done”.", count=len(photos))
            else:
                text = self.t("Photo {count} received. Send more, or type “done”.", count=len(photos))
            state["shown"] = []
            return Outcome([self._screen(state, step, text)])
        if key == "done" or words in DONE_WORDS:
            if step.required and not photos:
                raise InvalidInput(N_("Please send at least one photo."))
            return Outcome(await self._accept(state, step, photos))
        if self._buttons:
            raise InvalidInput(N_("Please send a photo, or press “Done” when you have sent them all."))
        raise InvalidInput(N_("Please send a photo, or type “done” when you have sent them all."))

    def _add_photo(self, state: dict[str, Any], step: Step, ref: str) -> list[dict[str, str]]:
        photos = [*(state["answers"].get(step.name) or []), {"channel": self.env.channel, "ref": ref}]
        state["answers"][step.name] = photos
        return photos

    async def _parse(self, state: dict[str, Any], step: Step, text: str) -> Any:
        env = self.env
        value: Any
        if step.kind is Kind.CHOICE:
            raw = await self.env.options(step.options or step.name, self.env.i18n)
            labels = {option[0]: option[1] for option in raw}
            labels[MORE] = self.t("More options…")
            words = {option[0]: option[2] for option in raw if len(option) > 2}
            # a number is the one shown; words may name any option, on this page or not
            values = state["shown"] if fold(text).strip(" .)").isdecimal() else [option[0] for option in raw]
            index = parse_choice(text, [labels.get(v, str(v)) for v in values], [words.get(v, "") for v in values])
            value = values[index]
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
        state.pop("page", None)
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
        state["mode"], state["step"] = "ask", previous
        if not (step := self.form.step(previous)) or not step.detail:
            state["details"] = None
        state["return_to_review"] = False
        return [await self._ask(state, self.form.step(previous), "")]  # type: ignore[arg-type]

    async def _advance(self, state: dict[str, Any], notice: str = "") -> list[Reply]:
        answers = state["answers"]
        declined = state.get("details") is False
        pending = [
            step
            for step in self.form.visible(answers)
            if step.name not in state["done"] and not (step.detail and declined)
        ]
        if pending and pending[0].detail and state.get("details") is None:
            state["mode"], state["step"] = "details", None
            return [self._details(state, notice)]
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
        if step.kind is Kind.PHOTOS:
            lines.append(t("Press “Done” when you have sent them all.") if self._buttons
                         else t("Type “done” when you have sent them all."))  # fmt: skip
        current = state["answers"].get(step.name)
        if step.name in state["answers"] and current not in (None, []) and step.kind is not Kind.PHOTOS:
            lines.append(t("Current answer: {answer}", answer=await self._format(step, current)))
        options = self._page(state, await self._step_options(step))
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
        section = [s.name for s in self.form.steps if s.detail == step.detail and self._counted(state, s)]
        number, total, form = section.index(step.name) + 1, len(section), t(self.form.title)
        if step.detail:
            title = t("{form} — detail {number} of {total}", form=form, number=number, total=total)
        else:
            title = t("{form} — question {number} of {total}", form=form, number=number, total=total)
        return Reply(text=text, title=title, rows=tuple(rows), typed_hint=self._hint(state, step))

    def _counted(self, state: Mapping[str, Any], step: Step) -> bool:
        """Steps in the "question N of M" count: those that apply, and those whose condition is not decided yet, so
        the total can only shrink as the person answers (never "6 of 10" followed by "7 of 11")."""
        return step.applies(state["answers"]) or any(c.step not in state["done"] for c in step.when)

    def _hint(self, state: dict[str, Any], step: Step) -> str:
        """A short line on the form's first screen saying what can be typed and that "?" says the rest; other
        screens carry none, so each question stays short (a mistake's own message says what is wanted)."""
        if state.get("hinted"):
            return ""
        state["hinted"] = True
        return self.t("Type a number or a name; “?” for help.") if state["shown"] else self.t("Type “?” for help.")

    def _words_help(self, step: Step) -> str:
        """Every word this question takes besides its answer: the answer to "?"."""
        shows_choices = step.kind in (Kind.CHOICE, Kind.DATE)  # the steps that list options (dates: today, yesterday)
        prefix = self.t("Type the number of your choice, or its name.") + " " if shows_choices else ""
        words = [self.t("“back” to go back")]
        if not step.required:
            words.append(self.t("“skip” to skip"))
        if step.kind is Kind.PHOTOS:
            words.append(self.t("“xong” when done"))
        words.append(self.t("“hủy” to cancel"))
        return prefix + self.t("You can also type: {words}.", words=", ".join(words))

    @property
    def _buttons(self) -> bool:
        return "buttons" in self.env.capabilities

    # ---- details -----------------------------------------------------------------------------------------------

    def _details(self, state: dict[str, Any], notice: str = "") -> Reply:
        """One choice between the required questions and the optional ones: add details, or go to the review."""
        t = self.t
        state["shown"] = list(DETAILS_ANSWERS)
        text = (notice + "\n" if notice else "") + t(self.form.details_prompt)
        rows = (
            (Option("o0", t("➕ Add details")),),
            (Option("o1", t("No, review and send")),),
            (Option("back", t("Back"), nav=True), Option("cancel", t("Cancel"), nav=True)),
        )
        return Reply(text=text, title=t(self.form.title), rows=rows, typed_hint=t("Type 1 or 2."))

    async def _on_details(self, state: dict[str, Any], event: Input) -> Outcome:
        words = fold(event.text or "")
        key = event.key or ""
        if key == "cancel" or words in CANCEL_WORDS:
            return Outcome([self._enter_cancel(state)])
        if key == "back" or words in BACK_WORDS:
            return Outcome(await self._back(state))
        if event.photo is not None:  # kept, not lost: it is the answer to the photo question
            photos_step = next((s for s in self.form.visible(state["answers"]) if s.kind is Kind.PHOTOS), None)
            if photos_step is None:
                raise InvalidInput(N_("A photo is not the answer to this question; photos come later in the form."))
            photos = self._add_photo(state, photos_step, event.photo)
            return Outcome([self._details(state, self.t("Photo {count} received.", count=len(photos)))])
        if key == "o0" or words in MORE_WORDS or words == "1":
            more = True
        elif key == "o1" or words in NO_MORE_WORDS or words == "2":
            more = False
        elif key:
            raise InvalidInput(N_("Please choose one of the options."))
        else:
            more = parse_choice(event.text or "", [self.t("➕ Add details"), self.t("No, review and send")]) == 0
        state["details"] = more
        return Outcome(await self._advance(state))

    # ---- review ----------------------------------------------------------------------------------------------

    def _reviewed(self, state: Mapping[str, Any]) -> list[Step]:
        """The answers "edit" offers, in the form's order: those given, the required ones, and those skipped (which
        the review names on one line instead of a column of "(skipped)"); details never asked are one "add
        details" away."""
        answers = state["answers"]
        given = {name for name, value in answers.items() if value not in (None, "", [])}
        return [step for step in self.form.visible(answers) if step.required or step.name in {*state["done"], *given}]

    def _skipped(self, state: Mapping[str, Any]) -> list[Step]:
        answers = state["answers"]
        return [
            step for step in self._reviewed(state) if not step.required and answers.get(step.name) in (None, "", [])
        ]

    def _review_actions(self, state: Mapping[str, Any]) -> list[Option]:
        actions = [Option("confirm", self.t(self.form.submit_label)), Option("edit", self.t("Edit an answer"))]
        if self._details_missing(state):
            actions.append(Option("details", self.t("➕ Add details")))
        return actions

    def _details_missing(self, state: Mapping[str, Any]) -> list[str]:
        answers = state["answers"]
        return [s.name for s in self.form.visible(answers) if s.detail and answers.get(s.name) in (None, "", [])]

    async def _review(self, state: dict[str, Any], notice: str = "") -> Reply:
        t = self.t
        lines = [notice] if notice else []
        lines.append(t("Please check your answers:"))
        skipped = self._skipped(state)
        for step in self._reviewed(state):
            value = state["answers"].get(step.name)
            if step not in skipped:
                note = state["answers"].get(step.name + NOTE_SUFFIX)
                shown = await self._format(step, value, note) if value not in (None, []) else t("(not answered)")
                lines.append(f"• {t(step.label)}: {shown}")
        if skipped:
            lines.append(t("Skipped: {answers}", answers=", ".join(t(step.label).lower() for step in skipped)))
        state["shown"] = []
        rows = (*((option,) for option in self._review_actions(state)), (Option("cancel", t("Cancel"), nav=True),))
        listed = self._reviewed(state)
        example = t(listed[min(1, len(listed) - 1)].label).lower() if listed else ""
        hint = t("Type 1 to send, “edit {answer}” to change an answer by its name, or “cancel” to cancel.",
                 answer=example)  # fmt: skip
        return Reply(text="\n".join(lines), title=t(self.form.title), rows=rows, typed_hint=hint, reading=True)

    async def _on_review(self, state: dict[str, Any], event: Input) -> Outcome:
        words = fold(event.text or "")
        key = event.key or ""
        actions = self._review_actions(state)
        if words.isdecimal():  # the numbers on this screen are its actions, as listed
            index = int(words) - 1
            if not 0 <= index < len(actions):
                raise InvalidInput(N_("Please answer with a number from 1 to {count}."), count=len(actions))
            key, words = actions[index].key, ""
        if key == "cancel" or words in CANCEL_WORDS:
            return Outcome([self._enter_cancel(state)])
        if key == "details" or (words in MORE_WORDS - {"co", "yes"} and actions[-1].key == "details"):
            missing = self._details_missing(state)
            state["done"] = [name for name in state["done"] if name not in missing]
            state["details"] = True
            return Outcome(await self._advance(state))
        if key == "confirm" or words in CONFIRM_WORDS:
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
        if number := self._edit_target(state, words):
            return Outcome(await self._edit(state, number))
        if key == "edit" or words in {"sua", "edit"}:
            state["mode"] = "pick_edit"
            return Outcome([await self._pick_edit(state)])
        if key == "back" or words in BACK_WORDS:
            return Outcome(await self._back(state))
        raise InvalidInput(N_("Please confirm, choose an answer to edit, or cancel."))

    def _edit_target(self, state: Mapping[str, Any], words: str) -> int | None:
        """ "sửa 3" or "sửa ngày": the answer to change, by its place in the edit list or by its name."""
        for prefix in EDIT_PREFIXES:
            rest = words.removeprefix(prefix).strip()
            if not words.startswith(prefix + " ") or not rest:
                continue
            if rest.isdecimal():
                return int(rest)
            return parse_choice(rest, [self.t(step.label) for step in self._reviewed(state)]) + 1
        return None

    async def _edit(self, state: dict[str, Any], number: int) -> list[Reply]:
        listed = self._reviewed(state)
        if not 1 <= number <= len(listed):
            raise InvalidInput(N_("Please answer with a number from 1 to {count}."), count=len(listed))
        step = listed[number - 1]
        state["mode"], state["step"], state["return_to_review"] = "ask", step.name, True
        state["done"] = [name for name in state["done"] if name != step.name]
        return [await self._ask(state, step, "")]

    async def _pick_edit(self, state: dict[str, Any], notice: str = "") -> Reply:
        t = self.t
        listed = self._reviewed(state)
        state["shown"] = [step.name for step in listed]
        rows = [(Option(f"o{i}", t(step.label)),) for i, step in enumerate(listed)]
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
        number = int(key[1:]) + 1 if key.startswith("o") and key[1:].isdecimal() else self._edit_target(state, words)
        if number is None and words.isdecimal():
            number = int(words)
        if number is None:
            labels = [self.t(step.label) for step in self._reviewed(state)]
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

    async def _options(self, step: Step) -> list[tuple[str, str]]:
        return [(option[0], option[1]) for option in await self.env.options(step.options or step.name, self.env.i18n)]

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

    def _page(self, state: dict[str, Any], options: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """A long list a page at a time (the source puts the likeliest first), "more options…" turning the page."""
        if len(options) <= PAGE_CHOICES + 1:
            return options
        pages = -(-len(options) // PAGE_CHOICES)
        page = state.get("page", 0) % pages
        return [*options[page * PAGE_CHOICES : (page + 1) * PAGE_CHOICES], (MORE, self.t("More options…"))]

    async def _format(self, step: Step, value: Any, note: str | None = None) -> str:
        if step.kind is Kind.CHOICE:
            label = dict(await self._options(step)).get(value)
            if label is not None:
                return label
        return with_note(KINDS[step.kind].format(value, self.env.i18n), note, self.env.i18n)

    def _migrate(self, state: dict[str, Any]) -> None:
        """A draft begun on an older form version keeps the answers whose steps still exist."""
        if state.get("version") == self.form.version:
            return
        names = {step.name for step in self.form.steps}
        state["answers"] = {k: v for k, v in state["answers"].items() if k.removesuffix(NOTE_SUFFIX) in names}
        state["done"] = [name for name in state["done"] if name in names]
        state["version"] = self.form.version
        if state["mode"] == "ask" and state["step"] not in names:
            state["step"] = None
