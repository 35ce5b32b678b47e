"""Status counts computed in the database, mirroring ``tracker.domain.status`` exactly.

A page over a million assignments cannot load them to classify each in Python, so the
rules of ``time_status`` are restated here as SQL ``CASE`` expressions; a test checks the
two agree on every branch. ``today`` and the due-soon limit are parameters, never read here.
Deadlines on days off are judged at their effective date (``services.days_off``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, timedelta

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
)

from tracker.domain.aggregate import Buckets
from tracker.domain.calendar import WorkCalendar
from tracker.domain.days_off import RollRule
from tracker.domain.status import AssignmentState, StatusResult, TimeStatus, time_status
from tracker.extensions import db
from tracker.models import Assignment
from tracker.services import days_off
from tracker.services.days_off import DayOffRolls
from tracker.services.sql_dates import days_between

A = Assignment
S = AssignmentState
WORKING = (S.ASSIGNED.value, S.IN_PROGRESS.value)


NEVER_ROLLS = DayOffRolls(RollRule(False), date.min, date.min)


@dataclass(frozen=True)
class AsOf:
    """The date statuses are judged at, the last day that still counts as due soon, and how
    deadlines on days off roll (``rolls``; None: they never do)."""

    day: date
    soon_limit: date
    rolls: DayOffRolls | None = None

    @classmethod
    def build(
        cls, day: date, calendar: WorkCalendar, due_soon_days: int, *, rule: RollRule
    ) -> AsOf:
        """Return the as-of for ``day``: due soon runs up to the day before the working day
        that would leave more than ``due_soon_days`` (so days off just after count too);
        ``rule`` says whose deadlines on a day off end on the next working day."""
        soon_limit = calendar.add_working_days(day, due_soon_days + 1) - timedelta(days=1)
        return cls(day, soon_limit, days_off.build(day, soon_limit, calendar, rule))

    def moved_to(self, day: date, calendar: WorkCalendar) -> AsOf:
        """Return the as-of of another ``day`` with the same rule, for figures that do not
        tell due soon from on track (its due-soon window is empty)."""
        return AsOf(day, day, days_off.build(day, day, calendar, self.rule))

    @property
    def day_off_rolls(self) -> DayOffRolls:
        """Return the rolls (never, when none were given)."""
        return self.rolls or NEVER_ROLLS

    @property
    def rule(self) -> RollRule:
        """Return whose deadlines on a day off roll."""
        return self.day_off_rolls.rule


def late_submission(as_of: AsOf, A=A) -> ColumnElement[bool]:
    """Return "reported after the effective deadline" for rows of ``A``."""
    late = and_(A.due_date.is_not(None), A.submitted_on > A.due_date)
    offset = days_off.rolled_offset(A.due_date, A.task_id, as_of.day_off_rolls)
    if offset is None:
        return late
    return and_(late, days_between(A.submitted_on, A.due_date) > offset)


def late_tally(as_of: AsOf, T) -> ColumnElement[bool]:
    """Return "reported after the effective deadline" for tally rows (days late kept)."""
    offset = days_off.rolled_offset(T.due_date, T.task_id, as_of.day_off_rolls)
    return T.late_days > (0 if offset is None else offset)


def open_overdue(as_of: AsOf, A=A) -> ColumnElement[bool]:
    """Return "the effective deadline has passed" for open rows of ``A`` with a due date."""
    return days_off.due_before(A.due_date, A.task_id, as_of.day, as_of.day_off_rolls)


def open_due_soon(as_of: AsOf, A=A) -> ColumnElement[bool]:
    """Return "the effective deadline is within the due-soon window" (not yet overdue)."""
    rolls = as_of.day_off_rolls
    return days_off.due_by(A.due_date, A.task_id, as_of.soon_limit, rolls.rolled_soon, rolls)


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
        late = late_submission(as_of, A)
    # ``late`` (with the roll offsets of days off) is written once: reported late is
    # completed late or, submitted, overdue.
    reported = A.state.in_((S.COMPLETED.value, S.SUBMITTED.value))
    return case(
        (A.state == S.NOT_APPLICABLE.value, literal(TimeStatus.NOT_APPLICABLE.value)),
        (A.state == S.TRANSFERRED.value, literal(TimeStatus.TRANSFERRED.value)),
        (
            and_(reported, late),
            case(
                (A.state == S.COMPLETED.value, literal(TimeStatus.COMPLETED_LATE.value)),
                else_=literal(TimeStatus.OVERDUE.value),
            ),
        ),
        (A.state == S.COMPLETED.value, literal(TimeStatus.COMPLETED_ON_TIME.value)),
        (A.due_date.is_(None), literal(TimeStatus.NO_DEADLINE.value)),
        (A.state == S.SUBMITTED.value, literal(TimeStatus.ON_TRACK.value)),
        (open_overdue(as_of, A), literal(TimeStatus.OVERDUE.value)),
        (open_due_soon(as_of, A), literal(TimeStatus.DUE_SOON.value)),
        else_=literal(TimeStatus.ON_TRACK.value),
    )


def status_filter(status: str, as_of: AsOf) -> ColumnElement[bool]:
    """Return a WHERE clause selecting assignments whose time status is ``status``.

    Written as plain comparisons (not via ``status_expression``) so indexes can serve it.
    """
    if status == TimeStatus.OVERDUE:
        return or_(
            and_(A.state.in_(WORKING), open_overdue(as_of)),
            and_(A.state == S.SUBMITTED.value, late_submission(as_of)),
        )
    if status == TimeStatus.DUE_SOON:
        rolls = as_of.day_off_rolls
        if rolls.never:
            return and_(A.state.in_(WORKING), A.due_date.between(as_of.day, as_of.soon_limit))
        # A rolling due date in the days off just before the day is due today.
        return and_(
            A.state.in_(WORKING),
            A.due_date.between(min(rolls.rolled_day, as_of.day), as_of.soon_limit),
            ~open_overdue(as_of),
            open_due_soon(as_of),
        )
    if status == "open":
        return A.state.in_((*WORKING, S.SUBMITTED.value))
    if status == "awaiting":
        return A.state == S.SUBMITTED.value
    if status == "completed":
        return A.state == S.COMPLETED.value
    return status_expression(as_of) == status


def judged(source_columns, as_of: AsOf, *labelled: ColumnElement) -> list:
    """Return the columns of an inner select that judges each row once: ``labelled`` (the
    keys), its state and its status, for ``status_aggregates`` over the subquery (the
    status, with its dates on days off, is then written once in the statement, not once
    per bucket)."""
    status = status_expression(as_of, source_columns).label("status")
    return [*labelled, source_columns.state.label("state"), status]


def judged_rows(query: Select) -> Subquery:
    """Return ``query`` (``judged`` columns) as the subquery the buckets are counted over,
    each row judged once.

    Without ``OFFSET 0`` both databases merge the subquery into the counting query and
    evaluate the status expression, with its lists of days off, once per bucket that
    compares it: five times per row. ``OFFSET 0`` keeps the subquery whole (PostgreSQL
    drops the no-op offset from the plan; SQLite runs it as a co-routine); on 1,200 tally
    rows the aggregate took 0.6 ms instead of 2.4."""
    return query.offset(literal_column("0")).subquery("judged")


def status_aggregates(status, state, weight: ColumnElement[int] | None = None) -> list:
    """Return the labelled aggregate columns of the official buckets over rows with a
    ``status`` and a ``state`` (columns), each counting ``weight`` (1 by default)."""
    one = literal(1) if weight is None else weight

    def count_where(condition) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, one), else_=0)), 0)

    return [
        count_where(state != S.TRANSFERRED.value).label("total"),
        count_where(status == TimeStatus.NOT_APPLICABLE.value).label("not_applicable"),
        count_where(status == TimeStatus.COMPLETED_ON_TIME.value).label("completed_on_time"),
        count_where(status == TimeStatus.COMPLETED_LATE.value).label("completed_late"),
        count_where(
            status.in_(
                [TimeStatus.ON_TRACK.value, TimeStatus.DUE_SOON.value, TimeStatus.NO_DEADLINE.value]
            )
        ).label("open_on_track"),
        count_where(status == TimeStatus.OVERDUE.value).label("open_overdue"),
        count_where(state == S.SUBMITTED.value).label("awaiting_confirmation"),
    ]


# The aggregates ``status_aggregates`` returns: one per field of Buckets, in its order.
_AGGREGATES = len(fields(Buckets))


def to_buckets(row) -> Buckets:
    """Return the buckets read from a row ending with ``status_aggregates`` (every caller's
    select puts them last; each is coalesced to a number in SQL)."""
    return Buckets(*map(int, row[-_AGGREGATES:]))


def count_buckets(as_of: AsOf, *where: ColumnElement[bool], joins: Iterable = ()) -> Buckets:
    """Return the official buckets over the assignments matching ``where`` (one query)."""
    query = select(*judged(A, as_of)).select_from(A)
    for target in joins:
        query = query.join(target)
    rows = judged_rows(query.where(*where))
    row = db.session.execute(select(*status_aggregates(rows.c.status, rows.c.state))).one()
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
    query = select(*judged(columns, as_of, *labelled)).select_from(rows_from)
    for target in joins:
        query = query.join(*target) if isinstance(target, tuple) else query.join(target)
    rows = judged_rows(query.where(*where))
    by = [rows.c[f"key{i}"] for i in range(len(keys))]
    aggregates = status_aggregates(rows.c.status, rows.c.state)
    found = db.session.execute(select(*by, *aggregates).group_by(*by)).all()
    return {tuple(row[: len(keys)]): to_buckets(row) for row in found}


def status_of(
    assignment: Assignment,
    today: date,
    calendar: WorkCalendar,
    due_soon_days: int,
    rule: RollRule,
) -> StatusResult:
    """Return the time status of one loaded assignment (the domain rule, applied)."""
    return time_status(
        assignment.state,
        assignment.due_date,
        assignment.submitted_on,
        today,
        calendar,
        due_soon_days=due_soon_days,
        rolls=rule.rolls(assignment.task_id),
    )
