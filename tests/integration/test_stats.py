"""The SQL status rules must agree with the pure domain rules on every branch."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from sqlalchemy import select

from tracker.domain.aggregate import count_buckets as domain_buckets
from tracker.domain.calendar import WorkCalendar
from tracker.domain.status import AssignmentState, TimeStatus, time_status
from tracker.extensions import db
from tracker.models import Assignment, AssignmentRevision
from tracker.services import status_sql

STATES = [s.value for s in AssignmentState]


def _build_grid(make, today: date) -> None:
    """One assignment per (state, due date, submission date) combination around ``today``."""
    task = make.task()
    dues = [None] + [today + timedelta(days=d) for d in (-40, -1, 0, 1, 2, 3, 4, 5, 6, 10)]
    submitted = [None, today - timedelta(days=3), today]
    for state, due, sub in itertools.product(STATES, dues, submitted):
        if state in ("submitted", "completed") and sub is None:
            continue
        make.assignment(task, make.unit(), state=state, due_date=due, submitted_on=sub)
    db.session.commit()


def test_sql_status_matches_the_domain_for_every_branch(make):
    calendar = WorkCalendar()
    # A Thursday before the 30/4-1/5 holidays and a weekend: due-soon spans days off.
    for today in (date(2024, 4, 25), date(2024, 7, 1), date(2025, 1, 22)):
        db.session.query(AssignmentRevision).delete()
        db.session.query(Assignment).delete()
        db.session.commit()
        _build_grid(make, today)
        as_of = status_sql.AsOf.build(today, calendar, 3)
        rows = db.session.execute(select(Assignment, status_sql.status_expression(as_of))).all()
        assert len(rows) > 100
        for assignment, sql_status in rows:
            expected = time_status(
                assignment.state, assignment.due_date, assignment.submitted_on, today, calendar, 3
            )
            assert sql_status == expected.status, (today, assignment.state, assignment.due_date)

        pairs = [
            (
                AssignmentState(a.state),
                time_status(a.state, a.due_date, a.submitted_on, today, calendar, 3),
            )
            for a, _ in rows
        ]
        assert status_sql.count_buckets(as_of) == domain_buckets(pairs)


def test_status_filters_select_exactly_the_rows_with_that_status(make):
    calendar = WorkCalendar()
    today = date(2024, 4, 25)
    _build_grid(make, today)
    as_of = status_sql.AsOf.build(today, calendar, 3)
    everything = db.session.execute(
        select(Assignment.id, status_sql.status_expression(as_of))
    ).all()
    for status in (TimeStatus.OVERDUE, TimeStatus.DUE_SOON):
        expected = {i for i, s in everything if s == status}
        got = set(
            db.session.scalars(select(Assignment.id).where(status_sql.status_filter(status, as_of)))
        )
        assert got == expected and expected, status


def test_due_soon_reaches_over_days_off_after_the_window():
    calendar = WorkCalendar()
    # Tuesday 23/04/2024: the 3rd working day after is Friday 26/04, and 27/04-01/05 are days
    # off (weekend, 29/04 swapped for Saturday 04/05, 30/04, 01/05): a due date on any of them
    # still leaves only 3 working days.
    as_of = status_sql.AsOf.build(date(2024, 4, 23), calendar, 3)
    assert as_of.soon_limit == date(2024, 5, 1)
