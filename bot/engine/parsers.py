"""Parsers for what officers type: dates, counts, money in VND, and choices among options.

Each parser returns a value or raises ``InvalidInput``; nothing else escapes, whatever the text (property-tested).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from bot.engine import spoken_numbers
from bot.engine.errors import InvalidInput
from bot.i18n import N_
from storage.text import fold

MAX_INPUT = 500
MAX_COUNT = 10_000_000
MAX_MONEY = 10**15


def _folded(text: str) -> str:
    if len(text) > MAX_INPUT:
        raise InvalidInput(N_("That answer is too long."))
    return fold(text)


# ---- dates -------------------------------------------------------------------------------------------------------

_RELATIVE_DAYS = {
    "hom nay": 0,
    "today": 0,
    "nay": 0,
    "hom qua": -1,
    "yesterday": -1,
    "qua": -1,
    "hom kia": -2,
    "day before yesterday": -2,
}
_NUMERIC_DATE = re.compile(r"^(?:ngay\s*)?(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{2}|\d{4}))?$")
_WORDED_DATE = re.compile(r"^(?:ngay\s*)?(\d{1,2})\s*(?:thang|th)\s*(\d{1,2})(?:\s*(?:nam|,|/)?\s*(\d{4}))?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_LAST_YEAR_DAYS = 92  # a year-less date moved back to last year is taken silently only within about a quarter
_AGO = re.compile(r"^(\d{1,3})\s*(?:ngay truoc|days? ago)$")


def _make_date(day: int, month: int, year: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput(N_("There is no such day in the calendar.")) from None


def _or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _full_year(text: str) -> int:
    year = int(text)
    return 2000 + year if year < 100 else year


def parse_date(text: str, today: date, *, prefer_past: bool = True) -> date:
    """Day-first dates as officers write them: "hôm nay", "hôm qua", "10/6", "10/6/2026", "10 tháng 6 năm 2026".

    A missing year is the current one, or with ``prefer_past`` the last year when that date has not come yet
    (on 5 January "28/12" means last December); a date that would go back further than a quarter that way
    ("25/12" on 2 December) is more likely a slip, so the year is asked for instead of guessed. Without
    ``prefer_past`` (a deadline) it is the next time that day comes ("31/1" on 2 December is next January).
    """
    folded = _folded(text).rstrip(".")
    if folded in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[folded])
    if match := _AGO.match(folded):
        return today - timedelta(days=int(match.group(1)))
    if match := _ISO_DATE.match(folded):
        return _make_date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    match = _NUMERIC_DATE.match(folded) or _WORDED_DATE.match(folded)
    if not match:
        raise InvalidInput(N_("Please write the date day first, for example 10/6/2026 or “hôm qua”."))
    day, month = int(match.group(1)), int(match.group(2))
    if match.group(3):
        return _make_date(day, month, _full_year(match.group(3)))
    _make_date(day, month, 2028)  # a day that no year has (31/4) is refused as such
    if not prefer_past:
        for year in range(today.year, today.year + 9):
            found = _or_none(year, month, day)
            if found is not None and found >= today:
                return found
    for year in range(today.year, today.year - 9, -1):
        found = _or_none(year, month, day)
        if found is None or found > today:
            continue  # 29/2 outside a leap year, or a day still to come this year
        if year != today.year and (today - found).days > _LAST_YEAR_DAYS:
            raise InvalidInput(
                N_("Which year is {day}/{month}? If you meant {day}/{month}/{year}, please write it with the year."),
                day=str(day),
                month=str(month),
                year=str(year),
            )
        return found
    raise InvalidInput(N_("There is no such day in the calendar."))


# ---- whole numbers -----------------------------------------------------------------------------------------------

_APPROX_WORDS = (
    "khoang",
    "chung",
    "tam",
    "gan",
    "hon",
    "tren",
    "duoi",
    "xap xi",
    "about",
    "around",
    "approximately",
    "approx",
    "over",
    "nearly",
    "almost",
    "roughly",
    "more than",
    "less than",
    "ca",
    "~",
)
_UNIT_WORDS = ("nguoi", "luot nguoi", "luot", "dai bieu", "nguoi tham du", "people", "persons", "participants")
_GROUPED = re.compile(r"^\d{1,3}(?:[.,\s]\d{3})+$")
_PLAIN = re.compile(r"^\d+$")
_RANGE = re.compile(r"^(\d+)\s*(?:-|–|~|den|toi|to)\s*(\d+)$")


def _strip_words(folded: str, prefixes: Sequence[str], suffixes: Sequence[str]) -> str:
    changed = True
    while changed:
        changed = False
        for word in prefixes:
            if folded.startswith(word + " ") or (word == "~" and folded.startswith("~")):
                folded = folded[len(word) :].strip()
                changed = True
        for word in suffixes:
            if folded.endswith(" " + word) or folded == word:
                folded = folded[: -len(word)].strip()
                changed = True
    return folded


def _integer(token: str) -> int | None:
    if _PLAIN.match(token):
        return int(token)
    if _GROUPED.match(token):
        return int(re.sub(r"[.,\s]", "", token))
    return None


def _spoken(text: str, tails: Sequence[str]) -> int | None:
    """A number in words ("khoảng năm mươi người"): the words after an approximation and before a unit word."""
    tokens = spoken_numbers.words(text)
    folded = [fold(token) for token in tokens]
    for tail in tails:
        size = len(tail.split())
        if len(folded) > size and " ".join(folded[-size:]) == tail:
            tokens, folded = tokens[:-size], folded[:-size]
            break
    while tokens:
        if (value := spoken_numbers.read(tokens)) is not None:
            return value
        lead = next((len(word.split()) for word in _APPROX_WORDS if " ".join(folded[: len(word.split())]) == word),
                    0)  # fmt: skip
        if not lead:
            return None
        tokens, folded = tokens[lead:], folded[lead:]
    return None


_NOTES = (
    ("more", ("hon", "tren", "over", "more than")),
    ("less", ("duoi", "less than", "under")),
    ("about", ("khoang", "chung", "tam", "gan", "xap xi", "about", "around", "approximately", "approx", "nearly",
               "almost", "roughly", "ca", "uoc", "uoc tinh", "~")),
)  # fmt: skip


def count_note(text: str) -> str | None:
    """How exact a typed number is: "about" (khoảng 50), "more" (hơn 100, 100+), "less" (dưới 20), or None (50)."""
    folded = _folded(text)
    if folded.endswith("+"):
        return "more"
    for note, words in _NOTES:
        if any(folded == word or folded.startswith(word + " ") or (word == "~" and folded.startswith("~"))
               for word in words):  # fmt: skip
            return note
    return None


def parse_count(text: str) -> int:
    """A whole number of people: "50", "khoảng 50", "1.200 người", "~30", "năm mươi", "100+" (how exact it is:
    ``count_note``)."""
    folded = _strip_words(_folded(text), _APPROX_WORDS, _UNIT_WORDS).removesuffix("+").strip()
    if folded.startswith("-"):
        raise InvalidInput(N_("The number cannot be negative."))
    if span := _RANGE.match(folded):
        raise InvalidInput(N_("{low} to {high}: please give one number (an estimate is fine), for example {low}."),
                           low=span.group(1), high=span.group(2))  # fmt: skip
    value = _integer(folded)
    if value is None:
        value = _spoken(text, sorted(_UNIT_WORDS, key=len, reverse=True))
    if value is None:
        raise InvalidInput(N_("Please answer with a whole number, for example 50."))
    if value > MAX_COUNT:
        raise InvalidInput(N_("That number is too large; please check it."))
    return value


# ---- money -------------------------------------------------------------------------------------------------------

_MONEY_UNITS = {
    "ty": 10**9, "ti": 10**9, "billion": 10**9, "bn": 10**9,
    "trieu": 10**6, "tr": 10**6, "million": 10**6, "mil": 10**6, "m": 10**6,
    "nghin": 10**3, "ngan": 10**3, "thousand": 10**3, "k": 10**3,
}  # fmt: skip
_MONEY_PART = re.compile(
    r"(\d+(?:[.,]\d+)*)\s*(" + "|".join(sorted(_MONEY_UNITS, key=len, reverse=True)) + r")?\b(\s*ruoi\b)?"
)
_CURRENCY_TAIL = re.compile(r"\s*(?:dong|vnd|d)\.?$")


def _decimal(token: str, has_unit: bool) -> Decimal:
    """ "5.000.000" is grouping; "1,5" and "1.5" before a unit ("1,5 triệu") are decimals."""
    if _GROUPED.match(token) and not (has_unit and re.fullmatch(r"\d+[.,]\d{1,2}", token)):
        return Decimal(re.sub(r"[.,]", "", token))
    if re.fullmatch(r"\d+[.,]\d+", token):
        return Decimal(token.replace(",", "."))
    if _PLAIN.match(token):
        return Decimal(token)
    raise InvalidInput(N_("Please write the amount in đồng, for example 5.000.000, “5 triệu” or “5tr”."))


def parse_money(text: str) -> int:
    """An amount in VND: "5 triệu", "5tr", "5.000.000", "1,5 tỷ", "1 tỷ 200 triệu", "3 triệu rưỡi", "500k",
    "năm triệu"."""
    spoken = _spoken(text, ("dong", "vnd"))
    if spoken is not None:
        return _bounded_money(Decimal(spoken))
    folded = _folded(text)
    folded = _strip_words(folded, _APPROX_WORDS, ())
    folded = _CURRENCY_TAIL.sub("", folded).strip()
    if folded.startswith("-"):
        raise InvalidInput(N_("The amount cannot be negative."))
    if not folded:
        raise InvalidInput(N_("Please write the amount in đồng, for example 5.000.000, “5 triệu” or “5tr”."))
    position, total = 0, Decimal(0)
    for match in _MONEY_PART.finditer(folded):
        if folded[position : match.start()].strip(" ,;+va"):
            break
        unit = match.group(2) or ""
        if match.group(3) and not unit:  # "rưỡi" (and a half) only follows a unit: "3 triệu rưỡi"
            break
        try:
            amount = _decimal(match.group(1), bool(unit)) + (Decimal("0.5") if match.group(3) else 0)
            total += amount * _MONEY_UNITS.get(unit, 1)
        except InvalidOperation:
            break
        position = match.end()
    if position == 0 or folded[position:].strip():
        raise InvalidInput(N_("Please write the amount in đồng, for example 5.000.000, “5 triệu” or “5tr”."))
    return _bounded_money(total)


def _bounded_money(total: Decimal) -> int:
    if total != total.to_integral_value():
        raise InvalidInput(N_("Please give the amount in whole đồng."))
    if total > MAX_MONEY:
        raise InvalidInput(N_("That number is too large; please check it."))
    return int(total)


# ---- choices -----------------------------------------------------------------------------------------------------


def parse_choice(text: str, labels: Sequence[str], words_of: Sequence[str] = ()) -> int:
    """The index of the option a person meant: its number, its words (diacritics optional) or a unique part of them.
    ``words_of`` adds words an option also answers to (a short label's full name), matched like its own words."""
    folded = _folded(text).strip(" .)")
    if not folded:
        raise InvalidInput(N_("Please choose one of the options."))
    if folded.isdecimal():
        number = int(folded)
        if 1 <= number <= len(labels):
            return number - 1
        raise InvalidInput(N_("Please answer with a number from 1 to {count}."), count=len(labels))
    folded_labels = [fold(label) for label in labels]
    folded_all = [fold(f"{label} {words_of[i] if i < len(words_of) else ''}") for i, label in enumerate(labels)]
    words = folded.split()
    for matcher, candidates in (
        (lambda label: label == folded, folded_labels),
        (lambda label: label.startswith(folded), folded_labels),
        (lambda label: re.search(rf"\b{re.escape(folded)}", label) is not None, folded_all),
        (lambda label: all(_has_word(label, word, typos=False) for word in words), folded_all),  # "tiep don doan"
        (lambda label: all(_has_word(label, word, typos=True) for word in words), folded_all),  # a slip: "huu ngi"
    ):
        hits = [i for i, label in enumerate(candidates) if matcher(label)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            shown = "; ".join(f"{i + 1}. {labels[i]}" for i in hits[:5])
            raise InvalidInput(N_("“{text}” fits several options: {options}. Please answer with the number."),
                               text=text.strip()[:40], options=shown)  # fmt: skip
    raise InvalidInput(N_("Please choose one of the options, by number or by name."))


def _has_word(label: str, word: str, *, typos: bool) -> bool:
    """Whether one of the label's words starts with ``word`` — or, with ``typos``, is one slip away from it (a letter
    missing, extra, changed or two swapped; for words of three letters or more)."""
    for candidate in label.split():
        candidate = candidate.strip(",.;:()")
        if candidate.startswith(word):
            return True
        if typos and len(word) >= 3 and _one_slip(candidate, word):
            return True
    return False


def _one_slip(a: str, b: str) -> bool:
    """Damerau–Levenshtein distance of at most one."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return a == b
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])  # fmt: skip
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))
