"""Read models for the pages: each function runs a fixed number of queries.

``unit_scope`` is None for users who may see every unit, or the one unit id a focal
point may see; every query here is filtered by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, true
from sqlalchemy.orm import contains_eager, selectinload

from tracker.domain.aggregate import Buckets
from tracker.domain.calendar import WorkCalendar
from tracker.domain.status import SETTLED_STATES, AssignmentState, StatusResult
from tracker.domain.text import fold
from tracker.extensions import db
from tracker.models import Assignment, Task, Unit, UnitGroup, User
from tracker.services import stats
from tracker.services.stats import AsOf

A = Assignment


def _scope(unit_scope: int | None) -> ColumnElement[bool]:
    return A.unit_id == unit_scope if unit_scope is not None else true()


@dataclass
class Row:
    """An assignment with its time status, ready to show."""

    assignment: Assignment
    status: StatusResult


def with_status(assignments, as_of: AsOf, calendar: WorkCalendar, due_soon_days: int) -> list[Row]:
    """Return rows pairing each assignment with its time status as of ``as_of.today``."""
    return [Row(a, stats.status_of(a, as_of.today, calendar, due_soon_days)) for a in assignments]


@dataclass
class Dashboard:
    buckets: Buckets
    by_group: dict[str, Buckets]
    overdue_units: list[tuple[Unit, int, int]]  # unit, overdue count, max days overdue
    due_soon: list[Assignment]
    awaiting: list[Assignment]
    tasks: list[tuple[Task, Buckets]]


def dashboard(unit_scope: int | None, as_of: AsOf, limit: int = 10) -> Dashboard:
    """Return everything the dashboard shows (seven queries whatever the data size)."""
    scope = _scope(unit_scope)
    buckets = stats.count_buckets(as_of, scope)
    by_group = stats.count_buckets_by(Unit.group, as_of, scope, joins=[Unit])

    overdue = stats.status_filter("overdue", as_of)
    oldest_due = func.min(A.due_date)
    unit_rows = db.session.execute(
        select(Unit, func.count(A.id).label("n"), oldest_due.label("oldest"))
        .join(A, A.unit_id == Unit.id)
        .where(scope, overdue)
        .group_by(Unit.id)
        .order_by(func.count(A.id).desc(), Unit.sort_name)
        .limit(limit)
    ).all()
    overdue_units = [
        (unit, n, (as_of.today - oldest).days if oldest else 0) for unit, n, oldest in unit_rows
    ]

    due_soon = _assignments(
        select(A).where(scope, stats.status_filter("due_soon", as_of)).order_by(A.due_date),
        limit,
    )
    awaiting = _assignments(
        select(A).where(scope, A.state == AssignmentState.SUBMITTED.value).order_by(A.submitted_on),
        limit,
    )

    # Recurring tasks (series templates) are never assigned: their occurrences are listed.
    visible_tasks = select(Task).where(Task.closed_at.is_(None), Task.recurrence.is_(None))
    if unit_scope is not None:
        visible_tasks = visible_tasks.where(
            exists().where(A.task_id == Task.id, A.unit_id == unit_scope)
        )
    tasks = list(
        db.session.scalars(
            visible_tasks.order_by(
                Task.priority.desc(), Task.deadline.asc().nulls_last(), Task.id
            ).limit(limit)
        )
    )
    task_buckets = stats.count_buckets_by(
        A.task_id, as_of, scope, A.task_id.in_([t.id for t in tasks])
    )
    return Dashboard(
        buckets=buckets,
        by_group=by_group,
        overdue_units=overdue_units,
        due_soon=due_soon,
        awaiting=awaiting,
        tasks=[(t, task_buckets.get(t.id, Buckets())) for t in tasks],
    )


def _assignments(query: Select, limit: int) -> list[Assignment]:
    """Load assignments with their task and unit in the same query."""
    query = (
        query.join(A.task)
        .join(A.unit)
        .options(contains_eager(A.task), contains_eager(A.unit))
        .limit(limit)
    )
    return list(db.session.scalars(query))


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
        own = and_(A.task_id == Task.id, _scope(unit_scope))
        if filters.status == "overdue":
            query = query.where(exists().where(own, stats.status_filter("overdue", as_of)))
        elif filters.status == "open":
            query = query.where(exists().where(own, stats.status_filter("open", as_of)))
        else:
            query = query.where(~exists().where(own, stats.status_filter("open", as_of)))
    return query.order_by(Task.closed_at.is_not(None), Task.deadline.asc().nulls_last(), Task.id)


def unit_assignments(unit_id: int, task_ids: list[int]) -> list[Assignment]:
    """Return one unit's assignments for the listed tasks (one query)."""
    return list(db.session.scalars(select(A).where(A.unit_id == unit_id, A.task_id.in_(task_ids))))


def task_buckets(task_ids: list[int], unit_scope: int | None, as_of: AsOf) -> dict[int, Buckets]:
    """Return the buckets of each listed task (one query)."""
    return stats.count_buckets_by(A.task_id, as_of, _scope(unit_scope), A.task_id.in_(task_ids))


@dataclass
class TaskSummary:
    buckets: Buckets
    by_group: dict[str, Buckets]
    missing: list[Unit]  # units assigned that have not completed, by group then name


def task_summary(task: Task, unit_scope: int | None, as_of: AsOf) -> TaskSummary:
    """Return a task's progress split by group and the units not yet done (two queries)."""
    scope = _scope(unit_scope)
    by_group = stats.count_buckets_by(Unit.group, as_of, scope, A.task_id == task.id, joins=[Unit])
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


def assignment_query(
    as_of: AsOf,
    *where: ColumnElement[bool],
    status: str | None = None,
    group: str | None = None,
) -> Select:
    """Return assignments (with task and unit loaded, and where a transferred one went)
    matching the filters."""
    query = (
        select(A)
        .join(A.task)
        .join(A.unit)
        .options(
            contains_eager(A.task),
            contains_eager(A.unit),
            # One more query only on a page that lists transferred assignments.
            selectinload(A.transferred_to).joinedload(A.unit),
        )
        .where(*where)
    )
    if status:
        query = query.where(stats.status_filter(status, as_of))
    if group in (UnitGroup.CENTRAL, UnitGroup.LOCAL):
        query = query.where(Unit.group == group)
    return query


def unit_query(
    unit_scope: int | None,
    group: str | None,
    kind: str | None,
    q: str | None,
    current_on: date | None = None,
):
    """Return the query for the unit list; ``current_on`` leaves out units ended (merged)
    before that day."""
    query = select(Unit)
    if unit_scope is not None:
        query = query.where(Unit.id == unit_scope)
    if current_on is not None:
        query = query.where(or_(Unit.valid_to.is_(None), Unit.valid_to >= current_on))
    if group:
        query = query.where(Unit.group == group)
    if kind:
        query = query.where(Unit.kind == kind)
    if q:
        query = query.where(
            Unit.name.ilike(f"%{q}%")
            | Unit.search_name.contains(fold(q), autoescape=True)
            | Unit.code.ilike(f"%{q}%")
        )
    return query.order_by(Unit.active.desc(), Unit.group, Unit.sort_name)


def unit_buckets(unit_ids: list[int], as_of: AsOf) -> dict[int, Buckets]:
    """Return the buckets of each listed unit (one query)."""
    return stats.count_buckets_by(A.unit_id, as_of, A.unit_id.in_(unit_ids))


def focal_points(unit_ids: list[int]) -> dict[int, list[User]]:
    """Return the active focal points of each listed unit (one query)."""
    result: dict[int, list[User]] = {uid: [] for uid in unit_ids}
    users = db.session.scalars(
        select(User)
        .where(User.unit_id.in_(unit_ids), User.role == "focal_point", User.active.is_(True))
        .order_by(User.name)
    )
    for user in users:
        result[user.unit_id].append(user)
    return result


def load_unit(unit_id: int) -> Unit | None:
    return db.session.get(Unit, unit_id, options=[selectinload(Unit.successor)])
