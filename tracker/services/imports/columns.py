"""Columns of an import file: their headers in English or Vietnamese, rows, errors, values."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from tracker.domain.deadlines import DayError, format_date, parse_day
from tracker.domain.text import fold
from tracker.labels import day_error_message
from tracker.services.accounts import normalise_email
from tracker.services.imports.reading import Cell, Sheet

# Numbering columns officials add to every table; they carry nothing to import.
_IGNORED_HEADERS = frozenset({"stt", "so tt", "so thu tu", "tt", "no", "#"})


def normalise_word(text: str) -> str:
    """Return ``text`` folded (no case, no diacritics) with punctuation as single spaces."""
    return re.sub(r"[^0-9a-z]+", " ", fold(text)).strip()


@dataclass(frozen=True)
class Column:
    """One column a kind of import reads: its key, the template's header and other names."""

    key: str
    title: str  # the Vietnamese header of the downloadable template
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None
    help: str = ""  # a lazy string shown on the import page
    choices: tuple[str, ...] = ()  # the words the cell accepts, shown on the import page

    def names(self) -> set[str]:
        return {normalise_word(n) for n in (self.key, self.title, *self.aliases)}


@dataclass(frozen=True)
class RowError:
    """Why a line of the file was refused: its line as Excel numbers it, the column (its
    header as written), the value and the reason in the user's language."""

    line: int
    column: str
    message: str
    value: str = ""


@dataclass
class Row:
    """One data line: the cells of the known columns present in the file."""

    line: int
    cells: dict[str, Cell]
    headers: Mapping[str, str]
    errors: list[RowError] = field(default_factory=list)

    def has(self, key: str) -> bool:
        """Return whether the file has this column at all (absent columns change nothing)."""
        return key in self.cells

    def text(self, key: str) -> str:
        value = self.cells.get(key, "")
        return format_date(value) if isinstance(value, date) else value

    def error(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.line, self.headers.get(key, key), message, self.text(key)))


def map_rows(columns: Iterable[Column], sheet: Sheet) -> tuple[list[Row], list[RowError]]:
    """Return the file's non-blank rows keyed by column, or the header problems (line 1)."""
    by_name = {name: column for column in columns for name in column.names()}
    errors: list[RowError] = []
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    unnamed: list[int] = []
    for index, header in enumerate(sheet.headers):
        name = normalise_word(header.replace("*", ""))
        column = by_name.get(name)
        if not name:
            unnamed.append(index)
        elif column is None:
            if name not in _IGNORED_HEADERS:
                errors.append(RowError(1, header, _unknown_column(columns), header))
        elif column.key in positions:
            errors.append(RowError(1, header, _("This column appears twice."), header))
        else:
            positions[column.key] = index
            headers[column.key] = header
    for column in columns:
        if column.required and column.key not in positions:
            errors.append(RowError(1, column.title, _("This required column is missing.")))
    for index in unnamed:
        if any(index < len(cells) and cells[index] != "" for _line, cells in sheet.rows):
            errors.append(RowError(1, f"#{index + 1}", _("This column has values but no header.")))
    if errors:
        return [], errors
    rows = [
        Row(
            line,
            {key: (cells[i] if i < len(cells) else "") for key, i in positions.items()},
            headers,
        )
        for line, cells in sheet.rows
    ]
    for row in rows:
        for column in columns:
            limit = column.max_length
            if limit and row.has(column.key) and len(row.text(column.key)) > limit:
                row.error(column.key, _("At most %(max)d characters.", max=limit))
    return rows, []


def _unknown_column(columns: Iterable[Column]) -> str:
    names = ", ".join(column.title for column in columns)
    return _("Unknown column. The columns are: %(names)s.", names=names)


def words(table: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Return a lookup from every accepted word (normalised) to its value; each value is
    accepted as itself too."""
    found = {}
    for value, names in table.items():
        for name in (value, *names):
            found[normalise_word(name)] = str(value)
    return found


def choose(row: Row, key: str, table: Mapping[str, str], accepted: Iterable[str]) -> str | None:
    """Return the value the cell's word names (None if blank), else record an error."""
    text = row.text(key)
    if not text:
        return None
    value = table.get(normalise_word(text))
    if value is None:
        row.error(key, _("Write one of: %(choices)s.", choices=", ".join(accepted)))
    return value


def email(row: Row, key: str) -> str | None:
    """Return the cell's email address normalised (None if blank), else record an error."""
    text = row.text(key)
    if not text:
        return None
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        row.error(key, _("Enter a valid email address."))
        return None
    return normalise_email(text)


def day(row: Row, key: str) -> date | None:
    """Return the cell's date (a real date or dd/mm/yyyy text; None if blank), else record
    an error."""
    value = row.cells.get(key, "")
    if isinstance(value, date) or not value:
        return value or None
    try:
        return parse_day(value)
    except DayError as error:
        row.error(key, day_error_message(error))
        return None


def required(row: Row, key: str) -> str:
    """Return the cell's text, recording an error when it is blank."""
    text = row.text(key)
    if not text:
        row.error(key, _("This cell must not be empty."))
    return text
