"""Reading an uploaded table: CSV text (UTF-8, comma or semicolon) or an XLSX's first sheet.

The type is decided by the bytes, never by the file's name. Cells come back as trimmed
text, or as dates where a spreadsheet stored real dates.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _

from tracker.i18n import format_number
from tracker.services.assignments.evidence import megabytes
from tracker.services.errors import ServiceError

Cell = str | date

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 (.xls) and other old Office files
# An XLSX is compressed XML: refuse one that would unpack to more than this many times the
# upload limit (a "zip bomb") before openpyxl reads it.
_MAX_EXPANSION = 30


@dataclass(frozen=True)
class Sheet:
    """The header row and the non-blank data rows, each with its line as Excel shows it."""

    headers: list[str]
    rows: list[tuple[int, list[Cell]]]


def read_table(data: bytes, *, max_bytes: int, max_rows: int) -> Sheet:
    """Return the table in ``data``, or raise ServiceError saying why it cannot be read."""
    if len(data) > max_bytes:
        raise ServiceError(_("The file is larger than %(size)s MB.", size=megabytes(max_bytes)))
    if not data.strip():
        raise ServiceError(_("The file is empty."))
    if data.startswith(_OLE):
        raise ServiceError(
            _(
                "Old Excel files (.xls) cannot be read: save the file as Excel Workbook "
                "(.xlsx) or as CSV UTF-8, then import that."
            )
        )
    lines = _xlsx_lines(data, max_bytes) if data.startswith(_ZIP) else _csv_lines(data)
    return _sheet(lines, max_rows)


def _not_a_table() -> ServiceError:
    return ServiceError(_("This is neither a CSV file nor an Excel workbook (.xlsx)."))


def _sheet(lines, max_rows: int) -> Sheet:
    headers: list[str] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    for number, cells in enumerate(lines, start=1):
        if headers is None:
            headers = [c if isinstance(c, str) else str(c) for c in cells]
            continue
        if all(cell == "" for cell in cells):
            continue
        if len(rows) == max_rows:
            limit = format_number(max_rows)
            raise ServiceError(
                _("The file has more than %(max)s rows: split it into several files.", max=limit)
            )
        rows.append((number, cells))
    if headers is None:
        raise ServiceError(_("The file is empty."))
    if not any(headers):
        raise ServiceError(_("The first line must hold the column headers."))
    return Sheet(headers, rows)


def _csv_lines(data: bytes):
    if b"\x00" in data:
        raise _not_a_table()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(
            _(
                "The file is not UTF-8 text. In Excel, use “Save as” and choose "
                "“CSV UTF-8 (Comma delimited)”, or import the .xlsx file itself."
            )
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        for record in reader:
            yield [cell.strip() for cell in record]
    except csv.Error as error:
        raise ServiceError(
            _("Line %(line)s cannot be read as CSV: %(error)s", line=reader.line_num, error=error)
        ) from None


def _delimiter(text: str) -> str:
    """Return the delimiter the header line uses most: comma, semicolon (Excel in locales
    with a decimal comma, Vietnamese among them) or tab."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _xlsx_lines(data: bytes, max_bytes: int):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise _not_a_table() from None
    if "xl/workbook.xml" not in names:
        raise _not_a_table()
    if unpacked > max_bytes * _MAX_EXPANSION:
        raise ServiceError(_("This workbook is too large once unpacked: split it."))
    import openpyxl

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; the values are read.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                lines = [
                    [_cell(v) for v in row]
                    for row in book.worksheets[0].iter_rows(values_only=True)
                ]
            finally:
                book.close()
    # A damaged workbook fails anywhere inside openpyxl with many exception types.
    except Exception:
        raise ServiceError(
            _("This workbook cannot be read: open it in Excel, save it again and retry.")
        ) from None
    while lines and all(cell == "" for cell in lines[-1]):
        lines.pop()
    return lines


def _cell(value) -> Cell:
    """Return a spreadsheet value as import cells are: trimmed text or a date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
