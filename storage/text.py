"""Folding Vietnamese text so that what people type without diacritics still matches."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Protocol

_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")  # not \t \n
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})


def N_(message: str) -> str:
    """Marks a msgid for extraction where it is declared as data; translation happens when it is shown."""
    return message


class Translator(Protocol):
    """What storage's pure helpers need to put a label in the reader's language (``bot.i18n.I18n`` is one)."""

    def t(self, message: str, /, **params: Any) -> str: ...


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d), collapse white space: "Giao Lưu  " → "giao luu"."""
    lowered = _CONTROL.sub("", text).casefold().translate(_SPECIAL)  # case first: Ð → ð → d
    decomposed = unicodedata.normalize("NFD", lowered)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def clean(text: str) -> str:
    """NFC-normalise and trim what a person typed (or a spreadsheet cell held), keeping their diacritics; no
    control characters."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", _CONTROL.sub("", text))).strip()


def split_lines(text: str, limit: int) -> list[str]:
    """Pieces within ``limit`` characters, cut at line ends (a single over-long line is cut at a space)."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        parts.append(current)
    return [part for part in parts if part.strip()]


def name_key(name: str) -> str:
    """What searches and duplicate checks compare: "Nguyễn Văn A" → "nguyen van a"."""
    return fold(name)


WORD_LENGTH = 32  # longer words are kept (and looked up) by their first 32 letters
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The folded words a search looks up, punctuation dropped: "Nguyễn-Văn (An)" → ["nguyen", "van", "an"]."""
    return key_words(fold(text))


def key_words(key: str) -> list[str]:
    """``words`` of a text already folded (a stored ``name_key``), without folding it again."""
    return [word[:WORD_LENGTH] for word in _WORD.findall(key)]


MAX_ID = 2**31 - 1  # PostgreSQL's integer; ids typed by people beyond it cannot exist


def record_id(text: str) -> int | None:
    """The id a person typed ("12", "#12"), or None for anything that cannot be a stored row's id: not ASCII
    digits, zero, or too large for the database (``/kieubao 99999999999999999999`` is "not found", not a crash)."""
    digits = text.strip().lstrip("#")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 10:
        return None
    value = int(digits)
    return value if 0 < value <= MAX_ID else None


MAX_TYPED = 4096  # characters of one message kept: Telegram's own limit; longer text is cut, never refused


def printable(text: str, limit: int = MAX_TYPED) -> str:
    """What a person sent, safe to store anywhere: no NUL or other control characters (PostgreSQL refuses NUL in
    text; a terminal obeys escapes), tabs as spaces, line breaks kept, at most ``limit`` characters."""
    return _CONTROL.sub("", text.replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n"))[:limit]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """A value for a spreadsheet or CSV cell that no spreadsheet will run: text starting with = + - @ tab or CR
    gets a leading apostrophe (OWASP's rule against formula injection); numbers, dates and other text are kept."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value
