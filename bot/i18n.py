"""Translations from the Babel catalogs in ``locales/``, and day-first dates and numbers in the person's locale.

Source strings (msgids) are English; ``vi`` is the default language. Catalogs are read once at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from storage.text import N_  # noqa: F401  (bot.i18n is where handlers take the marker from)

LANGUAGES = ("vi", "en")
_DATE_PATTERN = {"vi": "d/M/yyyy", "en": "dd/MM/yyyy"}
_BABEL_LOCALE = {"vi": "vi", "en": "en_GB"}


@cache
def load_catalog(language: str) -> dict[str, str]:
    """msgid → msgstr for one language; untranslated and fuzzy entries are left out."""
    po = resources.files("locales").joinpath(language, "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }


@dataclass(frozen=True)
class I18n:
    """Everything language-dependent for one person: text, dates, numbers."""

    language: str

    def t(self, message: str, /, **params: Any) -> str:
        text = load_catalog(self.language).get(message, message)
        return text.format(**params) if params else text

    def date(self, value: date) -> str:
        return format_date(value, _DATE_PATTERN[self.language], locale=_BABEL_LOCALE[self.language])

    def number(self, value: int) -> str:
        return format_decimal(value, locale=_BABEL_LOCALE[self.language])

    def money(self, value: int) -> str:
        return self.t("{amount} đồng", amount=self.number(value))


def i18n_for(language: str | None, default: str = "vi") -> I18n:
    return I18n(language if language in LANGUAGES else default)
