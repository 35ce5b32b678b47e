"""The fixed wording of administrative documents (Nghị định 30/2020/NĐ-CP)."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.official import date_line, document_number, roman


@pytest.mark.parametrize(
    ("day", "language", "expected"),
    [
        (date(2024, 6, 30), "vi", "Hà Nội, ngày 30 tháng 6 năm 2024"),
        (date(2024, 1, 5), "vi", "Hà Nội, ngày 05 tháng 01 năm 2024"),  # 0 before day < 10, Jan
        (date(2024, 2, 29), "vi", "Hà Nội, ngày 29 tháng 02 năm 2024"),  # and February
        (date(2024, 3, 1), "vi", "Hà Nội, ngày 01 tháng 3 năm 2024"),  # not from March
        (date(2024, 12, 9), "vi", "Hà Nội, ngày 09 tháng 12 năm 2024"),
        (date(2024, 6, 30), "en", "Hà Nội, 30 June 2024"),
        (date(2025, 1, 5), "en", "Hà Nội, 5 January 2025"),
    ],
)
def test_the_date_line_follows_the_decree(day, language, expected):
    assert date_line("Hà Nội", day, language) == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [(1, "I"), (2, "II"), (4, "IV"), (9, "IX"), (14, "XIV"), (40, "XL"), (1999, "MCMXCIX")],
)
def test_parts_are_numbered_in_roman_numerals(number, expected):
    assert roman(number) == expected


def test_there_is_no_roman_zero():
    with pytest.raises(ValueError):
        roman(0)


@pytest.mark.parametrize(
    ("code", "expected"), [("CĐSQG", "Số:        /BC-CĐSQG"), ("", "Số:        /BC")]
)
def test_the_number_is_left_for_the_registry(code, expected):
    assert document_number(code, "Số") == expected
