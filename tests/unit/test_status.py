from datetime import date

import pytest

from tracker.domain.calendar import WorkCalendar
from tracker.domain.status import (
    OPEN_STATES,
    TRANSITIONS,
    AssignmentState,
    StatusResult,
    TimeStatus,
    TransitionError,
    allowed_actions,
    time_status,
    transition,
)

D = date
S = AssignmentState
T = TimeStatus
R = StatusResult
CAL = WorkCalendar()


@pytest.mark.parametrize(
    ("state", "due", "submitted_on", "today", "expected"),
    [
        # Open, with a deadline.
        (S.IN_PROGRESS, D(2024, 7, 10), None, D(2024, 7, 10), R(T.DUE_SOON, None, 0)),
        (S.ASSIGNED, D(2024, 7, 15), None, D(2024, 7, 12), R(T.DUE_SOON, None, 1)),
        (S.ASSIGNED, D(2024, 7, 17), None, D(2024, 7, 12), R(T.DUE_SOON, None, 3)),
        (S.ASSIGNED, D(2024, 7, 18), None, D(2024, 7, 12), R(T.ON_TRACK, None, 4)),
        (S.IN_PROGRESS, D(2024, 7, 12), None, D(2024, 7, 1), R(T.ON_TRACK, None, 9)),
        (S.ASSIGNED, D(2024, 2, 16), None, D(2024, 2, 7), R(T.DUE_SOON, None, 2)),
        (S.IN_PROGRESS, D(2024, 7, 10), None, D(2024, 7, 11), R(T.OVERDUE, 1, None)),
        (S.ASSIGNED, D(2024, 7, 12), None, D(2024, 7, 15), R(T.OVERDUE, 3, None)),
        # Open, no deadline.
        (S.ASSIGNED, None, None, D(2024, 7, 10), R(T.NO_DEADLINE)),
        (S.IN_PROGRESS, None, None, D(2024, 7, 10), R(T.NO_DEADLINE)),
        (S.SUBMITTED, None, D(2024, 7, 1), D(2024, 7, 10), R(T.NO_DEADLINE)),
        # Submitted: judged at the submission date.
        (S.SUBMITTED, D(2024, 7, 10), D(2024, 7, 9), D(2024, 8, 1), R(T.ON_TRACK)),
        (S.SUBMITTED, D(2024, 7, 10), D(2024, 7, 10), D(2024, 8, 1), R(T.ON_TRACK)),
        (S.SUBMITTED, D(2024, 7, 10), D(2024, 7, 13), D(2024, 8, 1), R(T.OVERDUE, 3)),
        (S.SUBMITTED, D(2024, 7, 10), None, D(2024, 7, 10), R(T.ON_TRACK)),
        (S.SUBMITTED, D(2024, 7, 10), None, D(2024, 7, 12), R(T.OVERDUE, 2)),
        # Completed.
        (S.COMPLETED, D(2024, 7, 10), D(2024, 7, 10), D(2024, 8, 1), R(T.COMPLETED_ON_TIME)),
        (S.COMPLETED, D(2024, 7, 10), D(2024, 7, 1), D(2024, 8, 1), R(T.COMPLETED_ON_TIME)),
        (S.COMPLETED, D(2024, 7, 10), D(2024, 7, 15), D(2024, 8, 1), R(T.COMPLETED_LATE, 5)),
        (S.COMPLETED, None, D(2024, 7, 15), D(2024, 8, 1), R(T.COMPLETED_ON_TIME)),
        (S.COMPLETED, D(2024, 7, 10), None, D(2024, 7, 10), R(T.COMPLETED_ON_TIME)),
        (S.COMPLETED, D(2024, 7, 10), None, D(2024, 7, 11), R(T.COMPLETED_LATE, 1)),
        # Not applicable, whatever the dates.
        (S.NOT_APPLICABLE, D(2024, 7, 10), None, D(2024, 8, 1), R(T.NOT_APPLICABLE)),
        (S.NOT_APPLICABLE, None, None, D(2024, 8, 1), R(T.NOT_APPLICABLE)),
    ],
)
def test_time_status_follows_the_official_rules(state, due, submitted_on, today, expected):
    assert time_status(state, due, submitted_on, today, CAL) == expected


@pytest.mark.parametrize(
    ("due_soon_days", "expected"), [(0, T.ON_TRACK), (2, T.ON_TRACK), (3, T.DUE_SOON)]
)
def test_due_soon_threshold_is_configurable(due_soon_days, expected):
    # Friday 12/07/2024 to Wednesday 17/07/2024: three working days left.
    result = time_status(S.ASSIGNED, D(2024, 7, 17), None, D(2024, 7, 12), CAL, due_soon_days)
    assert result.status == expected
    assert result.working_days_left == 3


def test_working_days_left_respect_calendar_overrides():
    cal = WorkCalendar({D(2024, 7, 15): False})
    result = time_status(S.ASSIGNED, D(2024, 7, 16), None, D(2024, 7, 12), cal)
    assert result == StatusResult(T.DUE_SOON, None, 1)


@pytest.mark.parametrize(
    ("status", "is_open"),
    [
        (T.NO_DEADLINE, True),
        (T.ON_TRACK, True),
        (T.DUE_SOON, True),
        (T.OVERDUE, True),
        (T.COMPLETED_ON_TIME, False),
        (T.COMPLETED_LATE, False),
        (T.NOT_APPLICABLE, False),
    ],
)
def test_is_open_is_false_only_for_completed_and_not_applicable(status, is_open):
    assert StatusResult(status, None, None).is_open is is_open


@pytest.mark.parametrize(
    ("state", "action", "expected"),
    [
        (S.ASSIGNED, "start", S.IN_PROGRESS),
        (S.ASSIGNED, "submit", S.SUBMITTED),
        (S.IN_PROGRESS, "submit", S.SUBMITTED),
        (S.SUBMITTED, "confirm", S.COMPLETED),
        (S.SUBMITTED, "return", S.IN_PROGRESS),
        (S.ASSIGNED, "mark_not_applicable", S.NOT_APPLICABLE),
        (S.IN_PROGRESS, "mark_not_applicable", S.NOT_APPLICABLE),
        (S.SUBMITTED, "mark_not_applicable", S.NOT_APPLICABLE),
        (S.COMPLETED, "reopen", S.IN_PROGRESS),
        (S.NOT_APPLICABLE, "reopen", S.IN_PROGRESS),
        ("submitted", "confirm", S.COMPLETED),  # plain strings from the database work too
    ],
)
def test_transition_allows_the_workflow_moves(state, action, expected):
    assert transition(state, action) is expected


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (S.IN_PROGRESS, "start"),
        (S.SUBMITTED, "start"),
        (S.SUBMITTED, "submit"),
        (S.COMPLETED, "submit"),
        (S.ASSIGNED, "confirm"),
        (S.IN_PROGRESS, "confirm"),
        (S.IN_PROGRESS, "return"),
        (S.COMPLETED, "return"),
        (S.COMPLETED, "mark_not_applicable"),
        (S.NOT_APPLICABLE, "mark_not_applicable"),
        (S.ASSIGNED, "reopen"),
        (S.SUBMITTED, "reopen"),
        (S.ASSIGNED, "delete"),
        ("archived", "start"),
    ],
)
def test_transition_refuses_moves_not_in_the_table(state, action):
    with pytest.raises(TransitionError) as caught:
        transition(state, action)
    assert (caught.value.state, caught.value.action) == (state, action)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("state", "actions"),
    [
        (S.ASSIGNED, ("start", "submit", "mark_not_applicable")),
        (S.IN_PROGRESS, ("submit", "mark_not_applicable")),
        (S.SUBMITTED, ("confirm", "return", "mark_not_applicable")),
        (S.COMPLETED, ("reopen",)),
        (S.NOT_APPLICABLE, ("reopen",)),
    ],
)
def test_allowed_actions_lists_every_legal_move(state, actions):
    assert allowed_actions(state) == actions
    assert all(transition(state, action) == TRANSITIONS[action][1] for action in actions)


def test_open_states_are_assigned_in_progress_and_submitted():
    assert {S.ASSIGNED, S.IN_PROGRESS, S.SUBMITTED} == OPEN_STATES
    assert all(state in OPEN_STATES for state in TRANSITIONS["mark_not_applicable"][0])
