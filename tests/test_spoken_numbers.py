"""Numbers in Vietnamese words, with and without diacritics: the forms officers type, the short spoken forms, the
ones that are not numbers, and a round trip through an independent writer of the standard reading."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine.errors import InvalidInput
from bot.engine.parsers import parse_count, parse_money
from bot.engine.spoken_numbers import read, words
from storage.text import fold

DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]


def say(number: int) -> str:
    """The standard reading ("một nghìn không trăm linh năm"), written independently of the reader."""
    if number == 0:
        return "không"
    parts: list[str] = []
    for scale, name in ((10**9, "tỷ"), (10**6, "triệu"), (10**3, "nghìn"), (1, "")):
        group = number // scale % 1000 if scale < 10**9 else number // scale
        if group:
            parts += _group(group, leading=not parts) + ([name] if name else [])
    return " ".join(parts)


def _group(group: int, *, leading: bool) -> list[str]:
    hundreds, tens, units = group // 100, group // 10 % 10, group % 10
    said = [DIGITS[hundreds], "trăm"] if hundreds or not leading else []
    if tens == 0:
        return said + (["linh"] if said and units else []) + ([DIGITS[units]] if units else [])
    said += ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if units:
        said.append("mốt" if units == 1 and tens > 1 else "lăm" if units == 5 else DIGITS[units])
    return said


@pytest.mark.parametrize(("text", "expected"), [
    ("năm mươi", 50), ("Nam muoi", 50), ("mười lăm", 15), ("hai mươi mốt", 21), ("một trăm linh năm", 105),
    ("một trăm lẻ năm", 105), ("ba trăm năm", 350), ("hai trăm rưỡi", 250), ("trăm rưỡi", 150),
    ("hai nghìn hai", 2200), ("hai ngàn", 2000), ("năm triệu rưỡi", 5_500_000), ("mot ty hai tram trieu", 1_200_000_000),
    ("tam muoi", 80), ("hai chục", 20),
])  # fmt: skip
def test_spoken_forms(text: str, expected: int) -> None:
    assert read(words(text)) == expected


@pytest.mark.parametrize("text", [
    "năm năm", "triệu", "mươi trăm", "hai mươi rưỡi", "một nghìn hai nghìn", "tầm", "trăm trăm", "linh năm",
    "năm mươi sáu bảy", "hôm qua",
])  # fmt: skip
def test_not_numbers(text: str) -> None:
    assert read(words(text)) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("năm mươi", 50), ("khoảng năm mươi người", 50), ("tầm năm mươi", 50), ("hơn một trăm", 100),
    ("xấp xỉ hai trăm người", 200), ("tam muoi nguoi", 80),
])  # fmt: skip
def test_counts_in_words(text: str, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("năm triệu", 5_000_000), ("năm triệu đồng", 5_000_000), ("hai triệu rưỡi", 2_500_000),
    ("khoảng mười triệu", 10_000_000), ("nam tram nghin", 500_000),
])  # fmt: skip
def test_money_in_words(text: str, expected: int) -> None:
    assert parse_money(text) == expected


def test_a_range_asks_for_one_number() -> None:
    for text in ("50-60", "50 – 60 người", "50 đến 60"):
        with pytest.raises(InvalidInput) as raised:
            parse_count(text)
        assert raised.value.params == {"low": "50", "high": "60"}


def test_words_past_the_limit_are_refused() -> None:
    with pytest.raises(InvalidInput):
        parse_count("một tỷ người")


@given(st.integers(min_value=0, max_value=999_999_999_999))
def test_the_standard_reading_round_trips(number: int) -> None:
    text = say(number)
    assert read(words(text)) == number
    assert read(words(fold(text))) == number  # typed without diacritics
