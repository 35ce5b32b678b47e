"""What the coordinators' task pages show around their forms: the task, who may own it,
the units to choose from, and a deadline read back with its weekday and whether it falls
on a day off, before anything is saved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date

from tracker.domain.calendar import WorkCalendar
from tracker.domain.deadlines import Deadline
from tracker.extensions import db
from tracker.i18n import language
from tracker.models import Task, Unit, User
from tracker.services import access
from tracker.services.calendar import load_calendar
from tracker.services.errors import NotFound
from tracker.services.tasks.assigning import active_units
from tracker.services.tasks.editing import movable_due_count, owner_choices
from tracker.services.tasks.listing import SeriesTemplate


@dataclass(frozen=True)
class DeadlineShown:
    """A parsed deadline as shown back before saving."""

    due: date | None
    weekday: str
    day_off: bool
    holiday: str | None


def _shown(calendar: WorkCalendar, deadline: Deadline | None) -> DeadlineShown | None:
    if deadline is None:
        return None
    if deadline.due is None:
        return DeadlineShown(None, "", False, None)
    return DeadlineShown(
        deadline.due,
        format_date(deadline.due, "EEEE"),
        calendar.is_day_off(deadline.due),
        calendar.holiday_name(deadline.due, language()),
    )


@dataclass(frozen=True)
class TaskFormPage:
    """The task form's page: the task edited (None for a new one), the users who may own
    it, and how many open due dates would follow a new deadline."""

    task: Task | None
    owners: list[User]
    movable: int
    calendar: WorkCalendar

    def shown(self, deadline: Deadline | None) -> DeadlineShown | None:
        """Return ``deadline`` as shown back, in the user's language (no query)."""
        return _shown(self.calendar, deadline)


@dataclass(frozen=True)
class AssignPage:
    """The assign page: the task and every active unit to choose from."""

    task: Task
    units: list[Unit]
    calendar: WorkCalendar

    def shown(self, due: date | None) -> DeadlineShown | None:
        """Return the due date the units would get as shown back (no query)."""
        return _shown(self.calendar, Deadline(due, "", "date"))


def _task(task_id: int) -> Task | SeriesTemplate:
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound(access.NOT_FOUND)
    if task.recurrence is not None:  # a recurring task is edited on its own page
        return SeriesTemplate(task.id)
    return task


def task_form_page(task_id: int | None = None) -> TaskFormPage | SeriesTemplate:
    """Return the page of the form creating a task (``task_id`` None) or editing one;
    NotFound if it does not exist."""
    if task_id is None:
        return TaskFormPage(None, owner_choices(), 0, load_calendar())
    task = _task(task_id)
    if isinstance(task, SeriesTemplate):
        return task
    return TaskFormPage(
        task, owner_choices(task.owner_id), movable_due_count(task), load_calendar()
    )


def assign_page(task_id: int) -> AssignPage | SeriesTemplate:
    """Return the page of the form giving a task to units; NotFound if it does not exist."""
    task = _task(task_id)
    if isinstance(task, SeriesTemplate):
        return task
    return AssignPage(task, active_units(), load_calendar())
