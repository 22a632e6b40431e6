"""Re-extracts msgids from the source and merges them into locales/<lang>/LC_MESSAGES/messages.po.

English msgids are their own translation; Vietnamese entries that are new are left empty and listed, so the
catalog test fails until someone translates them. Run: python scripts/update_catalogs.py
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"t": None, "N_": None}
SOURCES = ("bot", "handlers", "storage")
FIXED_DATE = datetime(2026, 1, 1)  # headers must not change on every run, or CI's "catalogs up to date" check flaps


def extract() -> Catalog:
    template = Catalog(project="caunoi", creation_date=FIXED_DATE, revision_date=FIXED_DATE)
    for folder in SOURCES:
        method_map = [("**.py", "python")]
        for filename, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map, keywords=KEYWORDS
        ):
            template.add(message, locations=[(f"{folder}/{filename}", 0)])
    return template


def merge(template: Catalog, language: str) -> list[str]:
    path = ROOT / "locales" / language / "LC_MESSAGES" / "messages.po"
    existing = read_po(path.open("rb"), locale=language) if path.exists() else Catalog(locale=language)
    merged = Catalog(locale=language, project="caunoi", creation_date=FIXED_DATE, revision_date=FIXED_DATE)
    missing = []
    for message in template:
        if not message.id:
            continue
        old = existing.get(message.id)
        text = old.string if old is not None and old.string else (message.id if language == "en" else "")
        if not text:
            missing.append(message.id)
        merged.add(message.id, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, merged, width=120, no_location=True, sort_output=True, omit_header=False)
    return missing


def main() -> int:
    template = extract()
    with (ROOT / "locales" / "messages.pot").open("wb") as handle:
        write_po(handle, template, width=120, no_location=True, sort_output=True)
    status = 0
    for language in ("vi", "en"):
        for msgid in merge(template, language):
            print(f"{language}: untranslated: {msgid}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
