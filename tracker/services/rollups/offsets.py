"""The roll offset of every day off (``DayOffOffset``), the table through which the
triggers keeping ``UnitTally`` judge deadlines on days off without a calendar of their own.

It holds, from 2000 to ``HORIZON`` years after the clock's day, each day off's distance
to the next working day, with the admin's overrides. ``rollups.units.sync`` rewrites it
(and recounts the per-unit counts) when the calendar or the deployment's rule changes.
"""

from __future__ import annotations

import functools
from datetime import date

from sqlalchemy import delete, insert, select

from tracker.domain.calendar import WorkCalendar
from tracker.domain.days_off import day_offsets
from tracker.domain.deadlines import MIN_YEAR
from tracker.extensions import db
from tracker.models import CalendarOverride, DayOffOffset
from tracker.services.calendar import load_calendar

HORIZON = 10  # years after the clock's day that the table covers
BATCH = 1000  # rows per INSERT


@functools.lru_cache(maxsize=8)
def _wanted(overrides: tuple, last_year: int) -> dict[date, int]:
    return day_offsets(WorkCalendar(dict(overrides)), MIN_YEAR, last_year)


def calendar() -> WorkCalendar:
    """Return the calendar with the overrides as they stand in this transaction (one
    query: not the request's calendar, read before an override it adds)."""
    rows = db.session.execute(select(CalendarOverride.day, CalendarOverride.is_working))
    return WorkCalendar({_day(d): bool(working) for d, working in rows})


def wanted(day: date, with_calendar: WorkCalendar | None = None) -> dict[date, int]:
    """Return {day off: roll offset} the table should hold while the clock is at ``day``
    (``with_calendar``, or the request's calendar)."""
    chosen = load_calendar() if with_calendar is None else with_calendar
    overrides = tuple(sorted(chosen.overrides.items()))
    return _wanted(overrides, max(day.year, MIN_YEAR) + HORIZON)


def longest_roll(day: date) -> int:
    """Return the most days any deadline up to ``HORIZON`` years after ``day`` can roll."""
    return max(wanted(day).values(), default=0)


def kept() -> dict[date, int]:
    """Return what the table holds (one query)."""
    rows = db.session.execute(select(DayOffOffset.day, DayOffOffset.days))
    return {_day(d): int(n) for d, n in rows}


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def write(offsets: dict[date, int]) -> None:
    """Replace the table's rows with ``offsets`` (not committed)."""
    db.session.execute(delete(DayOffOffset))
    rows = [{"day": d, "days": n} for d, n in sorted(offsets.items())]
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(DayOffOffset), rows[start : start + BATCH])
