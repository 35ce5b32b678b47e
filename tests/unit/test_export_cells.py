"""One path for the text of every exported cell, header and sheet name: inert, while
numbers and dates stay numbers and dates."""

from __future__ import annotations

import csv
import io
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from tracker.app import create_app
from tracker.exports.cells import cell_text, sheet_titles
from tracker.exports.writers import Column, Sheet, write_csv, write_xlsx

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(scope="module")
def app():
    """An app without a database: exports only need translations."""
    return create_app(
        {"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),
        ("\x01=1", "'=1"),  # a dropped control character does not uncover a formula
        ("a=1", "a=1"),
        ("Tỉnh Bà Rịa - Vũng Tàu", "Tỉnh Bà Rịa - Vũng Tàu"),
        ("", ""),
        (-3, "'-3"),  # a number in a text column is text, and inert
    ],
)
def test_cell_text_prefixes_what_could_start_a_formula(value, expected):
    assert cell_text(value) == expected


@pytest.mark.parametrize(
    ("titles", "expected"),
    [
        (["=cmd|' -C calc'!A0"], ["cmd|' -C calc'!A0"]),
        (["-2+3", "@x", "\t=1", "＝Sheet"], ["2+3", "x", "1", "Sheet"]),
        (["+", "-'"], ["Sheet", "Sheet (2)"]),
        (["a" * 30 + "'b"], ["a" * 30]),  # cut at 31, it would end with an apostrophe
    ],
)
def test_sheet_titles_never_start_with_a_formula_character(titles, expected):
    assert sheet_titles(titles) == expected


def test_negative_numbers_stay_numbers_while_text_is_neutralised(app):
    columns = [
        Column("title", "=Title"),
        Column("days", "-Days", "int"),
        Column("average", "+Average", "number"),
        Column("due", "@Due", "date"),
    ]
    sheet = Sheet("-Sheet", columns, [("-2+3", -3, -1.5, date(2024, 6, 30))])
    with app.test_request_context():
        xlsx, text = io.BytesIO(), io.BytesIO()
        write_xlsx([sheet], xlsx, zone=ZONE)
        write_csv(sheet, text, zone=ZONE)
    book = load_workbook(io.BytesIO(xlsx.getvalue()))
    assert book.sheetnames == ["Sheet"]
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("'=Title", "'-Days", "'+Average", "'@Due")
    assert rows[1][:3] == ("'-2+3", -3, -1.5) and rows[1][3].date() == date(2024, 6, 30)
    fields = list(csv.reader(io.StringIO(text.getvalue().decode("utf-8-sig"), newline="")))
    assert fields == [
        ["'=Title", "'-Days", "'+Average", "'@Due"],
        ["'-2+3", "-3", "-1.5", "30/06/2024"],
    ]
