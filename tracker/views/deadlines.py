"""Due dates as every page shows them: the written date, and beside it the effective one
when it falls on a day off and rolls to the next working day (one filter for all)."""

from __future__ import annotations

from datetime import date

from tracker import settings
from tracker.domain.days_off import effective_due
from tracker.labels import deadline_text
from tracker.services.calendar import load_calendar
from tracker.services.days_off import load_rule
from tracker.views.page_cache import data_version


def deadline(due: date | None, task_id: int | None) -> str:
    """Return ``due`` of a task as shown ("30/06/2024 (Chủ nhật) → hạn thực tế 01/07/2024"
    when it rolls), or "" without one. The calendar and the rule are read once a request."""
    if due is None:
        return ""
    rolls = load_rule(settings.current().day_off_rolls, data_version()).rolls(task_id)
    return deadline_text(due, effective_due(due, load_calendar(data_version()), rolls))


def effective_deadline(task) -> date | None:
    """Return a task's effective deadline (its deadline, or the next working day when that
    falls on a day off and rolls)."""
    if task.deadline is None:
        return None
    rolls = load_rule(settings.current().day_off_rolls, data_version()).rolls(task.id)
    return effective_due(task.deadline, load_calendar(data_version()), rolls)


def deadline_of(item) -> str:
    """Return the due date of an assignment (``due_date``), or the deadline of a task (or of
    a report's task figures), as ``deadline`` shows it."""
    if hasattr(item, "due_date"):
        return deadline(item.due_date, item.task_id)
    return deadline(item.deadline, getattr(item, "task_id", None) or item.id)
