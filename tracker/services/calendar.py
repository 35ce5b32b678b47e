"""The working-day calendar with this deployment's official overrides, and the tasks whose
deadlines on a day off follow their own rule: read together, as what every judged date
needs."""

from __future__ import annotations

from datetime import date

from flask import g, has_request_context
from sqlalchemy import Boolean, Date, Integer, cast, null, select, union_all

from tracker.domain.calendar import WorkCalendar
from tracker.extensions import db
from tracker.models import CalendarOverride, Task

# Each task's own rule for deadlines on a day off, where it has one: (task id, rolls).
TaskRules = tuple[tuple[int, bool], ...]

# (data version, calendar, task rules): the last ones read in this process, shown again
# while nothing has been committed since (``services.data_version``).
_kept: tuple[str, WorkCalendar, TaskRules] | None = None


def _read() -> tuple[WorkCalendar, TaskRules]:
    """Return the calendar and the tasks' own rules (one query)."""
    own = Task.deadline_day_off_rolls
    overrides = select(
        CalendarOverride.day,
        CalendarOverride.is_working,
        cast(null(), Integer),
        cast(null(), Boolean),
    )
    rules = select(cast(null(), Date), cast(null(), Boolean), Task.id, own).where(own.is_not(None))
    days: dict[date, bool] = {}
    tasks = []
    for day, is_working, task_id, rolls in db.session.execute(union_all(overrides, rules)):
        if task_id is None:
            days[day if isinstance(day, date) else date.fromisoformat(day)] = bool(is_working)
        else:
            tasks.append((task_id, bool(rolls)))
    return WorkCalendar(days), tuple(sorted(tasks))


def _load(version: str | None) -> tuple[WorkCalendar, TaskRules]:
    global _kept
    if has_request_context() and "work_calendar" in g:
        return g.work_calendar, g.task_day_off_rules
    kept = _kept
    if version is not None and kept is not None and kept[0] == version:
        calendar, rules = kept[1], kept[2]
    else:
        calendar, rules = _read()
        if version is not None:
            _kept = (version, calendar, rules)
    if has_request_context():
        g.work_calendar, g.task_day_off_rules = calendar, rules
    return calendar, rules


def load_calendar(version: str | None = None) -> WorkCalendar:
    """Return Vietnam's calendar with the admin's overrides (one query, once per request;
    none while ``version``, the request's data version, is the one it was read at)."""
    return _load(version)[0]


def task_day_off_rules(version: str | None = None) -> TaskRules:
    """Return (task id, rolls) of the tasks with their own rule for deadlines on a day off,
    read with the calendar (see ``load_calendar``)."""
    return _load(version)[1]
