"""Numbers written out in Vietnamese words, as officers type them: "năm mươi", "một trăm linh năm", "năm triệu
rưỡi", "hai nghìn hai", and the same without diacritics ("nam muoi") as typed on Zalo.

A word with diacritics must be the number word itself ("tầm" is "about", not "tám"); a word without any is read by
its folded form ("tam" is "tám"). Anything that is not a well-formed number gives None, never a guess.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from storage.text import fold

_DIGITS = {
    "không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5, "nhăm": 5, "sáu": 6,
    "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9,
}  # fmt: skip
_TENS = ("mười", "mươi", "chục")
_HUNDRED = ("trăm",)
_ZERO_TENS = ("linh", "lẻ")
_HALF = ("rưỡi",)
_SCALES = {"nghìn": 10**3, "ngàn": 10**3, "triệu": 10**6, "tỷ": 10**9, "tỉ": 10**9}


def _word(token: str, words: Sequence[str]) -> bool:
    return token in words or (token.isascii() and token in {fold(word) for word in words})


def _value(token: str, table: dict[str, int]) -> int | None:
    """The token's value in ``table``: its own spelling, or — typed without any diacritics — its folded one."""
    if token in table:
        return table[token]
    if token.isascii():
        return next((value for word, value in table.items() if fold(word) == token), None)
    return None


def words(text: str) -> list[str]:
    return unicodedata.normalize("NFC", text).lower().replace(",", " ").split()


def read(tokens: Sequence[str]) -> int | None:
    """The value of ``tokens`` if they spell exactly one number in Vietnamese words, else None."""
    if not tokens:
        return None
    total, group, digit = 0, 0, None
    stage = 0  # within a group below a thousand: 0 start, 1 after "trăm", 2 after the tens or "linh"
    last_scale, half_of = None, 0  # "rưỡi" is half of the unit just said: "trăm rưỡi", "triệu rưỡi"
    for token in tokens:
        if (value := _value(token, _DIGITS)) is not None:
            if digit is not None:
                return None
            digit = value
        elif _word(token, _TENS):
            if stage >= 2 or digit == 0:
                return None
            group += (1 if digit is None else digit) * 10
            digit, stage, half_of = None, 2, 0
        elif _word(token, _HUNDRED):
            if stage != 0 or group:
                return None
            group = (1 if digit is None else digit) * 100
            digit, stage, half_of = None, 1, 50
        elif _word(token, _ZERO_TENS):
            if stage != 1 or digit is not None:
                return None
            stage = 2
        elif _word(token, _HALF):
            if not half_of or digit is not None:
                return None
            group += half_of
            half_of = 0
        elif (scale := _value(token, _SCALES)) is not None:
            if last_scale is not None and scale >= last_scale:
                return None
            value = group + _bare(digit, stage, None)
            if value == 0:
                return None
            total += value * scale
            group, digit, stage, last_scale = 0, None, 0, scale
            half_of = scale // 2
        else:
            return None
    return total + group + _bare(digit, stage, None if group else last_scale)


def _bare(digit: int | None, stage: int, after_scale: int | None) -> int:
    """A digit that ends a group: its units, or — spoken short — the next place down: "ba trăm năm" is 350,
    "hai nghìn hai" is 2,200."""
    if digit is None:
        return 0
    if stage == 1:
        return digit * 10
    if stage == 0 and after_scale:
        return digit * after_scale // 10
    return digit
