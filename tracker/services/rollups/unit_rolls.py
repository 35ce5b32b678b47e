"""What deadlines on days off change in the per-unit counts (``UnitTally``).

The triggers count an assignment late from the day after its written due date, with its
days late from that date: they know no calendar. A reader judging at an as-of day subtracts,
per unit, what the rule for days off takes back: assignments whose effective deadline has
not passed (or was met) after all, and the days between the written and effective deadline
of those still late. Only assignments due on a day off present in the counts are read (the
few due dates the maintained task counts hold, filtered by the calendar), through the
due-date index, in one query grouped by unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import Select, and_, case, false, func, literal, or_, select

from tracker.domain.days_off import roll_offset
from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import NO_DUE_DATE, Assignment, AssignmentTally
from tracker.services import days_off
from tracker.services.calendar import load_calendar
from tracker.services.sql_dates import days_between
from tracker.services.status_sql import AsOf

A, T = Assignment, AssignmentTally
S = AssignmentState
WORKING = (S.ASSIGNED.value, S.IN_PROGRESS.value)
REPORTED = (S.SUBMITTED.value, S.COMPLETED.value)
# The deltas, in the order of ``rollups.units.FIGURES`` from "completed_on_time".
DELTAS = ("completed_on_time", "completed_late", "open_on_track", "open_overdue", "late",
          "days_late")  # fmt: skip


def rolled_due_dates(as_of: AsOf) -> dict[date, int]:
    """Return {due date: roll offset} of the due dates in the counts that fall on a day off
    and hold open assignments due before the as-of day or late reports, when some task's
    deadlines roll (one query over the task counts, or none)."""
    if as_of.day_off_rolls.never:
        return {}
    # Only due dates with assignments the rule can change: open ones already past, or
    # reported late (whenever: a report is judged at its own date, even after the day).
    changeable = or_(
        and_(T.state.in_(WORKING), T.due_date < as_of.day),
        and_(T.state.in_(REPORTED), T.late_days > 0),
    )
    dues = db.session.scalars(
        select(T.due_date)
        .where(T.n != 0, T.due_date != NO_DUE_DATE, changeable)
        .group_by(T.due_date)
    )
    calendar = load_calendar()
    found = {due: roll_offset(due, calendar) for due in dues}
    return {due: offset for due, offset in found.items() if offset}


def deltas_query(
    as_of: AsOf, offsets: dict[date, int], unit_ids=None, *, overdue_only: bool = False
) -> Select | None:
    """Return the select of (unit, *DELTAS) to add to each unit's raw counts on the as-of
    day, or None when nothing rolls. With ``overdue_only`` only "open_overdue" (and
    "open_on_track") are right, and few rows are read: an open assignment is overdue under
    both rules once its effective deadline has passed too, so only those due on the days
    off just before the as-of day differ, besides reports still awaiting confirmation."""
    if not offsets:
        return None
    offset = case(offsets, value=A.due_date, else_=0)
    raw = case(
        (A.state.in_(WORKING), days_between(literal(as_of.day, db.Date), A.due_date)),
        else_=days_between(A.submitted_on, A.due_date),
    )
    still_late = raw > offset
    rolls = days_off.rolls_condition(A.task_id, as_of.day_off_rolls)

    def total(condition, value=1):
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    settled = ~still_late
    completed = A.state == S.COMPLETED.value
    values = (
        total(and_(completed, settled)),
        -total(and_(completed, settled)),
        total(and_(~completed, settled)),
        -total(and_(~completed, settled)),
        -total(settled),
        -func.coalesce(func.sum(case((still_late, offset), else_=raw)), 0),
    )
    changed = or_(
        and_(A.due_date.in_(sorted(offsets)), A.state.in_(WORKING), A.due_date < as_of.day),
        and_(A.due_date.in_(sorted(offsets)), A.state.in_(REPORTED), A.submitted_on > A.due_date),
    )
    if overdue_only:
        window = sorted(d for d, n in offsets.items() if d < as_of.day <= d + timedelta(days=n))
        changed = or_(
            and_(A.due_date.in_(window), A.state.in_(WORKING)) if window else false(),
            and_(
                A.state == S.SUBMITTED.value,
                A.due_date.in_(sorted(offsets)),
                A.submitted_on > A.due_date,
            ),
        )
    query = (
        select(A.unit_id, *(v.label(name) for v, name in zip(values, DELTAS, strict=True)))
        .where(rolls, changed)
        .group_by(A.unit_id)
    )
    if unit_ids is not None:
        query = query.where(A.unit_id.in_(unit_ids))
    return query


def deltas(as_of: AsOf, unit_ids=None) -> dict[int, tuple[int, ...]]:
    """Return {unit: DELTAS} for the units whose counts the rule for days off changes (two
    queries at most)."""
    query = deltas_query(as_of, rolled_due_dates(as_of), unit_ids)
    if query is None:
        return {}
    return {uid: tuple(int(v) for v in values) for uid, *values in db.session.execute(query)}


def with_deltas(counted: Select, as_of: AsOf, figures: Sequence[str]):
    """Return ``counted`` (one row per unit: ``unit_id``, the ``figures`` and ``clock``) as
    a subquery with what the rule for deadlines on days off changes added to each figure
    (after one query for the due dates on days off), so the database can rank units."""
    rows = counted.subquery()
    changes = deltas_query(as_of, rolled_due_dates(as_of))
    if changes is None:
        return rows
    change = changes.subquery()
    columns = [
        (rows.c[name] + func.coalesce(change.c[name], 0)).label(name)
        if name in DELTAS
        else rows.c[name]
        for name in figures
    ]
    return (
        select(rows.c.unit_id, *columns, rows.c.clock)
        .outerjoin(change, change.c.unit_id == rows.c.unit_id)
        .subquery()
    )
