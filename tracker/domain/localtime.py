"""Instants and the programme's days: which local day an instant falls on, where a day
begins and ends. Pure: the time zone is a parameter."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    """Return the date of an aware instant in ``zone``."""
    return moment.astimezone(zone).date()


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    """Return the first instant of ``day`` in ``zone``, as UTC."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """Return the last instant of ``day`` in ``zone``, as UTC."""
    return datetime.combine(day, time.max, tzinfo=zone).astimezone(UTC)
