"""Recurring obligations (periodic reports): the period each occurrence covers, its deadline,
and which periods are due for generation. Pure: dates in, dates out.

A calendar frequency (monthly, quarterly, half-yearly, yearly) cuts time into calendar
periods; the first period is the one containing the rule's start. An RFC 5545 RRULE marks
period ends: each instant closes the period that began the day after the previous one (the
first begins on the start day), so ``FREQ=MONTHLY;BYMONTHDAY=-1`` gives calendar months.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice, pairwise
from typing import Literal

from dateutil.rrule import rrule, rrulestr

from tracker.domain.calendar import WorkCalendar

Frequency = Literal["monthly", "quarterly", "half_yearly", "yearly", "rrule"]
Anchor = Literal["period_end", "period_start"]
PeriodKind = Literal["month", "quarter", "half", "year", "range"]
ErrorCode = Literal[
    "unknown_frequency",
    "rrule_required",
    "bad_rrule",
    "rrule_forbidden_part",
    "rrule_too_frequent",
    "no_period",
    "bad_anchor",
    "bad_months",
    "bad_day",
    "bad_lead_days",
    "until_before_start",
    "bad_data",
]

FREQUENCIES: tuple[Frequency, ...] = ("monthly", "quarterly", "half_yearly", "yearly", "rrule")
ANCHORS: tuple[Anchor, ...] = ("period_end", "period_start")
_MONTHS_IN = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}
MAX_MONTHS_OFFSET = 12
MAX_LEAD_DAYS = 366
MIN_RRULE_PERIOD_DAYS = 7
# However far behind a series is, one call never yields more periods than this.
MAX_PERIODS = 240
_RRULE_CHECKED_INSTANTS = 24
_RRULE_FREQUENCIES = frozenset({"WEEKLY", "MONTHLY", "YEARLY"})
_FORBIDDEN_RRULE_PARTS = re.compile(r"DTSTART|EXDATE|RDATE|EXRULE|\n|\r")
_ONE_DAY = timedelta(days=1)


class RecurrenceError(ValueError):
    """Raised for a rule that cannot be used; ``code`` tells the web layer why."""

    def __init__(self, code: ErrorCode, detail: str = "") -> None:
        super().__init__(code, detail)
        self.code: ErrorCode = code
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.detail!r}" if self.detail else self.code


@dataclass(frozen=True, slots=True)
class Period:
    """The days an occurrence covers (both inclusive), labelled by ``kind`` and ``number``:
    month 1-12, quarter 1-4, half 1-2; 0 for a year or an arbitrary range."""

    start: date
    end: date
    kind: PeriodKind
    number: int = 0

    @property
    def year(self) -> int:
        return self.start.year


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _month_end(day: date) -> date:
    return day.replace(day=_last_day(day.year, day.month))


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def classify(start: date, end: date) -> Period:
    """Return the period from ``start`` to ``end``, recognised as a calendar month, quarter,
    half-year or year when it is exactly one, else a range."""
    if start.day == 1 and end == _month_end(end) and start.year == end.year:
        length = end.month - start.month + 1
        if length == 1:
            return Period(start, end, "month", start.month)
        if length == 3 and start.month % 3 == 1:
            return Period(start, end, "quarter", start.month // 3 + 1)
        if length == 6 and start.month in (1, 7):
            return Period(start, end, "half", 1 if start.month == 1 else 2)
        if length == 12:
            return Period(start, end, "year")
    return Period(start, end, "range")


def calendar_period(frequency: Frequency, day: date) -> Period:
    """Return the calendar period of ``frequency`` containing ``day``."""
    size = _MONTHS_IN.get(frequency)
    if size is None:
        raise RecurrenceError("unknown_frequency", str(frequency))
    first_month = (day.month - 1) // size * size + 1
    last_month = first_month + size - 1
    start = date(day.year, first_month, 1)
    return classify(start, date(day.year, last_month, _last_day(day.year, last_month)))


@dataclass(frozen=True, slots=True)
class DayRule:
    """A day counted from a period, the way periodic reports set deadlines: day ``day`` of
    the month ``months`` after the period's last (or first) month, clamped to that month's
    end (31 means the last day). ``day`` None means the anchor day itself, moved by
    ``months`` (a month's last day stays a month's last day)."""

    anchor: Anchor = "period_end"
    months: int = 0
    day: int | None = None

    def __post_init__(self) -> None:
        if self.anchor not in ANCHORS:
            raise RecurrenceError("bad_anchor", str(self.anchor))
        if not isinstance(self.months, int) or not 0 <= self.months <= MAX_MONTHS_OFFSET:
            raise RecurrenceError("bad_months", str(self.months))
        if self.day is not None and (not isinstance(self.day, int) or not 1 <= self.day <= 31):
            raise RecurrenceError("bad_day", str(self.day))

    def resolve(self, period: Period) -> date:
        """Return the day this rule gives for ``period``."""
        base = period.end if self.anchor == "period_end" else period.start
        year, month = _add_months(base.year, base.month, self.months)
        last = _last_day(year, month)
        if self.day is not None:
            return date(year, month, min(self.day, last))
        if base == _month_end(base):
            return date(year, month, last)
        return date(year, month, min(base.day, last))

    def to_dict(self) -> dict:
        return {"anchor": self.anchor, "months": self.months, "day": self.day}

    @classmethod
    def from_dict(cls, data: dict) -> DayRule:
        """Return the rule stored by ``to_dict``; RecurrenceError if malformed."""
        if not isinstance(data, dict):
            raise RecurrenceError("bad_data", repr(data))
        return cls(data.get("anchor", "period_end"), data.get("months", 0), data.get("day"))


def normalise_rrule(text: str) -> str:
    """Return an RRULE as stored: upper case, no "RRULE:" prefix, no spaces."""
    text = re.sub(r"\s+", "", text or "").upper()
    return text.removeprefix("RRULE:")


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A recurring obligation's rule: how time is cut into periods, when each is due, when
    its data is counted up to (``cutoff``), and how far ahead occurrences are generated
    (``lead_days``: those whose period starts within that many days; 0 = when it starts)."""

    frequency: Frequency
    start: date
    due: DayRule = field(default_factory=DayRule)
    rrule: str | None = None
    until: date | None = None
    cutoff: DayRule | None = None
    next_working_day: bool = False
    lead_days: int = 0

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise RecurrenceError("unknown_frequency", str(self.frequency))
        if not isinstance(self.lead_days, int) or not 0 <= self.lead_days <= MAX_LEAD_DAYS:
            raise RecurrenceError("bad_lead_days", str(self.lead_days))
        if self.until is not None and self.until < self.start:
            raise RecurrenceError("until_before_start")
        if self.frequency == "rrule":
            if not self.rrule:
                raise RecurrenceError("rrule_required")
            object.__setattr__(self, "rrule", normalise_rrule(self.rrule))
            _check_rrule(self.rrule, self._rule())
            if next(self.periods(), None) is None:
                raise RecurrenceError("no_period", self.rrule)
        else:
            object.__setattr__(self, "rrule", None)

    def _rule(self) -> rrule:
        return _parse_rrule(self.rrule or "", self.start)

    def periods(self, not_before: date | None = None) -> Iterator[Period]:
        """Yield the rule's periods in order, from the first that ends on or after
        ``not_before`` (default: the start), up to ``until``; at most MAX_PERIODS."""
        not_before = max(not_before or self.start, self.start)
        return islice(self._periods(not_before), MAX_PERIODS)

    def _periods(self, not_before: date) -> Iterator[Period]:
        if self.frequency == "rrule":
            begin = self.start
            for instant in self._rule():
                end = instant.date()
                if end >= not_before:
                    if self.until is not None and begin > self.until:
                        return
                    yield classify(begin, end)
                begin = end + _ONE_DAY
            return
        period = calendar_period(self.frequency, not_before)
        while self.until is None or period.start <= self.until:
            yield period
            period = calendar_period(self.frequency, period.end + _ONE_DAY)

    def deadline(self, period: Period, work_calendar: WorkCalendar | None = None) -> date:
        """Return the period's due date; moved to the next working day only when the rule
        says so (and a calendar is given); otherwise a day off stays, to be flagged."""
        due = self.due.resolve(period)
        if self.next_working_day and work_calendar is not None:
            return work_calendar.next_working_day(due)
        return due

    def cutoff_date(self, period: Period) -> date | None:
        """Return the day the period's data is counted up to, or None without a cut-off."""
        return self.cutoff.resolve(period) if self.cutoff is not None else None

    def due_periods(
        self, today: date, *, after: date | None = None, not_before: date | None = None
    ) -> list[Period]:
        """Return the periods to generate as of ``today``: those starting within
        ``lead_days`` of today, after ``after`` (the end of the last generated period: never
        overlapping it) and ending on or after ``not_before`` (e.g. the day a paused series
        resumed). Earlier occurrences' states play no part: a missed period never blocks."""
        horizon = today + timedelta(days=self.lead_days)
        found = []
        for period in self.periods(not_before):
            if period.start > horizon:
                break
            if after is None or period.start > after:
                found.append(period)
        return found

    def upcoming(self, count: int, *, after: date | None = None, not_before: date | None = None):
        """Return the next ``count`` periods starting after ``after``, whatever today is."""
        periods = (p for p in self.periods(not_before) if after is None or p.start > after)
        return list(islice(periods, count))

    def to_dict(self) -> dict:
        return {
            "frequency": self.frequency,
            "rrule": self.rrule,
            "start": self.start.isoformat(),
            "until": self.until.isoformat() if self.until else None,
            "due": self.due.to_dict(),
            "cutoff": self.cutoff.to_dict() if self.cutoff else None,
            "next_working_day": self.next_working_day,
            "lead_days": self.lead_days,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Recurrence:
        """Return the rule stored by ``to_dict`` (other keys ignored); RecurrenceError if
        malformed."""
        try:
            return cls(
                frequency=data["frequency"],
                start=date.fromisoformat(data["start"]),
                due=DayRule.from_dict(data.get("due") or {}),
                rrule=data.get("rrule"),
                until=date.fromisoformat(data["until"]) if data.get("until") else None,
                cutoff=DayRule.from_dict(data["cutoff"]) if data.get("cutoff") else None,
                next_working_day=bool(data.get("next_working_day", False)),
                lead_days=data.get("lead_days", 0),
            )
        except RecurrenceError:
            raise
        except (KeyError, TypeError, ValueError):
            raise RecurrenceError("bad_data", repr(data)) from None


def _parse_rrule(text: str, start: date) -> rrule:
    if _FORBIDDEN_RRULE_PARTS.search(text):
        raise RecurrenceError("rrule_forbidden_part", text)
    try:
        parsed = rrulestr(text, dtstart=datetime(start.year, start.month, start.day))
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise RecurrenceError("bad_rrule", text) from error
    if not isinstance(parsed, rrule):
        raise RecurrenceError("bad_rrule", text)
    return parsed


def _check_rrule(text: str, rule: rrule) -> None:
    """Refuse rules whose periods would be shorter than a week (a report per day is not a
    periodic report, and would assign every unit daily)."""
    frequency = re.search(r"(?:^|;)FREQ=([A-Z]+)", text)
    if frequency is None or frequency[1] not in _RRULE_FREQUENCIES:
        raise RecurrenceError("rrule_too_frequent", text)
    instants = [i.date() for i in islice(rule, _RRULE_CHECKED_INSTANTS)]
    if any((b - a).days < MIN_RRULE_PERIOD_DAYS for a, b in pairwise(instants)):
        raise RecurrenceError("rrule_too_frequent", text)
