"""The SQL status rules must agree with the pure domain rules on every branch."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from sqlalchemy import select

from tracker.domain.aggregate import count_buckets as domain_buckets
from tracker.domain.calendar import WorkCalendar
from tracker.domain.days_off import RollRule
from tracker.domain.status import AssignmentState, TimeStatus, time_status
from tracker.extensions import db
from tracker.models import Assignment, AssignmentRevision
from tracker.services import status_sql

STATES = [s.value for s in AssignmentState]


DAYS = (-40, -12, -9, -8, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 10)
# Rules: every task rolls; none does; the default rolls but the second task keeps its date;
# the default keeps dates but the second task rolls.
RULES = {
    "rolls": lambda tasks: RollRule(True),
    "keeps": lambda tasks: RollRule(False),
    "one keeps": lambda tasks: RollRule.of(True, [(tasks[1], False)]),
    "one rolls": lambda tasks: RollRule.of(False, [(tasks[1], True)]),
}


def _build_grid(make, today: date) -> list[int]:
    """One assignment per (task, state, due date, submission date) combination around
    ``today``, with due dates and reports on the days off just before and after it; returns
    the two tasks' ids."""
    tasks = [make.task(), make.task()]
    dues = [None] + [today + timedelta(days=d) for d in DAYS]
    submitted = [None, *(today + timedelta(days=d) for d in (-8, -3, -2, -1, 0))]
    for task, state, due, sub in itertools.product(tasks, STATES, dues, submitted):
        if state in ("submitted", "completed") and sub is None:
            continue
        make.assignment(task, make.unit(), state=state, due_date=due, submitted_on=sub)
    db.session.commit()
    return [t.id for t in tasks]


def _clear() -> None:
    db.session.query(AssignmentRevision).delete()
    db.session.query(Assignment).delete()
    db.session.commit()


def test_sql_status_matches_the_domain_for_every_branch(make):
    calendar = WorkCalendar({date(2024, 7, 5): False})  # an admin's day off too
    # A Thursday before the 30/4-1/5 holidays and a weekend: due-soon spans days off; the
    # Monday after a Sunday deadline; the day after Tết 2024; a Wednesday; a Friday before a
    # day off declared by the admin.
    days = (date(2024, 4, 25), date(2024, 7, 1), date(2024, 2, 15), date(2025, 1, 22))
    for today in (*days, date(2024, 7, 4)):
        _clear()
        tasks = _build_grid(make, today)
        for name, make_rule in RULES.items():
            rule = make_rule(tasks)
            as_of = status_sql.AsOf.build(today, calendar, 3, rule=rule)
            rows = db.session.execute(select(Assignment, status_sql.status_expression(as_of))).all()
            assert len(rows) > 100
            pairs = []
            for a, sql_status in rows:
                expected = time_status(
                    a.state, a.due_date, a.submitted_on, today, calendar, 3,
                    rolls=rule.rolls(a.task_id),
                )  # fmt: skip
                assert sql_status == expected.status, (today, name, a.state, a.due_date)
                pairs.append((AssignmentState(a.state), expected))
            assert status_sql.count_buckets(as_of) == domain_buckets(pairs)


def test_the_rule_changes_what_sql_counts_on_the_monday_after_a_sunday_deadline(make):
    calendar = WorkCalendar()
    task = make.task()
    sunday = date(2024, 6, 30)
    make.assignment(task, make.unit(), due_date=sunday)
    make.assignment(task, make.unit(), state="completed", due_date=sunday, submitted_on=sunday)
    make.assignment(
        task, make.unit(), state="completed", due_date=sunday, submitted_on=date(2024, 7, 1)
    )
    db.session.commit()
    monday = date(2024, 7, 1)
    rolled = status_sql.count_buckets(status_sql.AsOf.build(monday, calendar, 3, rule=RollRule()))
    kept = status_sql.count_buckets(
        status_sql.AsOf.build(monday, calendar, 3, rule=RollRule(False))
    )
    assert (rolled.open_overdue, rolled.completed_on_time, rolled.completed_late) == (0, 2, 0)
    assert (kept.open_overdue, kept.completed_on_time, kept.completed_late) == (1, 1, 1)


def test_status_filters_select_exactly_the_rows_with_that_status(make):
    calendar = WorkCalendar()
    for today in (date(2024, 4, 25), date(2024, 7, 1), date(2024, 2, 15)):
        _clear()
        tasks = _build_grid(make, today)
        for name, make_rule in RULES.items():
            as_of = status_sql.AsOf.build(today, calendar, 3, rule=make_rule(tasks))
            everything = db.session.execute(
                select(Assignment.id, status_sql.status_expression(as_of))
            ).all()
            for status in (TimeStatus.OVERDUE, TimeStatus.DUE_SOON):
                expected = {i for i, s in everything if s == status}
                got = set(
                    db.session.scalars(
                        select(Assignment.id).where(status_sql.status_filter(status, as_of))
                    )
                )
                assert got == expected and expected, (today, name, status)


def test_due_soon_reaches_over_days_off_after_the_window():
    calendar = WorkCalendar()
    # Tuesday 23/04/2024: the 3rd working day after is Friday 26/04, and 27/04-01/05 are days
    # off (weekend, 29/04 swapped for Saturday 04/05, 30/04, 01/05): a due date on any of them
    # still leaves only 3 working days.
    as_of = status_sql.AsOf.build(date(2024, 4, 23), calendar, 3, rule=RollRule())
    assert as_of.soon_limit == date(2024, 5, 1)
