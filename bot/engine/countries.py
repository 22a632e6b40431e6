"""Country names from Babel's CLDR territory data (Vietnamese and English), plus the short names people say.

The canonical list is maintained upstream (CLDR); only colloquial aliases that CLDR lacks are written here.
"""

from __future__ import annotations

import difflib
from functools import cache

from babel import Locale

from bot.engine.errors import InvalidInput
from bot.i18n import N_
from storage.text import fold

_NOT_COUNTRIES = {"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"}

ALIASES: dict[str, str] = {
    "my": "US",
    "hoa ky": "US",
    "usa": "US",
    "us": "US",
    "america": "US",
    "nuoc my": "US",
    "anh": "GB",
    "uk": "GB",
    "britain": "GB",
    "england": "GB",
    "uc": "AU",
    "nuoc uc": "AU",
    "han": "KR",
    "nam han": "KR",
    "korea": "KR",
    "bac han": "KP",
    "trieu tien": "KP",
    "nhat": "JP",
    "dai loan": "TW",
    "trung": "CN",
    "tq": "CN",
    "hong kong": "HK",
    "hongkong": "HK",
    "ma cao": "MO",
    "macau": "MO",
    "lao": "LA",
    "cam pu chia": "KH",
    "cambodia": "KH",
    "thai": "TH",
    "sing": "SG",
    "ma lai": "MY",
    "an do": "IN",
    "tiep": "CZ",
    "czech": "CZ",
    "sec": "CZ",
    "duc": "DE",
    "phap": "FR",
    "nga": "RU",
    "hung": "HU",
    "ba lan": "PL",
    "y": "IT",
    "tay ban nha": "ES",
    "bo dao nha": "PT",
    "thuy dien": "SE",
    "na uy": "NO",
    "dan mach": "DK",
    "phan lan": "FI",
    "ha lan": "NL",
    "bi": "BE",
    "thuy si": "CH",
    "ao": "AT",
    "ca-na-da": "CA",
    "ca na da": "CA",
    "tan tay lan": "NZ",
    "new zealand": "NZ",
    "uae": "AE",
    "a rap xe ut": "SA",
}


@cache
def _names() -> dict[str, dict[str, str]]:
    """code → {"vi": name, "en": name} for every real country or territory."""
    vi, en = Locale("vi").territories, Locale("en").territories
    return {
        code: {"vi": vi.get(code, en[code]), "en": en[code]}
        for code in en
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }


@cache
def _index() -> dict[str, str]:
    """Folded name or alias → code."""
    index: dict[str, str] = {}
    for code, names in _names().items():
        for name in names.values():
            index.setdefault(fold(name), code)
    index.update(ALIASES)
    return index


def country_name(code: str, language: str = "vi") -> str:
    """The display name of a country code in the person's language."""
    names = _names().get(code.upper())
    return names[language if language in names else "en"] if names else code


def country_by_name(folded: str) -> str | None:
    """The code of a country named exactly so (folded), or None: for reading names inside a sentence, where a
    prefix or a near miss must not count."""
    return _index().get(folded)


def country_named(text: str) -> str | None:
    """The country a search's words name, if they name one ("lao", "Hoa Kỳ"); None for a person's name."""
    if len(fold(text)) < 2:
        return None
    try:
        return parse_country(text)
    except InvalidInput:
        return None


def parse_country(text: str) -> str:
    """ISO 3166 alpha-2 code for "Mỹ", "Hoa Kỳ", "hoa ky", "Nhật", "Lào", "Hàn Quốc", "Japan", "JP" …"""
    folded = fold(text)[:100].strip(" .")
    if not folded:
        raise InvalidInput(N_("Please write the name of a country, for example Lào or Hàn Quốc."))
    index = _index()
    if folded in index:
        return index[folded]
    if len(folded) == 2 and folded.upper() in _names():
        return folded.upper()
    starts = {code for name, code in index.items() if name.startswith(folded)} if len(folded) >= 3 else set()
    if len(starts) == 1:
        return starts.pop()
    close = difflib.get_close_matches(folded, list(index), n=3, cutoff=0.84)
    if close and len({index[name] for name in close}) == 1:
        return index[close[0]]
    raise InvalidInput(
        N_("I do not know the country “{text}”. Please write its name, for example Lào or Hàn Quốc."), text=text[:40]
    )
