"""Deadlines on days off in the database: which tasks' deadlines roll, and by how many days.

A page over a million assignments judges them in SQL, which knows no calendar. A due date's
roll offset (days from the written to the effective deadline, ``domain.days_off``) is
therefore computed from its weekday, with the few dozen days a year that the weekend rule
gets wrong (holidays, days in lieu, swapped Saturdays, the admin's overrides) listed as
literals: ``IN`` lists the databases look up by hash (PostgreSQL) or index (SQLite). Each
list is written out once per calendar (``DayList``), not at every execution: a page judging
deadlines carries some 500 such days in several statements.

Open assignments need no per-row offset: on a given day, a rolling deadline is overdue when
it is on or before the last working day before that day, a bound computed once here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    bindparam,
    case,
    false,
    literal,
    literal_column,
    or_,
    true,
)

from tracker.domain.calendar import WorkCalendar
from tracker.domain.days_off import RollRule, effective_due, offset_exceptions
from tracker.domain.deadlines import MIN_YEAR
from tracker.extensions import db
from tracker.services import id_lists
from tracker.services.calendar import task_day_off_rules
from tracker.services.sql_dates import days_between

EPOCH = date(1900, 1, 6)  # a Saturday: days since it, modulo 7, give the weekday (0: Saturday)
_ONE_DAY = timedelta(days=1)


class DayList:
    """Days as the SQL list of their literals, ``('2024-04-29', '2024-04-30', ...)``, written
    once: statements carry it as text, so the databases see the same literals as from bound
    values, and a cached statement runs without rendering them again. Equal (and hashed) by
    that text, so statements built for one calendar are found again."""

    __slots__ = ("days", "sql")

    def __init__(self, days: Sequence[date]) -> None:
        if not days:
            raise ValueError("a day list needs at least one day")
        self.days = tuple(days)
        # ISO dates are digits and dashes: nothing to escape.
        self.sql = "(" + ", ".join(f"'{day.isoformat()}'" for day in self.days) + ")"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DayList) and other.sql == self.sql

    def __hash__(self) -> int:
        return hash(self.sql)

    def __repr__(self) -> str:
        return f"DayList({len(self.days)} days)"


Exceptions = tuple[tuple[int, DayList], ...]


@dataclass(frozen=True)
class DayOffRolls:
    """What SQL needs to judge rolling deadlines on one day.

    ``rolled_day``: a rolling due date before it is overdue (the day after the last working
    day before the as-of day); ``rolled_soon``: one on or before it is due soon (the last
    working day of the due-soon window). ``exceptions``: (offset, days) where the weekend
    rule is wrong, from 2000 to the year after the as-of day (due dates start in 2000, and a
    report is never judged before the day it was made). ``flipped`` replaces
    ``rule.flipped`` in statements that bind the task ids at execution.
    """

    rule: RollRule
    rolled_day: date
    rolled_soon: date
    exceptions: Exceptions = field(default=(), compare=False)
    flipped: ColumnElement | None = field(default=None, compare=False)

    @property
    def never(self) -> bool:
        """Return True when no task's deadlines roll (the SQL is then the plain one)."""
        return not self.rule.default and not self.rule.flipped and self.flipped is None

    @property
    def uniform(self) -> bool:
        """Return whether every task follows the default (no task's own setting differs)."""
        return self.flipped is None and not self.rule.flipped


def load_rule(default: bool, version: str | None = None) -> RollRule:
    """Return the rule with ``default`` from the configuration and the tasks that chose
    otherwise (read with the calendar: ``services.calendar``)."""
    return RollRule.of(default, task_day_off_rules(version))


@functools.lru_cache(maxsize=8)
def _exceptions(overrides: tuple, last_year: int) -> Exceptions:
    found = offset_exceptions(WorkCalendar(dict(overrides)), MIN_YEAR, last_year)
    return tuple((k, DayList(days)) for k, days in found.items() if days)


def build(day: date, soon_limit: date, calendar: WorkCalendar, rule: RollRule) -> DayOffRolls:
    """Return the rolls of ``rule`` judged on ``day`` with its due-soon limit."""
    exceptions: Exceptions = ()
    if rule.default or rule.flipped:
        overrides = tuple(sorted(calendar.overrides.items()))
        exceptions = _exceptions(overrides, max(day.year + 1, MIN_YEAR))
    return DayOffRolls(
        rule,
        rolled_day=calendar.previous_working_day(day - _ONE_DAY) + _ONE_DAY,
        rolled_soon=calendar.previous_working_day(soon_limit),
        exceptions=exceptions,
    )


def effective_dates(calendar: WorkCalendar, rule: RollRule) -> Callable[[int, date], date]:
    """Return ``effective(task id, due date)``: the effective deadline, worked out once per
    (rule, due date) however many assignments share it."""
    found: dict[tuple[bool, date], date] = {}

    def effective(task_id: int, due: date) -> date:
        key = (rule.rolls(task_id), due)
        day = found.get(key)
        if day is None:
            day = found[key] = effective_due(due, calendar, key[0])
        return day

    return effective


def placeholders(default: bool, with_tasks: bool, exceptions: Exceptions) -> DayOffRolls:
    """Return rolls whose days and flipped tasks are bound at execution (``bind_values``
    gives them), for statements built once per calendar (``exceptions``) and run many
    times."""
    flipped = None
    if with_tasks:
        flipped = bindparam("roll_tasks", expanding=True, type_=db.Integer)
    return DayOffRolls(
        RollRule(default),
        rolled_day=bindparam("rolled_day", type_=Date),  # type: ignore[arg-type]
        rolled_soon=bindparam("rolled_soon", type_=Date),  # type: ignore[arg-type]
        exceptions=exceptions,
        flipped=flipped,
    )


def bind_values(rolls: DayOffRolls) -> dict:
    """Return the values of ``placeholders`` for ``rolls``."""
    values = {"rolled_day": rolls.rolled_day, "rolled_soon": rolls.rolled_soon}
    if rolls.rule.flipped:
        values["roll_tasks"] = sorted(rolls.rule.flipped)
    return values


def rolls_condition(task_id, rolls: DayOffRolls) -> ColumnElement[bool]:
    """Return whether the deadlines of each row's task (``task_id``, a column) roll."""
    if rolls.flipped is not None:
        chosen = task_id.in_(rolls.flipped)
    elif rolls.rule.flipped:
        chosen = id_lists.among(task_id, sorted(rolls.rule.flipped))
    else:
        return true() if rolls.rule.default else false()
    return ~chosen if rolls.rule.default else chosen


def rolls_grouping(task_id, rolls: DayOffRolls) -> tuple[ColumnElement[bool], list]:
    """Return (the column saying whether each row's deadlines roll, what to add to GROUP BY
    for it): nothing when every task follows one rule (PostgreSQL refuses to group by a
    constant)."""
    if rolls.uniform:
        return literal(rolls.rule.default).label("rolls"), []
    condition = rolls_condition(task_id, rolls).label("rolls")
    return condition, [condition]


def offset(due, rolls: DayOffRolls) -> ColumnElement[int]:
    """Return each row's roll offset of the due date ``due`` (a column), as if it rolled."""
    weekday = days_between(due, literal(EPOCH, Date)) % 7
    whens = [
        (due.op("IN", is_comparison=True)(literal_column(days.sql)), k)
        for k, days in rolls.exceptions
    ]
    return case(*whens, (weekday == 0, 2), (weekday == 1, 1), else_=0)


def rolled_offset(due, task_id, rolls: DayOffRolls) -> ColumnElement[int] | None:
    """Return each row's roll offset under the rule (0 for tasks that do not roll), or
    None when no task rolls."""
    if rolls.never:
        return None
    if rolls.uniform:
        return offset(due, rolls)
    return case((rolls_condition(task_id, rolls), offset(due, rolls)), else_=0)


def due_before(due, task_id, day, rolls: DayOffRolls) -> ColumnElement[bool]:
    """Return "the effective deadline is before ``day``" for open rows judged on that day
    (``rolls.rolled_day`` belongs to it): written before it, and for rolling tasks before the
    run of days off that ends it."""
    if rolls.never:
        return due < day
    if rolls.uniform:
        return due < rolls.rolled_day
    return and_(due < day, or_(~rolls_condition(task_id, rolls), due < rolls.rolled_day))


def due_by(due, task_id, limit, rolled_limit, rolls: DayOffRolls) -> ColumnElement[bool]:
    """Return "the effective deadline is on or before ``limit``", where ``rolled_limit`` is
    the last working day up to ``limit``."""
    if rolls.never:
        return due <= limit
    if rolls.uniform:
        return due <= rolled_limit
    return and_(due <= limit, or_(~rolls_condition(task_id, rolls), due <= rolled_limit))
