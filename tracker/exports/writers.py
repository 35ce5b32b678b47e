"""Report tables as files: XLSX (openpyxl, streamed row by row) and CSV that Excel opens.

A report describes its table once as a `Sheet` of typed `Column`s; the writers turn
dates into real dates shown dd/mm/yyyy, ratios into percentages and statuses into their
translated words, coloured as on the pages. Call inside an app context: labels follow the
active language. An instant in a date column is dated in the ``zone`` the caller passes
(the programme's time zone). Sheet names, headers and text cells are written through
``cells``: as text, never as something a spreadsheet could run as a formula.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from tracker.domain.localtime import local_date
from tracker.exports.cells import cell_text, sheet_titles
from tracker.labels import TEXT_ON, THEME, status_style

KINDS = frozenset({"text", "int", "number", "percent", "date", "status"})
DATE_FORMAT = "dd/mm/yyyy"
FORMATS = {"int": "#,##0", "number": "#,##0.00", "percent": "0.00%", "date": DATE_FORMAT}
SAMPLE_ROWS = 500  # rows looked at to size text columns
MAX_WIDTH = 60


@dataclass(frozen=True)
class Column:
    """One column of a sheet: where its value is in a row (a dict key; sequence rows are
    read by position), its header, and what kind of value it holds."""

    key: str
    header: object  # a (lazy) translated string
    kind: str = "text"  # text, int, number, percent (0.0-1.0), date, status
    width: float | None = None  # in characters; None sizes it from the content

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}; use one of {sorted(KINDS)}")


@dataclass(frozen=True)
class Sheet:
    """A table to export: rows are sequences (in column order) or mappings by column key."""

    title: object
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any] | Mapping[str, Any]]
    freeze_first_column: bool = False


def _getter(sheet: Sheet) -> Callable[[Any], list[Any]]:
    keys = [c.key for c in sheet.columns]
    width = len(keys)

    def values(row: Any) -> list[Any]:
        if isinstance(row, Mapping):
            return [row.get(k) for k in keys]
        found = list(row)[:width]
        return found + [None] * (width - len(found))

    return values


def _as_date(value: Any, zone: ZoneInfo) -> Any:
    return local_date(value, zone) if isinstance(value, datetime) else value


class _Statuses:
    """Translated label and colour per status value, looked up once per file."""

    def __init__(self) -> None:
        self._cache: dict[Any, tuple[str, str]] = {}

    def __call__(self, value: Any) -> tuple[str, str]:
        key = (type(value), value)
        if key not in self._cache:
            label, colour = status_style(value)
            self._cache[key] = (cell_text(label), colour)
        return self._cache[key]


def write_xlsx(sheets: Iterable[Sheet], stream: IO[bytes], *, zone: ZoneInfo) -> None:
    """Write the sheets as one XLSX workbook to a binary stream: bold filled header row,
    frozen (with the first column when the sheet asks), autofilter over the table, sized
    columns, real dates as dd/mm/yyyy, percentages as 0.00%, statuses in words on the
    colour the pages give them; printed landscape, one page wide, header on every page."""
    sheets = list(sheets)
    workbook = Workbook(write_only=True)
    statuses = _Statuses()
    for sheet, title in zip(sheets, sheet_titles(s.title for s in sheets), strict=True):
        worksheet = workbook.create_sheet(title=title)
        _write_sheet(worksheet, sheet, statuses, zone)
    if not sheets:
        workbook.create_sheet(title="Sheet")
    workbook.save(stream)


def _write_sheet(ws: WriteOnlyWorksheet, sheet: Sheet, statuses: _Statuses, zone: ZoneInfo) -> None:
    columns = list(sheet.columns)
    values = _getter(sheet)
    rows = iter(sheet.rows)
    sample = [values(r) for r in itertools.islice(rows, SAMPLE_ROWS)]
    for i, column in enumerate(columns):
        width = column.width or _width(column, (row[i] for row in sample), statuses)
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.freeze_panes = "B2" if sheet.freeze_first_column else "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    ws.append([_header_cell(ws, column.header) for column in columns])
    makers = [_cell_maker(ws, column, statuses, zone) for column in columns]
    count = 0
    for row in itertools.chain(sample, (values(r) for r in rows)):
        ws.append([make(value) for make, value in zip(makers, row, strict=False)])
        count += 1
    last = get_column_letter(max(len(columns), 1))
    ws.auto_filter.ref = f"A1:{last}{count + 1}"


def _width(column: Column, sample: Iterator[Any], statuses: _Statuses) -> float:
    header = len(str(column.header))
    if column.kind == "date":
        content = 10
    elif column.kind == "percent":
        content = 8
    elif column.kind in ("int", "number"):
        content = max((len(f"{v:,}") for v in sample if v is not None), default=1)
    elif column.kind == "status":
        content = max((len(statuses(v)[0]) for v in sample if v is not None), default=1)
    else:
        content = max((len(str(v)) for v in sample if v is not None), default=1)
    # Room for the autofilter button beside the header.
    return min(max(header + 4, content + 2, 8), MAX_WIDTH)


_HEADER_FONT = Font(bold=True, color="FFFFFFFF")
_HEADER_FILL = PatternFill(fill_type="solid", fgColor="FF0B3D91")  # the navbar's blue
_HEADER_ALIGN = Alignment(vertical="center", wrap_text=True)
_HEADER_BORDER = Border(bottom=Side(style="thin", color="FF000000"))


def _header_cell(ws: WriteOnlyWorksheet, header: object) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=cell_text(header))
    cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    cell.alignment, cell.border = _HEADER_ALIGN, _HEADER_BORDER
    return cell


def _argb(hex_colour: str) -> str:
    return "FF" + hex_colour.lstrip("#").upper()


def _style(ws: WriteOnlyWorksheet, **styles: Any) -> Any:
    """Return the style array of a cell with ``styles``: cells built on it get the style
    without openpyxl hashing each style object again (the slow part of 100,000 rows)."""
    proto = WriteOnlyCell(ws)
    for name, value in styles.items():
        setattr(proto, name, value)
    return proto._style


def _cell_maker(
    ws: WriteOnlyWorksheet, column: Column, statuses: _Statuses, zone: ZoneInfo
) -> Callable[[Any], Any]:
    """Return a function turning a value of ``column`` into what the sheet gets: plain
    values where no style is needed (the fast path), styled cells otherwise."""
    kind = column.kind
    if kind == "text":

        def text(value: Any) -> Any:
            return None if value is None else cell_text(value)

        return text
    if kind == "status":
        styles: dict[str, Any] = {}

        def status(value: Any) -> Any:
            if value is None:
                return None
            label, colour = statuses(value)
            if colour not in styles:
                styles[colour] = _style(
                    ws,
                    fill=PatternFill(fill_type="solid", fgColor=_argb(THEME[colour])),
                    font=Font(color=_argb(TEXT_ON[colour])),
                )
            return Cell(ws, row=1, column=1, value=label, style_array=styles[colour])

        return status
    style = _style(ws, number_format=FORMATS[kind])
    dated = kind == "date"

    def formatted(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):  # text, even in a column of numbers
            return cell_text(value)
        if dated:
            value = _as_date(value, zone)
        return Cell(ws, row=1, column=1, value=value, style_array=style)

    return formatted


def write_csv(sheet: Sheet, stream: IO[bytes], *, zone: ZoneInfo) -> None:
    """Write one sheet as CSV to a binary stream: UTF-8 with a BOM (so Excel reads
    Vietnamese), a header row, CRLF line ends, dates dd/mm/yyyy, percentages as "98.62%",
    statuses in words, and text that could run as a formula prefixed with an apostrophe."""
    wrapper = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(wrapper)
        writer.writerow([cell_text(column.header) for column in sheet.columns])
        values = _getter(sheet)
        statuses = _Statuses()
        kinds = [column.kind for column in sheet.columns]
        for row in sheet.rows:
            writer.writerow(
                [_csv_value(k, v, statuses, zone) for k, v in zip(kinds, values(row), strict=False)]
            )
    finally:
        wrapper.flush()
        wrapper.detach()


def _csv_value(kind: str, value: Any, statuses: _Statuses, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if kind == "status":
        return statuses(value)[0]
    if kind == "text" or isinstance(value, str):  # text, even in a column of numbers
        return cell_text(value)
    if kind == "date":
        return _as_date(value, zone).strftime("%d/%m/%Y")
    if kind == "percent":
        return f"{value * 100:.2f}%"
    if kind == "int":
        return str(int(value))
    return f"{value:.10g}"
