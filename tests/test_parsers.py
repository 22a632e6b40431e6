"""Parsers of what people type: examples, and properties over any text (never an exception but InvalidInput)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.countries import country_name, parse_country
from bot.engine.errors import InvalidInput
from bot.engine.parsers import parse_choice, parse_count, parse_date, parse_money
from storage.text import fold

TODAY = date(2026, 11, 23)
KINDS = ["Tuyên truyền, quán triệt", "Giao lưu hữu nghị, kết nghĩa", "Gặp mặt, thăm hỏi kiều bào", "Hoạt động khác"]


@pytest.mark.parametrize(("text", "expected"), [
    ("hôm nay", date(2026, 11, 23)), ("Hom qua", date(2026, 11, 22)), ("hôm kia", date(2026, 11, 21)),
    ("10/6", date(2026, 6, 10)), ("10/6/2026", date(2026, 6, 10)), ("10-06-26", date(2026, 6, 10)),
    ("10 tháng 6", date(2026, 6, 10)), ("ngày 10 tháng 6 năm 2025", date(2025, 6, 10)),
    ("2026-06-10", date(2026, 6, 10)),
    ("3 ngày trước", date(2026, 11, 20)),
])  # fmt: skip
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(("today", "text", "expected"), [
    (date(2027, 1, 5), "28/12", date(2026, 12, 28)),  # early January: last December
    (date(2027, 1, 1), "31/12", date(2026, 12, 31)),  # New Year's Day: yesterday
    (date(2026, 3, 31), "31/12", date(2025, 12, 31)),  # a quarter back is still taken
    (date(2028, 3, 1), "29/2", date(2028, 2, 29)),  # the day after a leap day
    (date(2029, 3, 1), "29/2", None),  # the last 29 February was a year ago: the year is asked for
    (date(2026, 12, 2), "25/12", None),  # three weeks ahead is not last Christmas
    (date(2026, 11, 23), "28/12", None),
])  # fmt: skip
def test_a_year_less_date_goes_back_a_little_or_asks(today: date, text: str, expected: date | None) -> None:
    if expected is not None:
        assert parse_date(text, today) == expected
        return
    with pytest.raises(InvalidInput) as raised:
        parse_date(text, today)
    assert raised.value.params["year"] == str(today.year - 1 if text != "29/2" else 2028)


@pytest.mark.parametrize(("today", "text", "expected"), [
    (date(2026, 12, 2), "31/1", date(2027, 1, 31)),  # a deadline typed in December is next January's
    (date(2026, 12, 2), "2/12", date(2026, 12, 2)),  # today is still to come
    (date(2026, 12, 31), "31/12", date(2026, 12, 31)),
    (date(2027, 1, 1), "31/12", date(2027, 12, 31)),
    (date(2027, 3, 1), "29/2", date(2028, 2, 29)),  # the next leap day
])  # fmt: skip
def test_a_year_less_deadline_is_the_next_one(today: date, text: str, expected: date) -> None:
    assert parse_date(text, today, prefer_past=False) == expected


@pytest.mark.parametrize("text", ["31/4", "32/1", "abc", "10/13/2026", "", "29/2/2026"])
def test_bad_dates(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_date(text, TODAY)


@pytest.mark.parametrize(("text", "expected"), [
    ("50", 50), ("khoảng 50", 50), ("khoang 50 nguoi", 50), ("1.200 người", 1200), ("~30", 30), ("hơn 100", 100),
])  # fmt: skip
def test_counts(text: str, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", ["-5", "5,5", "năm mươi sáu bảy", "", "99999999999"])
def test_bad_counts(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_count(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("5 triệu", 5_000_000), ("5tr", 5_000_000), ("5.000.000", 5_000_000), ("5,000,000", 5_000_000),
    ("1,5 tỷ", 1_500_000_000), ("1 tỷ 200 triệu", 1_200_000_000), ("500k", 500_000), ("500 nghìn", 500_000),
    ("5.000.000đ", 5_000_000), ("5000000 đồng", 5_000_000), ("2.5tr", 2_500_000), ("0", 0), ("12 VND", 12),
    ("3 triệu rưỡi", 3_500_000), ("1 tỷ rưỡi", 1_500_000_000), ("2tr rưỡi", 2_500_000),
])  # fmt: skip
def test_money(text: str, expected: int) -> None:
    assert parse_money(text) == expected


@pytest.mark.parametrize("text", ["abc", "-5tr", "1.5", "", "5 triệu abc", "5 rưỡi"])
def test_bad_money(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_money(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("Mỹ", "US"), ("Hoa Kỳ", "US"), ("hoa ky", "US"), ("Nhật", "JP"), ("Đài Loan", "TW"), ("Hàn", "KR"),
    ("Hàn Quốc", "KR"), ("Lào", "LA"), ("lao", "LA"), ("Campuchia", "KH"), ("Japan", "JP"), ("jp", "JP"),
    ("Thai Lan", "TH"), ("Úc", "AU"), ("Singapor", "SG"), ("Cu Ba", "CU"),
])  # fmt: skip
def test_countries(text: str, expected: str) -> None:
    assert parse_country(text) == expected


def test_country_names_come_from_cldr() -> None:
    assert country_name("US", "vi") == "Hoa Kỳ" and country_name("LA", "en") == "Laos"


@pytest.mark.parametrize(("text", "expected"), [
    ("2", 1), ("giao luu", 1), ("Giao lưu hữu nghị, kết nghĩa", 1), ("kieu bao", 2), ("khac", 3), ("tuyên", 0),
])  # fmt: skip
def test_choices(text: str, expected: int) -> None:
    assert parse_choice(text, KINDS) == expected


@pytest.mark.parametrize("text", ["5", "0", "xyz", ""])
def test_bad_choices(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_choice(text, KINDS)


ACTIVITY_KINDS = ["Tuyên truyền, quán triệt, phổ biến chủ trương, chính sách", "Giao lưu hữu nghị, kết nghĩa",
                  "Giao lưu văn hóa, thể thao", "Đón tiếp đoàn nước ngoài", "Từ thiện, nhân đạo"]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), [
    ("tiep don doan", 3), ("don tiep", 3),  # the words in another order
    ("giao luu huu ngi", 1), ("giao lu huu nghi", 1), ("tuyen truyn", 0),  # one slip per word
    ("van hoa the thao", 2),
])  # fmt: skip
def test_choices_as_officers_type_them(text: str, expected: int) -> None:
    assert parse_choice(text, ACTIVITY_KINDS) == expected


def test_an_ambiguous_choice_names_the_options_it_fits() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_choice("giao luu", ACTIVITY_KINDS)
    assert raised.value.params["options"] == "2. Giao lưu hữu nghị, kết nghĩa; 3. Giao lưu văn hóa, thể thao"


def test_fold() -> None:
    assert fold("  Nguyễn   Văn ĐỨC ") == "nguyen van duc"


def _never_crashes(parser, text: str) -> None:  # type: ignore[no-untyped-def]
    try:
        parser(text)
    except InvalidInput as error:
        assert error.message


any_text = st.text(max_size=80) | st.from_regex(r"[0-9 .,/\-~]{0,20}(tr|k|triệu|tỷ|ngày|tháng|năm)?[0-9 ]{0,6}")


@settings(max_examples=400)
@given(any_text)
def test_date_parser_total(text: str) -> None:
    _never_crashes(lambda t: parse_date(t, TODAY), text)


@settings(max_examples=400)
@given(any_text)
def test_count_parser_total(text: str) -> None:
    _never_crashes(parse_count, text)


@settings(max_examples=400)
@given(any_text)
def test_money_parser_total(text: str) -> None:
    _never_crashes(parse_money, text)


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_country_parser_total(text: str) -> None:
    _never_crashes(parse_country, text)


@settings(max_examples=300)
@given(st.text(max_size=40), st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=8))
def test_choice_parser_total(text: str, labels: list[str]) -> None:
    try:
        index = parse_choice(text, labels)
    except InvalidInput:
        return
    assert 0 <= index < len(labels)


@given(st.integers(min_value=0, max_value=10**12))
def test_money_round_trips_grouped_digits(amount: int) -> None:
    assert parse_money(f"{amount:,}".replace(",", ".")) == amount


@given(st.dates(min_value=date(2017, 1, 1), max_value=TODAY))
def test_date_round_trips_day_first(day: date) -> None:
    assert parse_date(f"{day.day}/{day.month}/{day.year}", TODAY) == day
