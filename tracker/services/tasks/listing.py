"""The task list and one task's summary, as every signed-in user sees them (focal points:
only the tasks their unit has)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, exists, select

from tracker.domain.aggregate import Buckets
from tracker.domain.status import SETTLED_STATES
from tracker.extensions import db
from tracker.models import Assignment, Task, Unit
from tracker.services import status_sql
from tracker.services.access import unit_scope_filter
from tracker.services.status_sql import AsOf

A = Assignment


@dataclass
class TaskFilters:
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
        query = query.where(Task.title.ilike(f"%{filters.q}%"))
    if filters.status == "closed":
        query = query.where(Task.closed_at.is_not(None))
    elif filters.status in ("overdue", "open", "done"):
        query = query.where(Task.closed_at.is_(None))
        own = and_(A.task_id == Task.id, unit_scope_filter(unit_scope))
        if filters.status == "overdue":
            query = query.where(exists().where(own, status_sql.status_filter("overdue", as_of)))
        elif filters.status == "open":
            query = query.where(exists().where(own, status_sql.status_filter("open", as_of)))
        else:
            query = query.where(~exists().where(own, status_sql.status_filter("open", as_of)))
    return query.order_by(Task.closed_at.is_not(None), Task.deadline.asc().nulls_last(), Task.id)


def unit_assignments(unit_id: int, task_ids: list[int]) -> list[Assignment]:
    """Return one unit's assignments for the listed tasks (one query)."""
    return list(db.session.scalars(select(A).where(A.unit_id == unit_id, A.task_id.in_(task_ids))))


def task_buckets(task_ids: list[int], unit_scope: int | None, as_of: AsOf) -> dict[int, Buckets]:
    """Return the buckets of each listed task (one query)."""
    return status_sql.count_buckets_by(
        A.task_id, as_of, unit_scope_filter(unit_scope), A.task_id.in_(task_ids)
    )


@dataclass
class TaskSummary:
    buckets: Buckets
    by_group: dict[str, Buckets]
    missing: list[Unit]  # units assigned that have not completed, by group then name


def task_summary(task: Task, unit_scope: int | None, as_of: AsOf) -> TaskSummary:
    """Return a task's progress split by group and the units not yet done (two queries)."""
    scope = unit_scope_filter(unit_scope)
    by_group = status_sql.count_buckets_by(
        Unit.group, as_of, scope, A.task_id == task.id, joins=[Unit]
    )
    total = Buckets(
        **{
            name: sum(getattr(b, name) for b in by_group.values())
            for name in Buckets.__dataclass_fields__
        }
    )
    missing = list(
        db.session.scalars(
            select(Unit)
            .join(A, A.unit_id == Unit.id)
            .where(
                scope,
                A.task_id == task.id,
                A.state.not_in([s.value for s in SETTLED_STATES]),
            )
            .order_by(Unit.group, Unit.sort_name)
        )
    )
    return TaskSummary(total, by_group, missing)
