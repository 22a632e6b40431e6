"""Parsers for personal details officers type or paste from Excel: people's names, years, Vietnamese mobile numbers.

Like the other parsers, each returns a value or raises ``InvalidInput`` whatever the text (property-tested).
"""

from __future__ import annotations

import re
from datetime import date

from bot.engine.errors import InvalidInput
from bot.i18n import N_
from storage.text import clean, fold

MAX_NAME = 100
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+)*\.?$")


def parse_person_name(text: str) -> str:
    """ "  nguyễn   văn  a " → "Nguyễn Văn A": trimmed, one space between words, each word capitalised."""
    name = clean(text).strip(" ,;")
    if not name:
        raise InvalidInput(N_("Please write the person's full name, for example Nguyễn Văn An."))
    if len(name) > MAX_NAME:
        raise InvalidInput(N_("That name is too long: at most {limit} characters."), limit=MAX_NAME)
    if not _NAME_CHARS.match(name):
        raise InvalidInput(N_("A name has only letters and spaces; please check it."))
    return " ".join(word[:1].title() + word[1:].lower() for word in name.split(" "))  # title: "ß" → "Ss", not "SS"


def parse_year(text: str, today: date, *, earliest: int = 1900) -> int:
    """A four-digit year between ``earliest`` and this year ("1985", "năm 1985", "khoảng 1985")."""
    digits = re.findall(r"\d+", fold(text)[:100])
    if len(digits) != 1 or len(digits[0]) != 4:
        raise InvalidInput(N_("Please write the year with four digits, for example 1985."))
    year = int(digits[0])
    if year > today.year:
        raise InvalidInput(N_("That year is in the future; please check it."))
    if year < earliest:
        raise InvalidInput(N_("The year cannot be before {year}; please check it."), year=earliest)
    return year


# Prefixes renamed in 2018, when 11-digit mobile numbers became 10-digit ones; people still write the old ones.
_OLD_PREFIXES = {
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036", "0167": "037", "0168": "038",
    "0169": "039", "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078", "0123": "083",
    "0124": "084", "0125": "085", "0127": "081", "0129": "082", "0186": "056", "0188": "058", "0199": "059",
}  # fmt: skip
_MOBILE = re.compile(r"^0(?:3[2-9]|5[25689]|7[06-9]|8[1-9]|9\d)\d{7}$")


def parse_phone(text: str) -> str:
    """A Vietnamese mobile number in any common writing ("+84 912 345 678", "0912.345.678", "84912345678",
    old 11-digit "0168 …") → E.164 "+84912345678"."""
    raw = clean(text)[:40]
    if not raw:
        raise InvalidInput(N_("Please write a mobile phone number, for example 0912 345 678."))
    if re.search(r"[^\d\s.\-+()]", raw):
        raise InvalidInput(N_("A phone number has only digits (and +, spaces, dots); please check it."))
    digits = re.sub(r"\D", "", raw)
    if raw.lstrip("( ").startswith("+") or digits.startswith("0084"):
        digits = digits.removeprefix("00")
        if not digits.startswith("84"):
            raise InvalidInput(N_("Only Vietnamese mobile numbers (+84) can be stored here."))
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    elif len(digits) == 9 and not digits.startswith("0"):  # Excel drops the leading zero of a number cell
        digits = "0" + digits
    if len(digits) == 11 and digits[:4] in _OLD_PREFIXES:
        digits = _OLD_PREFIXES[digits[:4]] + digits[4:]
    if not _MOBILE.match(digits):
        raise InvalidInput(
            N_("“{text}” is not a Vietnamese mobile number; it should have 10 digits, like 0912 345 678."),
            text=raw[:20],
        )
    return "+84" + digits[1:]


def format_phone(e164: str) -> str:
    """ "+84912345678" → "0912 345 678", the way Vietnamese numbers are read out."""
    local = "0" + e164.removeprefix("+84")
    return f"{local[:4]} {local[4:7]} {local[7:]}"
