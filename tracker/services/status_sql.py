"""Status counts computed in the database, mirroring ``tracker.domain.status`` exactly.

A page over a million assignments cannot load them to classify each in Python, so the
rules of ``time_status`` are restated here as SQL ``CASE`` expressions; a test checks the
two agree on every branch. ``today`` and the due-soon limit are parameters, never read here.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select

from tracker.domain.aggregate import Buckets
from tracker.domain.calendar import WorkCalendar
from tracker.domain.status import AssignmentState, StatusResult, TimeStatus, time_status
from tracker.extensions import db
from tracker.models import Assignment

A = Assignment
S = AssignmentState
WORKING = (S.ASSIGNED.value, S.IN_PROGRESS.value)


@dataclass(frozen=True)
class AsOf:
    """The date statuses are judged at, and the last day that still counts as due soon."""

    day: date
    soon_limit: date

    @classmethod
    def build(cls, day: date, calendar: WorkCalendar, due_soon_days: int) -> AsOf:
        """Return the as-of for ``day``: due soon runs up to the day before the working day
        that would leave more than ``due_soon_days`` (so days off just after count too)."""
        first_not_soon = calendar.add_working_days(day, due_soon_days + 1)
        return cls(day, first_not_soon - timedelta(days=1))


def _late_submission(A=A) -> ColumnElement[bool]:
    return and_(A.due_date.is_not(None), A.submitted_on > A.due_date)


def status_expression(
    as_of: AsOf, A=A, late: ColumnElement[bool] | None = None
) -> ColumnElement[str]:
    """Return a SQL expression giving each assignment's ``TimeStatus`` value.

    ``A`` is where the rows come from: the assignment table (statuses now) or any source with
    the same ``state``, ``due_date`` and ``submitted_on`` columns, such as the assignments as
    they stood on a past day (``tracker.services.history.assignments_as_of``). ``late`` says
    whether a row was submitted after its due date, for sources that know it another way
    (the maintained counts: ``tracker.services.rollups``).
    """
    if late is None:
        late = _late_submission(A)
    return case(
        (A.state == S.NOT_APPLICABLE.value, literal(TimeStatus.NOT_APPLICABLE.value)),
        (A.state == S.TRANSFERRED.value, literal(TimeStatus.TRANSFERRED.value)),
        (
            A.state == S.COMPLETED.value,
            case(
                (late, literal(TimeStatus.COMPLETED_LATE.value)),
                else_=literal(TimeStatus.COMPLETED_ON_TIME.value),
            ),
        ),
        (A.due_date.is_(None), literal(TimeStatus.NO_DEADLINE.value)),
        (
            A.state == S.SUBMITTED.value,
            case(
                (late, literal(TimeStatus.OVERDUE.value)),
                else_=literal(TimeStatus.ON_TRACK.value),
            ),
        ),
        (A.due_date < as_of.day, literal(TimeStatus.OVERDUE.value)),
        (A.due_date <= as_of.soon_limit, literal(TimeStatus.DUE_SOON.value)),
        else_=literal(TimeStatus.ON_TRACK.value),
    )


def status_filter(status: str, as_of: AsOf) -> ColumnElement[bool]:
    """Return a WHERE clause selecting assignments whose time status is ``status``.

    Written as plain comparisons (not via ``status_expression``) so indexes can serve it.
    """
    if status == TimeStatus.OVERDUE:
        return or_(
            and_(A.state.in_(WORKING), A.due_date < as_of.day),
            and_(A.state == S.SUBMITTED.value, _late_submission()),
        )
    if status == TimeStatus.DUE_SOON:
        return and_(A.state.in_(WORKING), A.due_date.between(as_of.day, as_of.soon_limit))
    if status == "open":
        return A.state.in_((*WORKING, S.SUBMITTED.value))
    if status == "awaiting":
        return A.state == S.SUBMITTED.value
    if status == "completed":
        return A.state == S.COMPLETED.value
    return status_expression(as_of) == status


def bucket_columns(
    as_of: AsOf, A=A, *, weight: ColumnElement[int] | None = None, late=None
) -> list:
    """Return the labelled aggregate columns of the official buckets over rows of ``A``,
    each row counting ``weight`` (1 by default; a count for rows that stand for several
    assignments) and judged late by ``late`` (see ``status_expression``)."""
    status = status_expression(as_of, A, late)
    one = literal(1) if weight is None else weight

    def count_where(condition) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, one), else_=0)), 0)

    return [
        count_where(A.state != S.TRANSFERRED.value).label("total"),
        count_where(status == TimeStatus.NOT_APPLICABLE.value).label("not_applicable"),
        count_where(status == TimeStatus.COMPLETED_ON_TIME.value).label("completed_on_time"),
        count_where(status == TimeStatus.COMPLETED_LATE.value).label("completed_late"),
        count_where(
            status.in_(
                [TimeStatus.ON_TRACK.value, TimeStatus.DUE_SOON.value, TimeStatus.NO_DEADLINE.value]
            )
        ).label("open_on_track"),
        count_where(status == TimeStatus.OVERDUE.value).label("open_overdue"),
        count_where(A.state == S.SUBMITTED.value).label("awaiting_confirmation"),
    ]


_FIELDS = (
    "total",
    "not_applicable",
    "completed_on_time",
    "completed_late",
    "open_on_track",
    "open_overdue",
    "awaiting_confirmation",
)


_READ_FIELDS = operator.attrgetter(*_FIELDS)


def to_buckets(row) -> Buckets:
    """Return the buckets read from a row holding ``bucket_columns``."""
    return Buckets(*[int(value or 0) for value in _READ_FIELDS(row)])


def count_buckets(as_of: AsOf, *where: ColumnElement[bool], joins: Iterable = ()) -> Buckets:
    """Return the official buckets over the assignments matching ``where`` (one query)."""
    query = select(*bucket_columns(as_of)).select_from(A)
    for target in joins:
        query = query.join(target)
    row = db.session.execute(query.where(*where)).one()
    return to_buckets(row)


def count_buckets_by(
    key: ColumnElement, as_of: AsOf, *where: ColumnElement[bool], joins: Iterable = ()
) -> dict[object, Buckets]:
    """Return the buckets per value of ``key`` over the matching assignments (one query)."""
    return {k[0]: b for k, b in count_buckets_by_keys([key], as_of, *where, joins=joins).items()}


def count_buckets_by_keys(
    keys: list[ColumnElement],
    as_of: AsOf,
    *where: ColumnElement[bool],
    joins: Iterable = (),
    source=None,
) -> dict[tuple, Buckets]:
    """Return the buckets per combination of ``keys`` (e.g. task and group), in one query.

    ``source`` replaces the assignment table (e.g. assignments as of a past day); ``joins``
    are then (target, on clause) pairs.
    """
    labelled = [k.label(f"key{i}") for i, k in enumerate(keys)]
    rows_from, columns = (A, A) if source is None else (source, source.c)
    query = select(*labelled, *bucket_columns(as_of, columns)).select_from(rows_from)
    for target in joins:
        query = query.join(*target) if isinstance(target, tuple) else query.join(target)
    rows = db.session.execute(query.where(*where).group_by(*keys)).all()
    return {tuple(row[: len(keys)]): to_buckets(row) for row in rows}


def status_of(
    assignment: Assignment, today: date, calendar: WorkCalendar, due_soon_days: int
) -> StatusResult:
    """Return the time status of one loaded assignment (the domain rule, applied)."""
    return time_status(
        assignment.state,
        assignment.due_date,
        assignment.submitted_on,
        today,
        calendar,
        due_soon_days=due_soon_days,
    )
