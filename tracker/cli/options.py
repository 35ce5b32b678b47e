"""Options several commands share."""

from __future__ import annotations

from datetime import date

import click


def iso_day(_ctx, _param, value: str | None) -> date | None:
    """Parse an option given as YYYY-MM-DD (a click callback); None stays None."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("expected YYYY-MM-DD") from exc


def today_option(command):
    """Add ``--today YYYY-MM-DD``: run as of that date (default: the clock's today, which
    TRACKER_TODAY fixes); the command receives a ``date`` or None."""
    return click.option(
        "--today",
        callback=iso_day,
        metavar="YYYY-MM-DD",
        help="Run as of this date (default: today, or TRACKER_TODAY).",
    )(command)
