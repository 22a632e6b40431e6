"""The word index behind *Hoạt động*'s word filter: each folded word of an activity report's title, place, partner
and description (``ActivityWord``), with the report's date, and the same words on the report (``search_words``).

A million reports are not read to find the hundred that mention "12345": a search leads with the typed word that has
the fewest entries (each counted up to ``LEAD_AT_MOST``) and matches the other typed words on those reports' own
``search_words``. When every typed word is in more than that many reports, the index would not narrow the search:
the reports are then read in the page's own order, newest first, and a page of such common words fills at once.
Each typed word begins a word of the text: "tuyen truyen" finds "Tuyên truyền", "bien" finds "biển" and "biên giới"
but not "Điện Biên"'s middle; diacritics, case and punctuation are ignored."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ActivityReport, ActivityWord
from storage.text import key_words, words

INDEXED = 200  # distinct words of one report: a long description is indexed by its first 200
SEARCH_WORDS = 6  # typed words beyond these narrow nothing
LEAD_AT_MOST = 10_000  # a typed word in more reports than this leads nothing: the page's own order serves better


def report_words(report: ActivityReport) -> list[str]:
    """The report's folded words, distinct, in order, at most ``INDEXED``."""
    text = " ".join(filter(None, (report.title, report.place, report.partner_org, report.description)))
    return list(dict.fromkeys(words(text)))[:INDEXED]


async def index(session: AsyncSession, report: ActivityReport, *, before: tuple[date, str | None] | None) -> None:
    """Writes the report's words (after it is flushed, in the transaction that saves it). ``before`` is the date
    and ``search_words`` it had before a correction: its old entries are removed by their whole key."""
    found = report_words(report)
    if before is not None:
        old_date, old_words = before
        if old_words is not None and old_date == report.activity_date and key_words(old_words) == found:
            return  # the text and the date did not change
        if old_words:
            await session.execute(delete(ActivityWord).where(
                ActivityWord.word.in_(key_words(old_words)), ActivityWord.activity_date == old_date,
                ActivityWord.activity_id == report.id))  # fmt: skip
    report.search_words = " " + " ".join(found)
    if found:
        await session.execute(insert(ActivityWord), [
            {"word": word, "activity_date": report.activity_date, "activity_id": report.id} for word in found
        ])  # fmt: skip


def _begins(column: ColumnElement[str], word: str) -> ColumnElement[bool]:
    """A word beginning with ``word``, as a range of the index (code-point order on both databases)."""
    return and_(column >= word, column < word[:-1] + chr(min(ord(word[-1]) + 1, 0x10FFFF)))


def _on_report(word: str) -> ColumnElement[bool]:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return ActivityReport.search_words.like(f"% {escaped}%", escape="\\")


async def matching(session: AsyncSession, text: str) -> list[ColumnElement[bool]]:
    """Conditions on ``ActivityReport`` for the reports whose text has a word beginning with each typed word; none
    when nothing searchable was typed (punctuation only)."""
    typed = list(dict.fromkeys(words(text)))[:SEARCH_WORDS]
    if not typed:
        return []
    counted = {}
    for word in typed:
        capped = select(ActivityWord.activity_id).where(_begins(ActivityWord.word, word)).limit(LEAD_AT_MOST + 1)
        counted[word] = await session.scalar(select(func.count()).select_from(capped.subquery())) or 0
    lead = min(typed, key=lambda word: (counted[word], -len(word)))
    if counted[lead] > LEAD_AT_MOST:
        return [_on_report(word) for word in typed]
    led = ActivityReport.id.in_(select(ActivityWord.activity_id).where(_begins(ActivityWord.word, lead)))
    return [led, *(_on_report(word) for word in typed if word != lead)]
