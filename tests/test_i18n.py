"""Every user-facing string has a Vietnamese and an English translation, with the same placeholders."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from bot.i18n import I18n, load_catalog

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from update_catalogs import extract  # noqa: E402

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_message_is_translated() -> None:
    msgids = {str(message.id) for message in extract() if message.id}
    assert len(msgids) > 100
    for language in ("vi", "en"):
        catalog = load_catalog(language)
        missing = sorted(msgids - set(catalog))
        assert not missing, f"{language}: untranslated {missing}"
        for msgid in msgids:
            assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(catalog[msgid])), (language, msgid)


def test_vietnamese_is_really_vietnamese() -> None:
    catalog = load_catalog("vi")
    same = [msgid for msgid, text in catalog.items() if text == msgid and re.search(r"[a-z]{4,} [a-z]{4,}", msgid)]
    assert not same, same


def test_dates_are_day_first() -> None:
    from datetime import date

    assert I18n("vi").date(date(2026, 6, 10)) == "10/6/2026"
    assert I18n("en").date(date(2026, 6, 10)) == "10/06/2026"
    assert I18n("vi").money(5_000_000) == "5.000.000 đồng"


# Since 1 July 2025 there is no district level: the level above a commune is the province ("cấp trên"). The words
# remain only where they name old data or a plan's own text, each entry here with its reason.
DISTRICT_ALLOWED = {
    "Districts (before July 2025)": "the level of units in data from before the merger",
    "This plan has no part addressed to communes or districts.": "plans still address districts in their text",
    "districts": "a plan's addressee level, as the plan's text names it",
}


def test_no_district_outside_old_data_and_plan_text() -> None:
    for language in ("vi", "en"):
        for msgid, text in load_catalog(language).items():
            if msgid in DISTRICT_ALLOWED:
                continue
            assert not re.search(r"\bhuyện\b|district", text, re.IGNORECASE), (language, msgid, text)
