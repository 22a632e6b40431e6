"""Folding Vietnamese text so that what people type without diacritics still matches."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Protocol

_SPACES = re.compile(r"\s+")
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})


def N_(message: str) -> str:
    """Marks a msgid for extraction where it is declared as data; translation happens when it is shown."""
    return message


class Translator(Protocol):
    """What storage's pure helpers need to put a label in the reader's language (``bot.i18n.I18n`` is one)."""

    def t(self, message: str, /, **params: Any) -> str: ...


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d), collapse white space: "Giao Lưu  " → "giao luu"."""
    decomposed = unicodedata.normalize("NFD", text.casefold().translate(_SPECIAL))  # case first: Ð → ð → d
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def clean(text: str) -> str:
    """NFC-normalise and trim what a person typed, keeping their diacritics."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


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
