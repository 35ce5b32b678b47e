"""Parsing of list filters from the query string: bad values are reported, never guessed."""

from __future__ import annotations

from datetime import date

from flask import flash, request
from flask_babel import gettext as _

from tracker.domain.deadlines import parse_day


def choice(name: str, allowed) -> str | None:
    """Return the query argument if it is one of ``allowed``, else None."""
    value = request.args.get(name) or None
    return value if value in allowed else None


def day(name: str, label: str) -> date | None:
    """Return the query argument as a date (dd/mm/yyyy, or yyyy-mm-dd in a shared link)."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw) if "-" in raw else parse_day(raw)
    except ValueError:
        flash(
            _("%(field)s: “%(value)s” is not a date (dd/mm/yyyy).", field=label, value=raw),
            "warning",
        )
        return None


def text(name: str, limit: int = 100) -> str | None:
    """Return the query argument trimmed to ``limit`` characters, or None when empty."""
    value = (request.args.get(name) or "").strip()[:limit]
    return value or None
