"""Scores the one-message report reader on the judge set: the share of fields read right.

    python bench/one_message_score.py [--show]

`bench/corpus/one_message/messages.jsonl` holds messages written as officers write them (with and without
diacritics, "tr", "ng", abbreviations), each with the answers a careful reader gives, read on 2 December 2026.
A field counts as right when the reader gives the true value; a field the reader fills that the truth leaves
empty, or fills wrongly, counts as wrong (the review screen shows it, but it costs the officer an edit).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handlers.reports.one_message import read_report
from storage.text import fold

FIELDS = (
    "kind",
    "activity_date",
    "place",
    "participants",
    "participants_note",
    "foreign_participants",
    "money_vnd",
    "partner_country",
)
TODAY = date(2026, 12, 2)
CORPUS = Path(__file__).resolve().parent / "corpus" / "one_message" / "messages.jsonl"


def seeded_kinds() -> list[tuple[str, str, str]]:
    """The catalogue as the migrations seed it: (code, short name, full name)."""
    import importlib

    initial = importlib.import_module("storage.migrations.versions.0001_initial_schema")
    short = importlib.import_module("storage.migrations.versions.0010_kind_short_names")
    return [(code, short.SHORT_NAMES[code][0], name_vi) for code, name_vi, _en in initial.ACTIVITY_KINDS]


def same(field: str, got: object, want: object) -> bool:
    if field == "place" and isinstance(got, str) and isinstance(want, str):
        return fold(got) == fold(want)
    return got == want


def score(show: bool = False) -> dict[str, float]:
    kinds = seeded_kinds()
    right = wrong = missed = 0
    per_field = {field: [0, 0] for field in FIELDS}
    messages = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    for truth in messages:
        got = read_report(truth["text"], TODAY, kinds)
        for field in FIELDS:
            want, have = truth.get(field), got.get(field)
            if want is None and have is None:
                continue
            per_field[field][1] += 1
            if want is not None and same(field, have, want):
                right += 1
                per_field[field][0] += 1
            elif have is None:
                missed += 1
                if show:
                    print(f"missed {field}: want {want!r} · {truth['text'][:70]}")
            else:
                wrong += 1
                if show:
                    print(f"WRONG  {field}: got {have!r} want {want!r} · {truth['text'][:70]}")
    total = right + wrong + missed
    return {"messages": len(messages), "fields": total, "right": right, "wrong": wrong, "missed": missed,
            "share": right / total if total else 0.0,
            **{f"{field}": ok / n if n else 1.0 for field, (ok, n) in per_field.items()}}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every field read wrongly or missed")
    result = score(parser.parse_args().show)
    fields = " · ".join(f"{field} {result[field]:.0%}" for field in FIELDS)
    print(f"messages {result['messages']} · fields {result['fields']} · right {result['right']} "
          f"({result['share']:.1%}) · wrong {result['wrong']} · missed {result['missed']} · {fields}")  # fmt: skip


if __name__ == "__main__":
    main()
