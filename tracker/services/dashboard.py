"""The dashboard: the official buckets, late units, what is due and what awaits review.

A fixed number of queries whatever the data size; ``unit_scope`` limits a focal point to
their unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import contains_eager

from tracker.domain.aggregate import Buckets
from tracker.domain.days_off import effective_due
from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import Assignment, Task, Unit
from tracker.services import days_off, status_sql
from tracker.services.access import unit_scope_filter
from tracker.services.calendar import load_calendar
from tracker.services.rollups import counts
from tracker.services.rollups import units as unit_counts
from tracker.services.status_sql import AsOf

A = Assignment


@dataclass
class Dashboard:
    """Everything the dashboard shows, as of ``as_of``."""

    as_of: AsOf
    buckets: Buckets
    by_group: dict[str, Buckets]
    overdue_units: list[tuple[Unit, int, int]]  # unit, overdue count, max days overdue
    due_soon: list[Assignment]
    awaiting: list[Assignment]
    tasks: list[tuple[Task, Buckets]]


def dashboard(
    unit_scope: int | None, as_of: AsOf, limit: int = 10, *, lists: bool = True
) -> Dashboard:
    """Return everything the dashboard shows (nine queries at most whatever the data size);
    without ``lists``, only the buckets (a focal point's home lists their to-do instead).

    Every unit's figures come from the maintained counts; one unit's from its few hundred
    assignments."""
    scope = unit_scope_filter(unit_scope)
    if unit_scope is None:
        by_group = counts.group_buckets(as_of)
    else:
        by_group = status_sql.count_buckets_by(Unit.group, as_of, scope, joins=[Unit])
    buckets = Buckets.sum(by_group.values())
    if not lists:
        return Dashboard(as_of, buckets, by_group, [], [], [], [])

    overdue_units = _overdue_units(unit_scope, as_of, limit)
    due_soon = _assignments(
        select(A).where(scope, status_sql.status_filter("due_soon", as_of)).order_by(A.due_date),
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
    task_ids = [t.id for t in tasks]
    if unit_scope is None:
        task_buckets = counts.task_buckets(task_ids, as_of)
    else:
        task_buckets = status_sql.count_buckets_by(A.task_id, as_of, scope, A.task_id.in_(task_ids))
    return Dashboard(
        as_of=as_of,
        buckets=buckets,
        by_group=by_group,
        overdue_units=overdue_units,
        due_soon=due_soon,
        awaiting=awaiting,
        tasks=[(t, task_buckets.get(t.id, Buckets())) for t in tasks],
    )


def _overdue_units(unit_scope: int | None, as_of: AsOf, limit: int) -> list:
    """Return (unit, overdue assignments, days the oldest is overdue) of the ``limit`` units
    with the most overdue, then by name: every unit's count from the maintained counts,
    the oldest due dates only for those shown (two queries)."""
    overdue = status_sql.status_filter("overdue", as_of)
    if unit_scope is None:
        ranked = unit_counts.most_overdue(as_of, limit)
    else:
        ranked = [
            (uid, n)
            for uid, n in db.session.execute(
                select(A.unit_id, func.count()).where(A.unit_id == unit_scope, overdue)
                .group_by(A.unit_id)
            )
        ]  # fmt: skip
    if not ranked:
        return []
    chosen = dict(ranked[:limit])
    rolls, by_rule = days_off.rolls_grouping(A.task_id, as_of.day_off_rolls)
    rows = db.session.execute(
        select(A.unit_id, rolls, func.min(A.due_date))
        .where(A.unit_id.in_(list(chosen)), overdue)
        .group_by(A.unit_id, *by_rule)
    ).all()
    calendar = load_calendar()
    # Days overdue since the oldest effective deadline: per unit and rule, not per row.
    oldest: dict[int, date] = {}
    for uid, rolled, due in rows:
        due = effective_due(due, calendar, bool(rolled))
        oldest[uid] = min(due, oldest.get(uid, due))
    units = db.session.scalars(select(Unit).where(Unit.id.in_(list(oldest))))
    found = [(unit, chosen[unit.id], (as_of.day - oldest[unit.id]).days) for unit in units]
    found.sort(key=lambda row: (-row[1], row[0].sort_name))
    return found


def _assignments(query: Select, limit: int) -> list[Assignment]:
    """Load assignments with their task and unit in the same query."""
    query = (
        query.join(A.task)
        .join(A.unit)
        .options(contains_eager(A.task), contains_eager(A.unit))
        .limit(limit)
    )
    return list(db.session.scalars(query))
