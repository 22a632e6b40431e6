"""A whole activity report in one message: the reader on the judge set (bench/corpus/one_message), its dates at pinned
days, hostile text, and the conversation — what was read is shown on the review, only what is missing is asked, and
nothing is saved before the officer confirms."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import App
from bot.engine.parsers import MAX_COUNT, MAX_MONEY
from handlers.reports.one_message import read_report
from storage.models import ActivityReport
from storage.types import VIETNAM, utcnow
from tests.helpers import member, seed_units

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from one_message_score import score, seeded_kinds  # noqa: E402

KINDS = seeded_kinds()


def test_the_judge_set_is_read_right() -> None:
    """At least 50 messages, and ≥ 90 % of their fields read right (the share is printed by the bench script)."""
    result = score()
    assert result["messages"] >= 50
    assert result["share"] >= 0.90, result
    assert result["wrong"] <= 0.05 * result["fields"], result


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        (date(2027, 1, 1), "hôm qua giao lưu hữu nghị với bạn Lào, 40 người", "2026-12-31"),
        (date(2027, 1, 5), "Ngày 28/12 tập huấn cho 30 cán bộ", "2026-12-28"),
        (date(2028, 3, 1), "hom qua tap huan cho 30 can bo", "2028-02-29"),
        (date(2026, 12, 2), "Ngày 25/12 tập huấn cho 30 cán bộ", None),  # last Christmas or a slip: asked, not guessed
        (date(2026, 7, 1), "31/6 tap huan 20 nguoi", None),  # no such day
        (date(2026, 4, 1), "sáng nay tuyên truyền cho 50 người", "2026-04-01"),
    ],
)
def test_dates_at_the_boundaries(today: date, text: str, expected: str | None) -> None:
    assert read_report(text, today, KINDS).get("activity_date") == expected


def test_what_is_not_said_is_not_invented() -> None:
    answers = read_report("tập huấn cho cán bộ thôn tại hội trường", date(2026, 12, 2), KINDS)
    assert answers["kind"] == "tap_huan" and answers["place"] == "Hội trường"
    assert not {"activity_date", "participants", "money_vnd", "partner_country", "foreign_participants"} & set(answers)
    assert "partner_country" not in read_report("Hội nghị lao động tiên tiến, 30 người", date(2026, 12, 2), KINDS)
    assert "partner_country" not in read_report("dạy tiếng Anh cho 30 em", date(2026, 12, 2), KINDS)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_reads_without_error_and_only_to_values_the_form_accepts(text: str) -> None:
    answers = read_report(text, date(2026, 12, 2), KINDS)
    assert set(answers) <= {"kind", "activity_date", "title", "place", "participants", "foreign_participants",
                            "money_vnd", "partner_country", "description"}  # fmt: skip
    assert answers.get("kind", KINDS[0][0]) in {code for code, _, _ in KINDS}
    assert 0 <= answers.get("participants", 0) <= MAX_COUNT and 0 <= answers.get("money_vnd", 0) <= MAX_MONEY
    assert len(answers.get("title", "")) <= 200 and len(answers.get("place", "")) <= 200
    if "activity_date" in answers:
        date.fromisoformat(answers["activity_date"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["hôm qua", "tại", "ở", "50", "người", "5tr", "Lào", "(", ")", ",", "trong đó",
                                 "kiều bào", "tổ chức", "giao lưu", "1/12", "31/2", "triệu", "ngày", "x" * 50]),
                max_size=40))  # fmt: skip
def test_sentences_of_cue_words_read_without_error(words: list[str]) -> None:
    read_report(" ".join(words), date(2026, 12, 2), KINDS)


async def test_one_message_fills_the_form_and_waits_for_the_review(app: App) -> None:
    await seed_units(app)
    officer = await member(app, "mai")
    message = "Hôm qua tổ chức giao lưu hữu nghị với đoàn Lào tại nhà văn hóa xã, khoảng 50 người, vận động 5 triệu"
    review = await officer.say(message)
    assert "Tôi hiểu đây là báo cáo hoạt động" in review and "Vui lòng kiểm tra lại" in review
    assert "• Số người tham gia: khoảng 50" in review and "• Tiền, hàng vận động được: 5.000.000 đồng" in review
    assert "• Quốc gia đối tác: Lào" in review and "• Địa điểm: Nhà văn hóa xã" in review
    async with app.db.transaction() as session:
        assert (await session.scalars(select(ActivityReport))).first() is None  # nothing before the confirm
    assert "Đã lưu" in await officer.say("1")
    async with app.db.transaction() as session:
        report = (await session.scalars(select(ActivityReport))).one()
    yesterday = utcnow().astimezone(VIETNAM).date() - timedelta(days=1)
    assert (report.kind_code, report.activity_date, report.participants) == ("giao_luu_huu_nghi", yesterday, 50)
    assert report.participants_note == "about"  # "khoảng 50" is kept as an estimate, not as exactly 50
    assert report.description == message  # the officer's own words are kept


async def test_only_what_is_missing_is_asked_and_a_photo_with_a_caption_is_a_report(app: App) -> None:
    await seed_units(app)
    officer = await member(app, "mai")
    asked = await officer.say("/baocao tập huấn nghiệp vụ cho cán bộ thôn tại hội trường UBND xã")
    assert "ngày nào" in asked  # kind, title and place were read; the date is asked
    assert "bao nhiêu người" in await officer.say("hôm nay")
    assert "• Loại hoạt động: Tập huấn cán bộ" in await officer.say("25")
    await officer.say("hủy")
    await officer.say("1")

    review = await officer.say("!photo le.jpg hom nay tuyen truyen chi thi 12 cho 80 nguoi tai hoi truong")
    assert "• Ảnh minh chứng: 1 ảnh" in review and "• Số người tham gia: 80" in review
    assert "Đã lưu" in await officer.say("xác nhận")
    async with app.db.transaction() as session:
        report = (await session.scalars(select(ActivityReport))).one()
    assert [p.file_ref for p in report.photos] == ["console:le.jpg"] and report.kind_code == "tuyen_truyen"


async def test_short_words_and_other_messages_are_not_taken_for_a_report(app: App) -> None:
    await seed_units(app)
    officer = await member(app, "mai")
    for text in ("báo cáo", "cảm ơn anh nhiều", "tap huan", "hôm qua có 50 người hỏi về kế hoạch"):
        assert "Vui lòng kiểm tra lại" not in await officer.say(text)
