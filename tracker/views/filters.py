"""Parsing of list filters from the query string: bad values are reported, never guessed."""

from __future__ import annotations

from datetime import date

from flask import flash, request
from flask_babel import gettext as _


def choice(name: str, allowed) -> str | None:
    """Return the query argument if it is one of ``allowed``, else None."""
    value = request.args.get(name) or None
    return value if value in allowed else None


def day(name: str, label: str) -> date | None:
    """Return the query argument as a date (YYYY-MM-DD from a date input, or dd/mm/yyyy)."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    for parse in (date.fromisoformat, _from_vietnamese):
        try:
            return parse(raw)
        except ValueError:
            continue
    flash(
        _("%(field)s: “%(value)s” is not a date (dd/mm/yyyy).", field=label, value=raw), "warning"
    )
    return None


def _from_vietnamese(raw: str) -> date:
    day_, month, year = (int(part) for part in raw.split("/"))
    return date(year, month, day_)


def text(name: str, limit: int = 100) -> str | None:
    value = (request.args.get(name) or "").strip()[:limit]
    return value or None
