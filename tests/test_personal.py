"""Parsers of personal details: names, years, Vietnamese mobile numbers — examples and properties over any text."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.engine.errors import InvalidInput
from bot.engine.personal import format_phone, parse_person_name, parse_phone, parse_year
from storage.text import fold, name_key

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(("text", "expected"), [
    ("  nguyễn   văn  an ", "Nguyễn Văn An"), ("NGUYỄN THỊ MINH KHAI", "Nguyễn Thị Minh Khai"),
    ("nguyen van a", "Nguyen Van A"), ("Đỗ  thị  Mai", "Đỗ Thị Mai"), ("O'Brien Lê", "O'brien Lê"),
    ("Nguye\u0302\u0303n Van An", "Nguyễn Van An"),  # decomposed diacritics (pasted from some systems) are composed
])  # fmt: skip
def test_names(text: str, expected: str) -> None:
    assert parse_person_name(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "Nguyễn Văn 3", "a@b.c", "x" * 101, "-- --"])
def test_bad_names(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_person_name(text)


def test_folding_does_not_depend_on_case() -> None:
    assert name_key("AÐ") == name_key("Að") == "ad"  # hypothesis found "Ð" (Icelandic eth) folding apart from "ð"


@given(st.text(max_size=150))
@example("ß")  # hypothesis found it: upper-casing gave "SS", which normalised again to "Ss"
def test_name_parsing_never_fails_otherwise_and_is_stable(text: str) -> None:
    try:
        name = parse_person_name(text)
    except InvalidInput:
        return
    assert parse_person_name(name) == name  # normalising twice changes nothing
    assert name_key(name) == fold(text).strip(" ,;") or name_key(name) == name_key(text)


@given(
    st.lists(
        st.sampled_from("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"),
        min_size=1,
        max_size=8,
    ).map("".join),
    st.integers(1, 4),
)
def test_search_keys_ignore_case_and_diacritics(word: str, words: int) -> None:
    name = " ".join([word] * words)
    assert name_key(parse_person_name(name.upper())) == name_key(name) == fold(name)
    assert name_key(name).isascii()


@pytest.mark.parametrize(("text", "expected"), [("1985", 1985), ("năm 1985", 1985), ("khoảng 1970", 1970)])
def test_years(text: str, expected: int) -> None:
    assert parse_year(text, TODAY) == expected


@pytest.mark.parametrize("text", ["2027", "1899", "85", "19850", "1985-1990", "", "abc"])
def test_bad_years(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_year(text, TODAY)


@given(st.text(max_size=60))
def test_year_parsing_never_fails_otherwise(text: str) -> None:
    try:
        year = parse_year(text, TODAY)
    except InvalidInput:
        return
    assert 1900 <= year <= TODAY.year


@pytest.mark.parametrize("text", [
    "0912345678", "0912 345 678", "0912.345.678", "0912-345-678", "+84912345678", "+84 912 345 678",
    "(+84) 912 345 678", "84912345678", "0084912345678", "912345678",
])  # fmt: skip
def test_phone_formats(text: str) -> None:
    assert parse_phone(text) == "+84912345678"


@pytest.mark.parametrize(("text", "expected"), [
    ("0168 123 4567", "+84381234567"), ("0123.456.7890", "+84834567890"), ("0199 123 4567", "+84591234567"),
])  # fmt: skip
def test_old_eleven_digit_numbers_are_renumbered(text: str, expected: str) -> None:
    assert parse_phone(text) == expected


@pytest.mark.parametrize("text", [
    "0236 3821 111", "091234567", "09123456789", "+1 415 555 0100", "0112345678", "abc", "", "0912 345 67a",
])  # fmt: skip
def test_bad_phones(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_phone(text)


MOBILE_PREFIXES = ["32", "33", "39", "52", "56", "58", "59", "70", "76", "79", "81", "86", "89", "90", "91", "99"]


@given(st.sampled_from(MOBILE_PREFIXES), st.text("0123456789", min_size=7, max_size=7),
       st.sampled_from(["0{p}{r}", "+84{p}{r}", "84{p}{r}", "0{p} {a} {b}", "0{p}.{a}.{b}", "+84 {p} {a}-{b}"]))  # fmt: skip
def test_every_writing_of_a_number_gives_the_same_value(prefix: str, rest: str, layout: str) -> None:
    text = layout.format(p=prefix, r=rest, a=rest[:3], b=rest[3:])
    value = parse_phone(text)
    assert value == f"+84{prefix}{rest}"
    assert parse_phone(format_phone(value)) == value


@given(st.text(max_size=60))
def test_phone_parsing_never_fails_otherwise(text: str) -> None:
    try:
        value = parse_phone(text)
    except InvalidInput:
        return
    assert value.startswith("+84") and len(value) == 12 and value[1:].isdigit()
