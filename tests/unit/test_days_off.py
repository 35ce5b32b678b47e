"""Deadlines on days off: the effective date, the per-task rule and the SQL exceptions."""

from datetime import date, timedelta

import pytest

from tracker.domain.calendar import WorkCalendar
from tracker.domain.days_off import (
    RollRule,
    effective_due,
    offset_exceptions,
    roll_offset,
    task_rolls,
    weekend_offset,
)
from tracker.domain.reminders.planning import AssignmentSnapshot, ledger_key, plan_assignment
from tracker.domain.reminders.policy import ReminderPolicy
from tracker.domain.status import AssignmentState, StatusResult, TimeStatus, time_status

D = date
CAL = WorkCalendar()
S = AssignmentState
T = TimeStatus
R = StatusResult


@pytest.mark.parametrize(
    ("due", "rolls", "expected"),
    [
        (D(2024, 6, 30), True, D(2024, 7, 1)),  # Sunday -> Monday
        (D(2024, 6, 29), True, D(2024, 7, 1)),  # Saturday -> Monday
        (D(2024, 6, 28), True, D(2024, 6, 28)),  # a working Friday stays
        (D(2024, 2, 8), True, D(2024, 2, 15)),  # first day of Tết Giáp Thìn (08-14/02)
        (D(2024, 2, 14), True, D(2024, 2, 15)),  # its last day
        (D(2024, 2, 7), True, D(2024, 2, 7)),  # the working day before Tết
        (D(2024, 5, 4), True, D(2024, 5, 4)),  # a swapped working Saturday (for 29/04)
        (D(2024, 4, 27), True, D(2024, 5, 2)),  # 27/04-01/05/2024: weekend, 29/04, 30/4, 1/5
        (D(2024, 4, 30), True, D(2024, 5, 2)),
        (D(2024, 5, 1), True, D(2024, 5, 2)),
        (D(2024, 8, 31), True, D(2024, 9, 4)),  # the 2/9 block: 31/08-03/09/2024
        (D(2024, 9, 2), True, D(2024, 9, 4)),
        (D(2024, 9, 3), True, D(2024, 9, 4)),
        (D(2023, 12, 31), True, D(2024, 1, 2)),  # year end: Sunday, then New Year's Day
        (D(2024, 12, 28), True, D(2024, 12, 30)),
        (D(2024, 12, 31), True, D(2024, 12, 31)),
        (D(2024, 2, 29), True, D(2024, 2, 29)),  # leap day 2024, a Thursday
        (D(2020, 2, 29), True, D(2020, 3, 2)),  # leap day 2020, a Saturday
        (D(2024, 6, 30), False, D(2024, 6, 30)),  # the rule off: the written date
        (D(2024, 2, 10), False, D(2024, 2, 10)),
    ],
)
def test_effective_due_is_the_next_working_day_when_the_rule_rolls(due, rolls, expected):
    assert effective_due(due, CAL, rolls) == expected
    assert roll_offset(due, CAL, rolls) == (expected - due).days


def test_calendar_overrides_move_the_effective_date():
    # The admin declares Monday 01/07/2024 a day off: a Sunday deadline ends on Tuesday.
    calendar = WorkCalendar({D(2024, 7, 1): False, D(2024, 6, 29): True})
    assert effective_due(D(2024, 6, 30), calendar, True) == D(2024, 7, 2)
    assert effective_due(D(2024, 6, 29), calendar, True) == D(2024, 6, 29)


@pytest.mark.parametrize(
    ("state", "due", "submitted_on", "today", "rolls", "expected"),
    [
        # Sunday 30/06/2024: due today on Monday, overdue by a day on Tuesday.
        (S.ASSIGNED, D(2024, 6, 30), None, D(2024, 7, 1), True, R(T.DUE_SOON, None, 0)),
        (S.ASSIGNED, D(2024, 6, 30), None, D(2024, 7, 2), True, R(T.OVERDUE, 1)),
        (S.ASSIGNED, D(2024, 6, 30), None, D(2024, 7, 1), False, R(T.OVERDUE, 1)),
        (S.ASSIGNED, D(2024, 6, 30), None, D(2024, 6, 28), True, R(T.DUE_SOON, None, 1)),
        # Reported on the Monday: on time under the rule, a day late without it.
        (S.COMPLETED, D(2024, 6, 30), D(2024, 7, 1), D(2024, 8, 1), True, R(T.COMPLETED_ON_TIME)),
        (S.COMPLETED, D(2024, 6, 30), D(2024, 7, 1), D(2024, 8, 1), False, R(T.COMPLETED_LATE, 1)),
        (S.COMPLETED, D(2024, 6, 30), D(2024, 7, 3), D(2024, 8, 1), True, R(T.COMPLETED_LATE, 2)),
        (S.SUBMITTED, D(2024, 6, 30), D(2024, 7, 1), D(2024, 8, 1), True, R(T.ON_TRACK)),
        (S.SUBMITTED, D(2024, 6, 30), D(2024, 7, 2), D(2024, 8, 1), True, R(T.OVERDUE, 1)),
        # Tết: due on its first day, the unit has until Thursday 15/02/2024.
        (S.IN_PROGRESS, D(2024, 2, 8), None, D(2024, 2, 15), True, R(T.DUE_SOON, None, 0)),
        (S.IN_PROGRESS, D(2024, 2, 8), None, D(2024, 2, 16), True, R(T.OVERDUE, 1)),
        (S.IN_PROGRESS, D(2024, 2, 8), None, D(2024, 2, 9), False, R(T.OVERDUE, 1)),
        # A working day stays as it is.
        (S.ASSIGNED, D(2024, 7, 1), None, D(2024, 7, 2), True, R(T.OVERDUE, 1)),
        (S.COMPLETED, D(2024, 5, 4), D(2024, 5, 6), D(2024, 8, 1), True, R(T.COMPLETED_LATE, 2)),
        (S.ASSIGNED, None, None, D(2024, 7, 1), True, R(T.NO_DEADLINE)),
    ],
)  # fmt: skip
def test_time_status_judges_the_effective_date(state, due, submitted_on, today, rolls, expected):
    assert time_status(state, due, submitted_on, today, CAL, 3, rolls=rolls) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [(D(2024, 6, 29), 2), (D(2024, 6, 30), 1), (D(2024, 7, 1), 0), (D(2024, 7, 5), 0)],
)
def test_weekend_offset(day, expected):
    assert weekend_offset(day) == expected


@pytest.mark.parametrize(
    "calendar", [CAL, WorkCalendar({D(2024, 7, 1): False, D(2024, 7, 6): True})]
)
def test_offset_exceptions_with_the_weekend_rule_give_every_days_offset(calendar):
    exceptions = offset_exceptions(calendar, 2023, 2025)
    by_day = {day: offset for offset, days in exceptions.items() for day in days}
    day = D(2023, 1, 1)
    while day.year <= 2025:
        assert by_day.get(day, weekend_offset(day)) == roll_offset(day, calendar), day
        day += timedelta(days=1)
    assert 10 < len(by_day) < 3 * 40  # a few dozen a year, not every weekend


@pytest.mark.parametrize(
    ("default", "settings", "task", "expected"),
    [
        (True, [], 1, True),
        (False, [], 1, False),
        (True, [(1, False), (2, True), (3, None)], 1, False),
        (True, [(1, False), (2, True), (3, None)], 2, True),
        (True, [(1, False), (2, True), (3, None)], 3, True),
        (False, [(1, False), (2, True), (3, None)], 2, True),
        (False, [(1, False), (2, True), (3, None)], 1, False),
    ],
)
def test_roll_rule_follows_the_default_unless_the_task_says_otherwise(
    default, settings, task, expected
):
    rule = RollRule.of(default, settings)
    assert rule.rolls(task) is expected
    assert task_rolls(dict(settings).get(task), default) is expected
    assert rule.flipped <= {t for t, _ in settings}


@pytest.mark.parametrize(
    ("today", "rolls", "expected"),
    [
        # Due Sunday 30/06/2024, rolling to Monday 01/07.
        (D(2024, 6, 27), True, [("before-3", None, 2)]),
        (D(2024, 6, 28), True, [("before-1", None, 1)]),
        (D(2024, 7, 1), True, [("due", None, 0)]),
        (D(2024, 7, 2), True, [("due", 1, None)]),
        (D(2024, 7, 4), True, [("overdue-3", 3, None)]),
        (D(2024, 7, 8), True, [("overdue-3", 7, None), ("escalation", 7, None)]),
        # Kept on the Sunday: due on Friday 28/06, overdue from Monday.
        (D(2024, 6, 27), False, [("before-1", None, 1)]),
        (D(2024, 6, 28), False, [("due", None, 0)]),
        (D(2024, 7, 1), False, [("due", 1, None)]),
        (D(2024, 7, 3), False, [("overdue-3", 3, None)]),
        (D(2024, 7, 5), False, [("overdue-3", 5, None), ("escalation", 5, None)]),
    ],
)
def test_reminder_stages_count_from_the_effective_deadline(today, rolls, expected):
    snapshot = AssignmentSnapshot(1, 1, 1, "in_progress", D(2024, 6, 30))
    notices = plan_assignment(snapshot, ReminderPolicy(), CAL, today, rolls=rolls)
    assert [(n.stage, n.days_overdue, n.working_days_left) for n in notices] == expected
    # The ledger's anchor is the written date; the notice names the effective one.
    assert {ledger_key(n)[2] for n in notices} == {D(2024, 6, 30)}
    assert {n.effective for n in notices} == {D(2024, 7, 1) if rolls else None}
