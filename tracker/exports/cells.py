"""Text as spreadsheets must receive it: shown as written, never run as a formula.

Every sheet name, header and text cell of the XLSX and CSV files the app writes goes
through here. Text starting with a character a spreadsheet may read as the start of a
formula gets a leading apostrophe, as OWASP advises for CSV injection; sheet names, which
Excel forbids to start with an apostrophe, lose those characters instead. Numbers and
dates are not text: the writers keep them numeric.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# What spreadsheets may run as a formula (or a DDE call) when a cell starts with it. The
# full-width forms are covered too, in case a spreadsheet folds them to ASCII.
FORMULA_START = frozenset("=+-@\t\r＝＋－＠")

TITLE_MAX = 31
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_TITLE_START = re.compile("^[\\s'" + re.escape("".join(sorted(FORMULA_START))) + "]+")
_TITLE_END = re.compile(r"[\s']+$")


def cell_text(value: object) -> str:
    """Return ``value`` as the text of a cell or header: without the control characters an
    XLSX file cannot hold, and with an apostrophe before a leading formula character."""
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return "'" + text if text[:1] in FORMULA_START else text


def sheet_titles(titles: Iterable[object]) -> list[str]:
    """Return the titles made valid in Excel and inert: at most 31 characters, none of
    []:*?/\\, not starting with a formula character, not empty or quoted, and unique
    ignoring case (a repeated one gets " (2)", " (3)" ...)."""
    seen: set[str] = set()
    result = []
    for raw in titles:
        base = _trim(_TITLE_FORBIDDEN.sub("-", str(raw))) or "Sheet"
        name, n = _trim(base[:TITLE_MAX]), 1
        while name.casefold() in seen or name.casefold() == "history":
            n += 1
            suffix = f" ({n})"
            name = _trim(base[: TITLE_MAX - len(suffix)]) + suffix
        seen.add(name.casefold())
        result.append(name)
    return result


def _trim(title: str) -> str:
    return _TITLE_END.sub("", _TITLE_START.sub("", title))
