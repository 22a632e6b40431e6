"""Folding Vietnamese text so that what people type without diacritics still matches."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d), collapse white space: "Giao Lưu  " → "giao luu"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def clean(text: str) -> str:
    """NFC-normalise and trim what a person typed, keeping their diacritics."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
