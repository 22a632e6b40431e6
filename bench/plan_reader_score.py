"""The plan reader scored on the corpus of real documents (bench/corpus/plans, sources in SOURCES.md): deadline and
addressee recall and precision, header fields right, documents read without a crash. Prints one line.

Run:  python bench/plan_reader_score.py [--detail]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handlers.plans.documents import document_text  # noqa: E402
from handlers.plans.reader import read_plan  # noqa: E402
from storage.text import fold  # noqa: E402

CORPUS = ROOT / "bench" / "corpus" / "plans"
HEADER = ("issuer", "number", "place", "issued_on", "doc_type")


@dataclass
class Tally:
    found: int = 0  # truth items the reader found
    truth: int = 0
    right: int = 0  # reader items that match a truth item
    given: int = 0

    def add(self, found: int, truth: int, right: int, given: int) -> None:
        self.found, self.truth, self.right, self.given = (self.found + found, self.truth + truth,
                                                          self.right + right, self.given + given)  # fmt: skip

    def text(self, name: str) -> str:
        recall = 100 * self.found / self.truth if self.truth else 100.0
        precision = 100 * self.right / self.given if self.given else 100.0
        return f"{name} recall {recall:.0f} % ({self.found}/{self.truth}) precision {precision:.0f} % ({self.right}/{self.given})"


@dataclass
class Score:
    documents: int = 0
    crashes: int = 0
    deadlines: Tally = field(default_factory=Tally)
    addressees: Tally = field(default_factory=Tally)
    fields_right: int = 0
    fields: int = 0
    headers_right: int = 0
    notes: list[str] = field(default_factory=list)


def _same(field_name: str, got: Any, want: Any) -> bool:
    if field_name == "issuer":  # where the lines of the issuer's block break says nothing (a Markdown conversion wraps)
        return fold(" ".join(got or [])) == fold(" ".join(want or []))
    if field_name == "issued_on" and isinstance(want, str) and len(want) == 7:  # only month and year in the text
        return got == want
    return (fold(got) if isinstance(got, str) else got) == (fold(want) if isinstance(want, str) else want)


def _deadlines(read: dict[str, Any], truth: list[dict[str, Any]]) -> tuple[int, int, int, int]:
    """(truth found, truth, reader's deadlines that are true ones, reader's deadlines), matched one to one."""
    given = [d for d in read["dates"] if d["kind"] == "deadline"]
    used: set[int] = set()
    found = 0
    for wanted in truth:
        for index, got in enumerate(given):
            if index in used:
                continue
            if wanted["on"]:  # a day ("2025-12-10"), a month ("2025-12"), a quarter ("2025-Q4") or a year ("2025")
                hit = wanted["on"] in (got.get("on"), got.get("period"))
            else:
                hit = got.get("on") is None and wanted["cue"] in fold(got.get("sentence", ""))
            if hit:
                used.add(index)
                found += 1
                break
    return found, len(truth), len(used), len(given)


def _addressees(read: dict[str, Any], truth: list[str]) -> tuple[int, int, int, int]:
    given = [fold(excerpt["addressee"]) for excerpt in read["excerpts"]]
    used: set[int] = set()
    for cue in truth:
        for index, got in enumerate(given):
            if index not in used and fold(cue) in got:
                used.add(index)
                break
    return len(used), len(truth), len(used), len(given)


def score(detail: bool = False) -> Score:
    result = Score()
    for truth_path in sorted(CORPUS.glob("*.truth.json")):
        name = truth_path.name.removesuffix(".truth.json")
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        source = next(path for path in CORPUS.glob(f"{name}.*") if path != truth_path)
        result.documents += 1
        try:
            read = read_plan(document_text(source.name, source.read_bytes())).to_json()
        except Exception as error:  # a crash is what is counted here
            result.crashes += 1
            result.notes.append(f"{name}: crash {error!r}")
            continue
        if read.get("issued_on") is None and read.get("issued_month"):
            read["issued_on"] = read["issued_month"]
        wrong = [f for f in HEADER if not _same(f, read.get(f), truth["header"].get(f))]
        result.fields += len(HEADER)
        result.fields_right += len(HEADER) - len(wrong)
        result.headers_right += not wrong
        if detail and wrong:
            result.notes.append(
                f"{name}: " + "; ".join(f"{f} {read.get(f)!r} ≠ {truth['header'].get(f)!r}" for f in wrong)
            )
        if "deadlines" in truth:
            result.deadlines.add(*_deadlines(read, truth["deadlines"]))
        if "addressees" in truth:
            result.addressees.add(*_addressees(read, truth["addressees"]))
            if detail:
                result.notes.append(f"{name}: addressees {[e['addressee'] for e in read['excerpts']]}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detail", action="store_true", help="also print what was wrong, document by document")
    args = parser.parse_args()
    result = score(args.detail)
    if args.detail:
        print("\n".join(result.notes))
    print(f"plans {result.documents} · {result.deadlines.text('deadlines')} · {result.addressees.text('addressees')}"
          f" · header fields {result.fields_right}/{result.fields} (all right in {result.headers_right}/{result.documents})"
          f" · crashes {result.crashes}")  # fmt: skip


if __name__ == "__main__":
    main()
