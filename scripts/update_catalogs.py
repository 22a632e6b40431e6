"""Re-extracts msgids from the source and merges them into locales/<lang>/LC_MESSAGES/messages.po.

English msgids are their own translation; Vietnamese entries that are new are left empty and listed, so the
catalog test fails until someone translates them. Run: python scripts/update_catalogs.py

``--check`` writes nothing and fails when the catalogs' messages or translations differ from what the source asks
for. It compares messages, never header lines, so another Babel version (its "Generated-By") changes nothing.
"""

from __future__ import annotations

import io
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
        method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
        loud = {"**/templates/**.html": {"silent": "false"}}  # a template Jinja cannot parse fails here, not quietly
        for filename, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map, options_map=loud, keywords=KEYWORDS
        ):
            template.add(message, locations=[(f"{folder}/{filename}", 0)])
    return template


def _po_bytes(catalog: Catalog) -> bytes:
    """The catalog as written, without the line naming the Babel version that wrote it."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=120, no_location=True, sort_output=True, omit_header=False)
    return b"".join(line for line in buffer.getvalue().splitlines(keepends=True) if b'"Generated-By: ' not in line)


def _messages(data: bytes, language: str | None) -> set[tuple[str, str]]:
    return {(str(m.id), str(m.string)) for m in read_po(io.BytesIO(data), locale=language) if m.id}


def merged(template: Catalog, language: str) -> tuple[Catalog, list[str]]:
    """The language's catalog for the template's messages, keeping existing translations; and the untranslated."""
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
    return merged, missing


def main(argv: list[str]) -> int:
    check = "--check" in argv
    template = extract()
    outputs = {ROOT / "locales" / "messages.pot": (_po_bytes(template), None)}
    status = 0
    for language in ("vi", "en"):
        catalog, missing = merged(template, language)
        outputs[ROOT / "locales" / language / "LC_MESSAGES" / "messages.po"] = (_po_bytes(catalog), language)
        for msgid in missing:
            print(f"{language}: untranslated: {msgid}")
            status = 1
    for path, (data, language) in outputs.items():
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        elif not path.exists() or _messages(path.read_bytes(), language) != _messages(data, language):
            print(f"{path.relative_to(ROOT)} is out of date: run 'python scripts/update_catalogs.py'")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
