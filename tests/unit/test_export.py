"""XLSX and CSV exports re-read as Excel would, and the download response around them."""

from __future__ import annotations

import csv
import io
import zipfile
from contextlib import contextmanager
from datetime import UTC, date, datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from tracker.app import create_app
from tracker.domain.status import AssignmentState, TimeStatus
from tracker.exports.writers import Column, Sheet, sheet_titles, write_csv, write_xlsx
from tracker.services.errors import NotFound
from tracker.views.downloads import content_disposition, export_response

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")  # the programme's time zone
COLUMNS = [
    Column("unit", "Unit"),
    Column("due", "Due date", "date"),
    Column("status", "Status", "status"),
    Column("state", "State", "status"),
    Column("rate", "Completion rate", "percent"),
    Column("days", "Days overdue", "int"),
    Column("average", "Average days late", "number"),
]
ROWS = [
    {
        "unit": "Tỉnh Bà Rịa - Vũng Tàu",
        "due": date(2024, 9, 30),
        "status": TimeStatus.OVERDUE,
        "state": AssignmentState.IN_PROGRESS,
        "rate": 0.9862,
        "days": 12,
        "average": 3.5,
    },
    {
        "unit": "Bộ Thông tin và Truyền thông",
        "due": None,
        "status": TimeStatus.COMPLETED_ON_TIME,
        "state": AssignmentState.COMPLETED,
        "rate": None,
        "days": 0,
        "average": None,
    },
]


@pytest.fixture(scope="module")
def app():
    """An app without a database: exports only need translations."""
    return create_app(
        {"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )


@contextmanager
def language(app, code="en"):
    with app.test_request_context(), force_locale(code):
        yield


def xlsx(app, sheets, code="en"):
    buffer = io.BytesIO()
    with language(app, code):
        write_xlsx(sheets, buffer, zone=ZONE)
    return load_workbook(io.BytesIO(buffer.getvalue()))


def csv_bytes(app, sheet, code="en") -> bytes:
    buffer = io.BytesIO()
    with language(app, code):
        write_csv(sheet, buffer, zone=ZONE)
    return buffer.getvalue()


def test_xlsx_has_a_filtered_frozen_bold_header_and_sized_columns(app):
    book = xlsx(app, [Sheet("Units", COLUMNS, ROWS), Sheet("Tasks", COLUMNS, ROWS, True)])
    units, tasks = book["Units"], book["Tasks"]
    assert book.sheetnames == ["Units", "Tasks"]
    assert [c.value for c in units[1]] == [str(c.header) for c in COLUMNS]
    assert all(c.font.bold and c.fill.fill_type == "solid" for c in units[1])
    assert units.auto_filter.ref == "A1:G3"
    assert units.freeze_panes == "A2" and tasks.freeze_panes == "B2"
    assert units.column_dimensions["A"].width >= len("Bộ Thông tin và Truyền thông")
    assert units.print_title_rows == "$1:$1"


def test_xlsx_writes_real_dates_percentages_and_numbers(app):
    sheet = xlsx(app, [Sheet("Units", COLUMNS, ROWS)])["Units"]
    due = sheet["B2"]
    assert due.value == datetime(2024, 9, 30) and due.number_format == "dd/mm/yyyy"
    assert sheet["B3"].value is None
    assert sheet["E2"].value == pytest.approx(0.9862) and sheet["E2"].number_format == "0.00%"
    assert sheet["F2"].value == 12 and sheet["F2"].number_format == "#,##0"
    assert sheet["G2"].value == 3.5 and sheet["A2"].value == "Tỉnh Bà Rịa - Vũng Tàu"


@pytest.mark.parametrize(
    ("code", "overdue", "in_progress"),
    [("vi", "Quá hạn", "Đang thực hiện"), ("en", "Overdue", "In progress")],
)
def test_xlsx_statuses_are_translated_words_on_the_page_colours(app, code, overdue, in_progress):
    sheet = xlsx(app, [Sheet("Units", COLUMNS, ROWS)], code)["Units"]
    assert sheet["C2"].value == overdue and sheet["D2"].value == in_progress
    colour = lambda cell: cell.fill.fgColor.rgb  # noqa: E731
    assert colour(sheet["C2"]) == "FFC62828"  # overdue: red, as on the pages
    assert colour(sheet["C3"]) == "FF1B7A3D"  # completed on time: green
    assert sheet["C2"].font.color.rgb == "FFFFFFFF"  # white on red, as the page's badge


def test_xlsx_keeps_text_that_looks_like_a_formula_as_text(app):
    rows = [['=HYPERLINK("http://evil.example","click")'], ["@SUM(1+1)"], ["a\x07b"]]
    sheet = xlsx(app, [Sheet("T", [Column("t", "Title")], rows)])["T"]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "'" + rows[0][0]
    assert sheet["A3"].value == "'@SUM(1+1)"
    assert sheet["A4"].value == "ab"  # control characters Excel refuses are dropped


def test_xlsx_streams_rows_from_a_generator_past_the_sizing_sample(app):
    rows = ((f"Đơn vị {i}", i) for i in range(1234))
    columns = [Column("unit", "Unit"), Column("n", "N", "int")]
    sheet = xlsx(app, [Sheet("Many", columns, rows)])["Many"]
    assert sheet.max_row == 1235 and sheet["B1235"].value == 1233
    assert sheet.auto_filter.ref == "A1:B1235"


@pytest.mark.parametrize(
    ("titles", "expected"),
    [
        (["Báo cáo 30/06/2024"], ["Báo cáo 30-06-2024"]),
        (["a[b]:c*d?e/f\\g"], ["a-b--c-d-e-f-g"]),
        (["x" * 40], ["x" * 31]),
        (["Tổng hợp", "tổng hợp", "Tổng hợp"], ["Tổng hợp", "tổng hợp (2)", "Tổng hợp (3)"]),
        (["y" * 40, "y" * 40], ["y" * 31, "y" * 27 + " (2)"]),
        (["", "'quoted'", "History"], ["Sheet", "quoted", "History (2)"]),
    ],
)
def test_sheet_titles_follow_excels_rules(titles, expected):
    assert sheet_titles(titles) == expected


def test_xlsx_sheet_names_are_sanitised_in_the_file(app):
    book = xlsx(
        app, [Sheet("Báo cáo 30/06/2024", COLUMNS, ROWS), Sheet("Báo cáo 30/06/2024", COLUMNS, [])]
    )
    assert book.sheetnames == ["Báo cáo 30-06-2024", "Báo cáo 30-06-2024 (2)"]
    assert book.worksheets[1].auto_filter.ref == "A1:G1"


def test_unknown_column_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        Column("x", "X", "currency")


def test_csv_has_a_bom_crlf_and_round_trips_vietnamese(app):
    data = csv_bytes(app, Sheet("Units", COLUMNS, ROWS), "vi")
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == [str(c.header) for c in COLUMNS]
    assert rows[1] == [
        "Tỉnh Bà Rịa - Vũng Tàu",
        "30/09/2024",
        "Quá hạn",
        "Đang thực hiện",
        "98.62%",
        "12",
        "3.5",
    ]
    assert rows[2] == [
        "Bộ Thông tin và Truyền thông",
        "",
        "Hoàn thành đúng hạn",
        "Đã hoàn thành",
        "",
        "0",
        "",
    ]


def test_csv_accepts_sequence_rows_and_guards_formulas(app):
    sheet = Sheet(
        "T",
        [Column("t", "Title"), Column("d", "Day", "date")],
        # An instant is dated in Asia/Ho_Chi_Minh: 20:00 UTC is the next morning there.
        [("=1+1", date(2025, 1, 2)), ("-x",), ("ok", datetime(2024, 6, 30, 20, tzinfo=UTC))],
    )
    rows = list(csv.reader(io.StringIO(csv_bytes(app, sheet).decode("utf-8-sig"), newline="")))
    assert rows[1:] == [["'=1+1", "02/01/2025"], ["'-x", ""], ["ok", "01/07/2024"]]


def test_xlsx_response_names_the_file_in_vietnamese_with_an_ascii_fallback(app):
    with language(app):
        response = export_response(
            [Sheet("Units", COLUMNS, ROWS)], "xlsx", "Báo cáo Tỉnh Đồng Tháp 30/06/2024"
        )
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="bao-cao-tinh-dong-thap-30-06-2024.xlsx"')
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "Báo cáo Tỉnh Đồng Tháp 30-06-2024.xlsx"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert load_workbook(io.BytesIO(response.get_data())).sheetnames == ["Units"]


def test_csv_response_of_one_sheet_is_a_csv_file(app):
    with language(app):
        response = export_response([Sheet("Units", COLUMNS, ROWS)], "CSV", "Đơn vị")
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.get_data().startswith(b"\xef\xbb\xbf")
    assert 'filename="don-vi.csv"' in response.headers["Content-Disposition"]


def test_csv_response_of_several_sheets_is_a_zip_of_csv_files(app):
    sheets = [Sheet("Bộ, ngành", COLUMNS, ROWS), Sheet("Địa phương", COLUMNS, ROWS[:1])]
    with language(app):
        response = export_response(sheets, "csv", "Báo cáo")
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert archive.namelist() == ["Bộ, ngành.csv", "Địa phương.csv"]
        text = archive.read("Địa phương.csv").decode("utf-8-sig")
    assert "Tỉnh Bà Rịa - Vũng Tàu" in text


def test_an_unknown_format_is_refused_in_words(app):
    with language(app), pytest.raises(NotFound, match="XLSX or CSV"):
        export_response([Sheet("Units", COLUMNS, ROWS)], "pdf", "x")


@pytest.mark.parametrize(
    ("filename", "fallback"),
    [
        ("Báo cáo.xlsx", "bao-cao.xlsx"),
        ("Đà Nẵng.csv", "da-nang.csv"),
        ("请.csv", "export.csv"),
        ('a"b;c.zip', "a-b-c.zip"),
    ],
)
def test_content_disposition_fallback_is_plain_ascii(filename, fallback):
    header = content_disposition(filename)
    assert header.startswith(f"attachment; filename=\"{fallback}\"; filename*=UTF-8''")
    assert header.isascii()
    assert unquote(header.rsplit("''", 1)[1]) == filename
