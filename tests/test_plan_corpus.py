"""The plan reader on the corpus of real documents (bench/corpus/plans, sources in SOURCES.md): the targets hold
(≥ 90 % recall and precision for deadlines and addressees, header fields right in ≥ 90 % of documents, no crash),
each document reads as it did when its result was last reviewed (tests/golden/plans/), a Word-saved web page reads to
the text stored from it, and no bytes or text make either reader raise."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.plans.documents import document_text
from handlers.plans.html_text import html_text
from handlers.plans.reader import read_plan

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "bench" / "corpus" / "plans"
GOLDEN = ROOT / "tests" / "golden" / "plans"
DOCUMENTS = sorted(path for path in CORPUS.iterdir() if path.is_file() and path.suffix in (".txt", ".md", ".htm")
                   and path.name != "SOURCES.md")  # fmt: skip
sys.path.insert(0, str(ROOT / "bench"))

from plan_reader_score import score  # noqa: E402


def test_the_reader_meets_its_targets_on_the_corpus() -> None:
    result = score(detail=True)
    assert result.documents >= 15 and result.crashes == 0, result.notes
    for tally in (result.deadlines, result.addressees):
        assert tally.found >= 0.9 * tally.truth and tally.right >= 0.9 * tally.given, (tally, result.notes)
    assert result.headers_right >= 0.9 * result.documents, result.notes


def _digest(path: Path) -> dict[str, Any]:
    """What a reviewer checks of a document's reading: header, every dated find, and each excerpt's addressee."""
    plan = read_plan(document_text(path.name, path.read_bytes())).to_json()
    return {
        "header": {key: plan[key] for key in ("issuer", "number", "place", "issued_on", "issued_month", "doc_type")},
        "title": plan["title"][:120],
        "sections": [f"{s['number']} {s['title'][:60]}".strip() for s in plan["sections"]],
        "dates": [_date(d) for d in plan["dates"] if d["kind"] != "citation"],
        "excerpts": [_excerpt(e) for e in plan["excerpts"]],
    }


def _date(found: dict[str, Any]) -> str:
    when = found["period"] or found["on"] or "-"
    return f"{found['kind']} {when} {found['rhythm'] or ''} « {found['text'][:60]} »".replace("  ", " ")


def _excerpt(excerpt: dict[str, Any]) -> str:
    due = [d["period"] or d["on"] for d in excerpt["deadlines"]]
    return f"{excerpt['section']} → {excerpt['addressee'][:80]} {excerpt['levels']} {due}"


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.stem[:40])
def test_each_document_reads_as_before(path: Path, request: pytest.FixtureRequest) -> None:
    golden = GOLDEN / f"{path.stem}.json"
    got = _digest(path)
    if request.config.getoption("--update-golden") or not golden.exists():
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8")), (
        f"{path.name} reads differently: review, then run 'pytest --update-golden' if the change is meant"
    )


def test_a_word_saved_web_page_reads_as_its_stored_text() -> None:
    page = (CORPUS / "originals" / "ke-hoach-to-chuc-hn-hiep-thuong-lan-thu-hai.htm").read_bytes()
    stored = (CORPUS / "ke-hoach-to-chuc-hn-hiep-thuong-lan-thu-hai.txt").read_text(encoding="utf-8")
    assert document_text("Kế hoạch.htm", page) + "\n" == stored
    plan = read_plan(document_text("Kế hoạch.htm", page))
    assert plan.issued_month == "2026-01" and plan.number is None and "Số" not in " ".join(plan.issuer)
    assert not any("Trên đây" in excerpt.text for excerpt in plan.excerpts)  # the closing formula is nobody's part


@settings(max_examples=200)
@given(st.binary(max_size=3000))
def test_any_bytes_read_as_a_web_page_without_raising(data: bytes) -> None:
    read_plan(html_text(data))


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from(list("Số: /KH-MTTQ ngày tháng năm 2025 Đề nghị Giao Trên đây là 0123456789"
                                              "\n.-–:;()IVX")), max_size=2000))  # fmt: skip
def test_any_text_of_the_genre_reads_without_raising(text: str) -> None:
    plan = read_plan(text)
    assert plan.issued_month is None or len(plan.issued_month) == 7
