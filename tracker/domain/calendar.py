"""Vietnam's official working-day calendar, built on the `holidays` package."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache
from types import MappingProxyType

import holidays

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


@cache
def _package_year(year: int) -> tuple[Mapping[date, str], frozenset[date]]:
    """Return the package's holidays (with names) and swapped working weekend days of `year`."""
    # Observed days and cross-year swaps (e.g. Saturday 27/12/2014 worked for Friday 02/01/2015)
    # can land outside the year whose object produced them, so neighbouring years are merged.
    names: dict[date, str] = {}
    workdays: set[date] = set()
    for y in (year - 1, year, year + 1):
        vn = holidays.VN(years=y, language="vi")
        for d, name in vn.items():
            if d.year == year:
                names[d] = name
        workdays.update(d for d in vn.weekend_workdays if d.year == year)
    return MappingProxyType(names), frozenset(workdays)


@cache
def _english_names(year: int) -> Mapping[date, str]:
    """Return the package's English names of `year`'s holidays."""
    names: dict[date, str] = {}
    for y in (year - 1, year, year + 1):
        names.update(
            (d, name)
            for d, name in holidays.VN(years=y, language="en_US").items()
            if d.year == year
        )
    return MappingProxyType(names)


class _YearTable:
    """Working-day flags and prefix counts for one year, overrides already applied."""

    __slots__ = ("cum", "first", "flags", "total")

    def __init__(self, year: int, overrides: Mapping[date, bool]) -> None:
        names, weekend_workdays = _package_year(year)
        first = date(year, 1, 1)
        size = (date(year + 1, 1, 1) - first).days
        flags = bytearray(size)
        cum = [0] * (size + 1)
        d = first
        running = 0
        for i in range(size):
            forced = overrides.get(d)
            if forced is not None:
                working = forced
            elif d.weekday() >= _SATURDAY:
                working = d in weekend_workdays
            else:
                working = d not in names
            if working:
                flags[i] = 1
                running += 1
            cum[i + 1] = running
            d += _ONE_DAY
        self.first = first.toordinal()
        self.flags = bytes(flags)
        # cum[i] = working days among the first i days of the year.
        self.cum = cum
        self.total = running


class WorkCalendar:
    """Vietnam's working days: Mon–Fri, minus public holidays, plus swapped working Saturdays.

    `overrides` (from the admin-editable table) win over everything: True forces a working day,
    False forces a day off. The calendar is immutable; build a new one when overrides change.
    """

    __slots__ = ("_overrides", "_tables")

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides: dict[date, bool] = dict(overrides or {})
        self._tables: dict[int, _YearTable] = {}

    def _table(self, year: int) -> _YearTable:
        table = self._tables.get(year)
        if table is None:
            # No lock: concurrent first calls just build the same immutable table twice.
            table = self._tables[year] = _YearTable(year, self._overrides)
        return table

    def _through(self, d: date) -> tuple[_YearTable, int]:
        """Return the year table of `d` and the count of its working days from 1 Jan to `d`."""
        table = self._tables.get(d.year) or self._table(d.year)
        return table, table.cum[d.toordinal() - table.first + 1]

    @property
    def overrides(self) -> Mapping[date, bool]:
        """Return the admin's overrides this calendar was built with (read-only)."""
        return MappingProxyType(self._overrides)

    def is_working_day(self, d: date) -> bool:
        """Return True if `d` is a working day (overrides first, then holidays and swaps)."""
        table = self._tables.get(d.year) or self._table(d.year)
        return table.flags[d.toordinal() - table.first] == 1

    def is_day_off(self, d: date) -> bool:
        """Return True if `d` is not a working day."""
        return not self.is_working_day(d)

    def holiday_name(self, d: date, language: str = "vi") -> str | None:
        """Return the name of the holiday on `d` ("vi" or "en"), or None."""
        if language == "vi":
            return _package_year(d.year)[0].get(d)
        return _english_names(d.year).get(d)

    def next_working_day(self, d: date) -> date:
        """Return `d` if it is a working day, otherwise the first working day after it."""
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def previous_working_day(self, d: date) -> date:
        """Return `d` if it is a working day, otherwise the last working day before it."""
        while not self.is_working_day(d):
            d -= _ONE_DAY
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """Return the n-th working day after `d` (n > 0), before `d` (n < 0), or
        `next_working_day(d)` for n == 0; the result is always a working day.

        `d` itself is never counted, so `add_working_days(due, -7)` is the 7th working day
        before the due date, and `working_days_between(d, add_working_days(d, n)) == n`
        for n > 0 (and for n < 0 when `d` is a working day).
        """
        if n == 0:
            return self.next_working_day(d)
        step = 1 if n > 0 else -1
        remaining = abs(n)
        year = d.year
        table = self._table(year)
        ordinal = d.toordinal()
        # Walks ordinals over the year's flag table: this runs once per assignment per sweep.
        while remaining:
            ordinal += step
            index = ordinal - table.first
            if not 0 <= index < len(table.flags):
                year += step
                table = self._table(year)
                index = ordinal - table.first
            if table.flags[index]:
                remaining -= 1
        return date.fromordinal(ordinal)

    def working_days_between(self, start: date, end: date) -> int:
        """Return the number of working days in (start, end]; negated when end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        start_table, start_count = self._through(start)
        end_table, end_count = self._through(end)
        if start_table is end_table:
            return end_count - start_count
        count = start_table.total - start_count + end_count
        for year in range(start.year + 1, end.year):
            count += self._table(year).total
        return count
