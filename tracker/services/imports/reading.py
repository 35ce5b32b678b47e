"""Reading an uploaded table: CSV text (UTF-8, comma or semicolon) or an XLSX's first sheet.

The type is decided by the bytes, never by the file's name. Cells come back as trimmed
text, or as dates where a spreadsheet stored real dates.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable
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
_MAX_SHARED_STRINGS = 64 * 1024 * 1024  # bytes of text a workbook may share between cells
# Past the row limit, blank lines read before the file is refused, per row allowed.
_BLANK_ALLOWANCE = 5
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Sheet:
    """The header row and the non-blank data rows, each with its line as Excel shows it."""

    headers: list[str]
    rows: list[tuple[int, list[Cell]]]


def read_table(
    data: bytes, *, max_bytes: int, max_rows: int, progress: Callable[[int], None] | None = None
) -> Sheet:
    """Return the table in ``data``, or raise ServiceError saying why it cannot be read;
    ``progress`` is told the data rows read so far, every ``PROGRESS_EVERY`` rows."""
    check_file(data, max_bytes=max_bytes, max_rows=max_rows)
    lines = _xlsx_lines(data) if data.startswith(_ZIP) else _csv_lines(data)
    return _sheet(lines, max_rows, progress)


def check_file(data: bytes, *, max_bytes: int, max_rows: int) -> int:
    """Raise ServiceError when ``data`` is refused before its rows are read: too large,
    empty, an old Excel file, a workbook too large once unpacked or with too many rows (its
    rows counted as it unpacks, in chunks), a CSV with too many lines. Cheap enough for a
    request, whatever the file. Return its lines, header included: a CSV's line breaks (a
    quoted cell may hold some), the rows of a workbook's longest sheet."""
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
    if data.startswith(_ZIP):
        return _check_workbook(data, max_bytes, max_rows)
    lines = data.count(b"\n")
    if lines > _most_lines(max_rows):
        raise _too_many_rows(max_rows)
    return lines


PROGRESS_EVERY = 500


def _most_lines(max_rows: int) -> int:
    """Return how many lines, blank ones included, are read before a file is refused."""
    return max_rows * _BLANK_ALLOWANCE + 1000


def _too_many_rows(max_rows: int) -> ServiceError:
    limit = format_number(max_rows)
    return ServiceError(
        _("The file has more than %(max)s rows: split it into several files.", max=limit)
    )


def _not_a_table() -> ServiceError:
    return ServiceError(_("This is neither a CSV file nor an Excel workbook (.xlsx)."))


def _sheet(lines, max_rows: int, progress: Callable[[int], None] | None = None) -> Sheet:
    """Read ``lines`` (an iterator) up to the row limit: a file past it is refused as soon as
    the limit is passed, without reading the rest. Blank lines count towards a looser limit,
    so that a sheet of millions of empty rows is not read to its end either."""
    headers: list[str] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    most_lines = _most_lines(max_rows)
    for number, cells in enumerate(lines, start=1):
        if headers is None:
            headers = [c if isinstance(c, str) else str(c) for c in cells]
            continue
        blank = all(cell == "" for cell in cells)
        if (len(rows) == max_rows and not blank) or number > most_lines:
            raise _too_many_rows(max_rows)
        if not blank:
            rows.append((number, cells))
            if progress is not None and len(rows) % PROGRESS_EVERY == 0:
                progress(len(rows))
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


def _check_workbook(data: bytes, max_bytes: int, max_rows: int) -> int:
    """Refuse a workbook that would unpack too large or whose sheets hold too many rows;
    return the rows of its longest sheet."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sizes = {info.filename: info.file_size for info in archive.infolist()}
            if "xl/workbook.xml" not in sizes:
                raise _not_a_table()
            # The shared strings are read whole into memory, the sheet as it streams.
            if (
                sum(sizes.values()) > max_bytes * _MAX_EXPANSION
                or sizes.get("xl/sharedStrings.xml", 0) > _MAX_SHARED_STRINGS
            ):
                raise ServiceError(_("This workbook is too large once unpacked: split it."))
            # openpyxl reads every sheet to its end when one lacks its declared size: count
            # the rows first, unpacking as it goes, and refuse past the limit.
            sheets = [n for n in sizes if n.startswith("xl/worksheets/") and n.endswith(".xml")]
            longest, most = 0, _most_lines(max_rows)
            for name in sheets:
                longest = max(longest, _rows_in(archive, name, most))
                if longest > most:
                    raise _too_many_rows(max_rows)
            return longest
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        raise _not_a_table() from None


def _xlsx_lines(data: bytes):
    """Yield the first sheet's rows one at a time (openpyxl's read-only mode parses the
    sheet as it goes); ``_check_workbook`` has passed."""
    import openpyxl

    with warnings.catch_warnings():
        # openpyxl warns about styles and extensions it ignores; the values are read.
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # A damaged workbook fails anywhere inside openpyxl with many exception types.
        except Exception:
            raise _unreadable_workbook() from None
        try:
            rows = book.worksheets[0].iter_rows(values_only=True)
            while True:
                try:
                    row = next(rows)
                except StopIteration:
                    return
                except Exception:
                    raise _unreadable_workbook() from None
                yield [_cell(v) for v in row]
        finally:
            book.close()


# A row element, with or without a namespace prefix (``<row>``, ``<row r="2">``, ``<x:row>``);
# at most 38 bytes long, so a match starting 64 bytes before a chunk's end ends within it.
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,31}:)?row[\s/>]")
_OVERLAP = 64


def _rows_in(archive: zipfile.ZipFile, name: str, most: int) -> int:
    """Return the rows of the sheet ``name``, counted as it unpacks in chunks (memory stays
    small however large it unpacks); counting stops once past ``most``."""
    found, carry = 0, b""
    with archive.open(name) as sheet:
        while chunk := sheet.read(_CHUNK):
            block = carry + chunk
            safe = max(0, len(block) - _OVERLAP)  # the rest is counted with the next chunk
            found += sum(1 for match in _ROW.finditer(block, 0, len(block)) if match.start() < safe)
            if found > most:
                return found
            carry = block[safe:]
    return found + len(_ROW.findall(carry))


def _unreadable_workbook() -> ServiceError:
    return ServiceError(
        _("This workbook cannot be read: open it in Excel, save it again and retry.")
    )


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
