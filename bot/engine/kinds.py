"""Each input kind parses what a person typed and formats the stored value for the review, in one place.

A new kind is one entry here (and its ``Kind`` member): the runner asks the table, it has no switch over kinds.
Choices and photos are screens the runner drives (what was shown, what was sent), so their entries only format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.engine.countries import country_name, parse_country
from bot.engine.errors import InvalidInput
from bot.engine.forms import Kind, Step
from bot.engine.parsers import count_note, parse_count, parse_date, parse_money
from bot.engine.personal import format_phone, parse_person_name, parse_phone, parse_year
from bot.i18n import N_, I18n
from storage.text import clean

REVIEW_LIMIT = 200  # characters of a long answer shown in the review
NOTE_SUFFIX = "_note"  # beside a step's answer: how exact it is ("about", "more", "less"), as its kind's note says
NOTES = {"about": N_("about {value}"), "more": N_("more than {value}"), "less": N_("less than {value}")}


def with_note(shown: str, note: str | None, i18n: I18n) -> str:
    """ "hơn 100": a formatted value with its note, or as it is."""
    return i18n.t(NOTES[note], value=shown) if note in NOTES else shown


def _text(text: str, step: Step, _today: date) -> str:
    value = clean(text)
    if not value:
        raise InvalidInput(N_("Please type your answer as text."))
    if len(value) > step.max_length:
        raise InvalidInput(N_("That is too long: at most {limit} characters, you wrote {length}."),
                           limit=step.max_length, length=len(value))  # fmt: skip
    return value


def _shortened(value: Any, _i18n: I18n) -> str:
    text = str(value)
    return text if len(text) <= REVIEW_LIMIT else text[: REVIEW_LIMIT - 1] + "…"


@dataclass(frozen=True)
class KindRules:
    """``parse`` turns typed text into the stored value (InvalidInput when it cannot); ``format`` shows it."""

    format: Callable[[Any, I18n], str]
    parse: Callable[[str, Step, date], Any] | None = None
    note: Callable[[str], str | None] | None = None  # how exact the typed value is ("hơn 100"), kept beside it


KINDS: dict[Kind, KindRules] = {
    Kind.TEXT: KindRules(_shortened, _text),
    Kind.LONG_TEXT: KindRules(_shortened, _text),
    Kind.DATE: KindRules(
        lambda value, i18n: i18n.date(date.fromisoformat(value)),
        lambda text, _step, today: parse_date(text, today).isoformat(),
    ),
    Kind.NUMBER: KindRules(
        lambda value, i18n: i18n.number(value), lambda text, _step, _today: parse_count(text), note=count_note
    ),
    Kind.MONEY: KindRules(lambda value, i18n: i18n.money(value), lambda text, _step, _today: parse_money(text)),
    Kind.COUNTRY: KindRules(
        lambda value, i18n: country_name(value, i18n.language), lambda text, _step, _today: parse_country(text)
    ),
    Kind.NAME: KindRules(_shortened, lambda text, _step, _today: parse_person_name(text)),
    Kind.YEAR: KindRules(lambda value, _i18n: str(value), lambda text, _step, today: parse_year(text, today)),
    Kind.PHONE: KindRules(lambda value, _i18n: format_phone(value), lambda text, _step, _today: parse_phone(text)),
    Kind.PHOTOS: KindRules(lambda value, i18n: i18n.t("{count} photo(s)", count=len(value))),
    Kind.CHOICE: KindRules(_shortened),  # the runner shows the option's label; this is for a value no longer offered
}
