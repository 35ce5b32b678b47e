"""Deadlines that fall on a day off: when they end, and which tasks follow which rule.

Bộ luật Dân sự 2015, art. 148(5): a period whose last day is a day off ends at the end of
the next working day. By default every deadline follows it; a deployment may switch it off
(``DEADLINE_DAY_OFF_ROLLS``) and a task may say otherwise either way. The written date stays
the deadline in force (extensions, reminders' ledger, statistics); the effective date is
derived from it, the rule and the calendar whenever a status is judged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.domain.calendar import WorkCalendar

_SATURDAY, _SUNDAY = 5, 6


def effective_due(due: date, calendar: WorkCalendar, rolls: bool) -> date:
    """Return when a deadline written as ``due`` ends: the next working day when ``rolls``
    and ``due`` is a day off, else ``due`` itself."""
    return calendar.next_working_day(due) if rolls else due


def roll_offset(due: date, calendar: WorkCalendar, rolls: bool = True) -> int:
    """Return how many days the effective deadline lies after the written one (0 unless it
    rolls off a day off)."""
    return (effective_due(due, calendar, rolls) - due).days


def weekend_offset(day: date) -> int:
    """Return the offset a deadline on ``day`` would get from weekends alone (Saturday 2,
    Sunday 1, other days 0): the rule databases apply before the holiday exceptions."""
    weekday = day.weekday()
    return 2 if weekday == _SATURDAY else 1 if weekday == _SUNDAY else 0


def offset_exceptions(
    calendar: WorkCalendar, first_year: int, last_year: int
) -> dict[int, tuple[date, ...]]:
    """Return {offset: days} for every day of the years ``first_year``..``last_year`` whose
    roll offset differs from ``weekend_offset``: holidays and days in lieu, the weekends
    before them, swapped working Saturdays and the admin's overrides (a few dozen a year).

    With ``weekend_offset`` it gives every day's offset, which a SQL expression can then
    compute without a calendar table.
    """
    found: dict[int, list[date]] = {}
    for day, offset in _offsets(calendar, first_year, last_year):
        if offset != weekend_offset(day):
            found.setdefault(offset, []).append(day)
    return {offset: tuple(sorted(days)) for offset, days in sorted(found.items())}


def day_offsets(calendar: WorkCalendar, first_year: int, last_year: int) -> dict[date, int]:
    """Return {day: roll offset} of every day off of the years ``first_year``..``last_year``
    (the days whose offset is not 0): what the database's triggers look a due date up in."""
    return {day: offset for day, offset in _offsets(calendar, first_year, last_year) if offset}


def _offsets(calendar: WorkCalendar, first_year: int, last_year: int):
    """Yield (day, roll offset) of every day of the years, the last day first."""
    first, day = date(first_year, 1, 1), date(last_year, 12, 31)
    one = timedelta(days=1)
    following = calendar.next_working_day(day + one)
    # Walks backwards so each day's next working day is known from the day after it.
    while day >= first:
        if calendar.is_working_day(day):
            following = day
        yield day, (following - day).days
        day -= one


@dataclass(frozen=True)
class RollRule:
    """Which tasks' deadlines roll off days off: the deployment's ``default``, except the
    tasks in ``flipped``, whose own setting says the opposite."""

    default: bool = True
    flipped: frozenset[int] = frozenset()

    @classmethod
    def of(cls, default: bool, task_settings: Iterable[tuple[int, bool | None]]) -> RollRule:
        """Return the rule given the default and (task id, own setting or None) pairs."""
        flipped = frozenset(t for t, own in task_settings if own is not None and own != default)
        return cls(default, flipped)

    def rolls(self, task_id: int | None) -> bool:
        """Return whether the deadlines of task ``task_id`` roll off days off."""
        return self.default != (task_id in self.flipped)


def task_rolls(own: bool | None, default: bool) -> bool:
    """Return whether a task's deadlines roll, given its own setting (None: the default)."""
    return default if own is None else own
