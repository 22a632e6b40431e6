"""Forms declared as data: steps with a prompt, an input kind, named validators, optionality and branching."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from bot.i18n import N_


class Kind(StrEnum):
    CHOICE = "choice"
    TEXT = "text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    DATE = "date"
    MONEY = "money"
    COUNTRY = "country"
    PHOTOS = "photos"
    NAME = "name"
    YEAR = "year"
    PHONE = "phone"


@dataclass(frozen=True)
class Condition:
    """Asks a step only when an earlier answer is given (``answered``) or has certain values."""

    step: str
    op: Literal["answered", "equals", "in", "not_in"] = "answered"
    value: Any = None

    def holds(self, answers: Mapping[str, Any]) -> bool:
        answer = answers.get(self.step)
        if self.op == "answered":
            return answer not in (None, "", [])
        if self.op == "equals":
            return answer == self.value
        if self.op == "in":
            return answer in self.value
        return answer not in self.value


@dataclass(frozen=True)
class Step:
    """One question. ``label`` and ``prompt`` are msgids; ``options`` names an options source for choices;
    a ``sensitive`` answer is kept encrypted in the stored draft too, not only in the saved record; a ``detail`` is an
    optional question asked only when the person chooses to add details, so a minimal answer stays a few taps."""

    name: str
    label: str
    prompt: str
    kind: Kind
    required: bool = True
    options: str | None = None
    validators: tuple[str, ...] = ()
    when: tuple[Condition, ...] = ()
    max_length: int = 255
    sensitive: bool = False
    detail: bool = False

    def applies(self, answers: Mapping[str, Any]) -> bool:
        return all(condition.holds(answers) for condition in self.when)


@dataclass(frozen=True)
class Form:
    """A versioned questionnaire; drafts and saved records keep the version they were filled with."""

    name: str
    version: int
    title: str
    steps: tuple[Step, ...]
    submit_label: str = N_("Confirm and send")
    review: bool = True
    details_prompt: str = N_("Add details?")

    def step(self, name: str) -> Step | None:
        return next((step for step in self.steps if step.name == name), None)

    def visible(self, answers: Mapping[str, Any]) -> list[Step]:
        return [step for step in self.steps if step.applies(answers)]

    @property
    def has_details(self) -> bool:
        return any(step.detail for step in self.steps)
