"""Due dates as every page shows them: the written date, and beside it the effective one
when it falls on a day off and rolls to the next working day (one filter for all)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from tracker import settings
from tracker.labels import deadline_text
from tracker.per_request import once
from tracker.services.calendar import load_calendar
from tracker.services.days_off import effective_dates, load_rule
from tracker.views.page_cache import data_version


def _effective() -> Callable[[int | None, date], date]:
    """Return ``effective(task id, due date)`` under this request's calendar and rule, made
    once a request (and worked out once per rule and due date, however many rows show it)."""
    return once("tracker.effective_deadlines", _made)


def _made() -> Callable[[int | None, date], date]:
    version = data_version()
    rule = load_rule(settings.current().day_off_rolls, version)
    return effective_dates(load_calendar(version), rule)


def deadline(due: date | None, task_id: int | None) -> str:
    """Return ``due`` of a task as shown ("30/06/2024 (Chủ nhật) → hạn thực tế 01/07/2024"
    when it rolls), or "" without one. The calendar and the rule are read once a request."""
    if due is None:
        return ""
    return deadline_text(due, _effective()(task_id, due))


def effective_deadline(task) -> date | None:
    """Return a task's effective deadline (its deadline, or the next working day when that
    falls on a day off and rolls)."""
    if task.deadline is None:
        return None
    return _effective()(task.id, task.deadline)


def deadline_of(item) -> str:
    """Return the due date of an assignment (``due_date``), or the deadline of a task (or of
    a report's task figures), as ``deadline`` shows it."""
    if hasattr(item, "due_date"):
        return deadline(item.due_date, item.task_id)
    return deadline(item.deadline, getattr(item, "task_id", None) or item.id)
