"""The task list and one task's page, as every signed-in user sees them (focal points:
only the tasks their unit has, and on a task only their unit's assignment).

``unit_scope`` is None for users who may see every unit, or the one unit id a focal point
may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, exists, select

from tracker.domain.aggregate import Buckets
from tracker.extensions import db
from tracker.models import Assignment, Task, Unit, User
from tracker.services import access, status_sql
from tracker.services.access import unit_scope_filter
from tracker.services.assignments import listing
from tracker.services.calendar import load_calendar
from tracker.services.errors import NotFound
from tracker.services.paging import export_rows, page_of
from tracker.services.rollups import counts
from tracker.services.search import matching
from tracker.services.status_sql import AsOf
from tracker.services.tasks.removing import removable_ids

A = Assignment

TASK_STATUSES = ("open", "overdue", "done", "closed")


@dataclass
class TaskFilters:
    """The task list's filters, as parsed from the query string."""

    field: str | None = None
    status: str | None = None  # "overdue", "open", "done", "closed"
    deadline_from: date | None = None
    deadline_to: date | None = None
    q: str | None = None


def task_query(unit_scope: int | None, filters: TaskFilters, as_of: AsOf) -> Select:
    """Return the query for the task list, filtered and in display order."""
    query = select(Task).where(Task.recurrence.is_(None))  # not the series templates
    if unit_scope is not None:
        query = query.where(exists().where(A.task_id == Task.id, A.unit_id == unit_scope))
    if filters.field:
        query = query.where(Task.field == filters.field)
    if filters.deadline_from:
        query = query.where(Task.deadline >= filters.deadline_from)
    if filters.deadline_to:
        query = query.where(Task.deadline <= filters.deadline_to)
    if filters.q:
        query = query.where(matching.task_matches(filters.q))
    if filters.status == "closed":
        query = query.where(Task.closed_at.is_not(None))
    elif filters.status in ("overdue", "open", "done"):
        query = query.where(Task.closed_at.is_(None))
        if unit_scope is None:  # every unit's: the task's few maintained counts
            if filters.status == "done":
                return _ordered(query.where(~counts.has(Task.id, "open", as_of)))
            return _ordered(query.where(counts.has(Task.id, filters.status, as_of)))
        own = and_(A.task_id == Task.id, unit_scope_filter(unit_scope))
        if filters.status == "overdue":
            query = query.where(exists().where(own, status_sql.status_filter("overdue", as_of)))
        elif filters.status == "open":
            query = query.where(exists().where(own, status_sql.status_filter("open", as_of)))
        else:
            query = query.where(~exists().where(own, status_sql.status_filter("open", as_of)))
    return _ordered(query)


def _ordered(query: Select) -> Select:
    return query.order_by(Task.closed_at.is_not(None), Task.deadline.asc().nulls_last(), Task.id)


def unit_assignments(unit_id: int, task_ids: list[int]) -> list[Assignment]:
    """Return one unit's assignments for the listed tasks (one query)."""
    return list(db.session.scalars(select(A).where(A.unit_id == unit_id, A.task_id.in_(task_ids))))


def task_buckets(task_ids: list[int], unit_scope: int | None, as_of: AsOf) -> dict[int, Buckets]:
    """Return the buckets of each listed task (one query)."""
    if unit_scope is None:
        return counts.task_buckets(task_ids, as_of)
    return status_sql.count_buckets_by(
        A.task_id, as_of, unit_scope_filter(unit_scope), A.task_id.in_(task_ids)
    )


@dataclass
class TaskSummary:
    """A task's progress: its buckets, and split by group."""

    buckets: Buckets
    by_group: dict[str, Buckets]


def task_summary(task: Task, as_of: AsOf) -> TaskSummary:
    """Return a task's progress over all its units, split by group (one query, from the
    maintained counts)."""
    by_group = counts.group_buckets(as_of, task.id)
    return TaskSummary(Buckets.sum(by_group.values()), by_group)


@dataclass(frozen=True)
class TaskList:
    """A page of the task list: each task's buckets, or for a focal point (``own`` not None)
    their unit's assignment of each task with its time status."""

    page: Pagination
    buckets: dict[int, Buckets]
    own: dict[int, listing.Row] | None


def task_list(
    filters: TaskFilters,
    *,
    unit_scope: int | None,
    as_of: AsOf,
    due_soon_days: int,
    page: int,
    per_page: int,
) -> TaskList:
    """Return page ``page`` of the filtered task list (three queries)."""
    shown = page_of(task_query(unit_scope, filters, as_of), page, per_page)
    task_ids = [t.id for t in shown.items]
    if unit_scope is None:
        return TaskList(shown, task_buckets(task_ids, unit_scope, as_of), None)
    rows = listing.with_status(
        unit_assignments(unit_scope, task_ids), as_of, load_calendar(), due_soon_days
    )
    return TaskList(shown, {}, {row.assignment.task_id: row for row in rows})


@dataclass(frozen=True)
class TaskRows:
    """Every task of the filtered list with its buckets, for a download."""

    tasks: list[Task]
    buckets: dict[int, Buckets]


def tasks_to_export(filters: TaskFilters, *, unit_scope: int | None, as_of: AsOf) -> TaskRows:
    """Return every task the filters select (up to ``paging.EXPORT_MAX``) with its buckets."""
    tasks = export_rows(task_query(unit_scope, filters, as_of))
    return TaskRows(tasks, task_buckets([t.id for t in tasks], unit_scope, as_of))


@dataclass(frozen=True)
class SeriesTemplate:
    """The task asked for is a recurring series' template, which has a page of its own."""

    series_id: int


@dataclass(frozen=True)
class TaskPage:
    """One task with a page of its units' assignments and, for coordinators, its progress
    over all units and the assignments that can still be removed (a focal point's page
    shows their unit's assignment alone)."""

    task: Task
    page: Pagination
    rows: list[listing.Row]
    summary: TaskSummary | None
    deadline_on_day_off: bool
    manage: bool
    removable: list[listing.Row]


def task_page(
    task_id: int,
    *,
    actor: User,
    unit_scope: int | None,
    as_of: AsOf,
    due_soon_days: int,
    status: str | None,
    group: str | None,
    page: int,
    per_page: int,
) -> TaskPage | SeriesTemplate:
    """Return the task's page, page ``page`` of its assignments filtered by time ``status``
    and unit ``group``; NotFound if the task is missing or not the focal point's unit's."""
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound(access.NOT_FOUND)
    where = [A.task_id == task_id]
    if unit_scope is not None:
        where.append(A.unit_id == unit_scope)
        if not db.session.scalar(select(A.id).where(*where)):
            raise NotFound(access.NOT_FOUND)
    if task.recurrence is not None:
        return SeriesTemplate(task.id)
    query = listing.assignment_query(as_of, *where, status=status, group=group)
    shown = page_of(query.order_by(Unit.group, Unit.sort_name), page, per_page)
    calendar = load_calendar()
    rows = listing.with_status(shown.items, as_of, calendar, due_soon_days)
    summary = task_summary(task, as_of) if unit_scope is None else None
    manage = actor.is_coordinator
    removable = (
        removable_ids([a.id for a in shown.items]) if manage and task.closed_at is None else set()
    )
    return TaskPage(
        task=task,
        page=shown,
        rows=rows,
        summary=summary,
        deadline_on_day_off=task.deadline is not None and calendar.is_day_off(task.deadline),
        manage=manage,
        removable=[row for row in rows if row.assignment.id in removable],
    )
