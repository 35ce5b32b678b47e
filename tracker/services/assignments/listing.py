"""Lists of assignments with their time status: the task page, the unit page, the review queue.

``unit_scope`` is None for users who may see every unit, or the one unit id a focal point
may see; every query here is filtered by it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import contains_eager, selectinload

from tracker.domain.calendar import WorkCalendar
from tracker.domain.status import StatusResult, TimeStatus
from tracker.models import Assignment, Unit, UnitGroup
from tracker.services import status_sql
from tracker.services.status_sql import AsOf

A = Assignment

# The statuses an assignment list can be filtered by (``assignment_query``'s ``status``).
STATUSES = ("open", "awaiting", "completed", *(s.value for s in TimeStatus))


@dataclass
class Row:
    """An assignment with its time status, ready to show."""

    assignment: Assignment
    status: StatusResult


def with_status(assignments, as_of: AsOf, calendar: WorkCalendar, due_soon_days: int) -> list[Row]:
    """Return rows pairing each assignment with its time status as of ``as_of.day``."""
    return [
        Row(a, status_sql.status_of(a, as_of.day, calendar, due_soon_days, as_of.rule))
        for a in assignments
    ]


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
        query = query.where(status_sql.status_filter(status, as_of))
    if group in (UnitGroup.CENTRAL, UnitGroup.LOCAL):
        query = query.where(Unit.group == group)
    return query
