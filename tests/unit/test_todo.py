"""What a focal point does next on each assignment, and how its deadline stands in words."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.status import StatusResult, TimeStatus
from tracker.domain.todo import (
    Deadline,
    DeadlineWords,
    NextAction,
    deadline_words,
    may_ask_for_time,
    next_action,
)

N = NextAction


@pytest.mark.parametrize(
    ("state", "returned", "pending", "expected"),
    [
        ("assigned", False, False, N.START),
        ("in_progress", False, False, N.REPORT),
        # A return is answered first, whatever else waits.
        ("in_progress", True, False, N.ANSWER_RETURN),
        ("in_progress", True, True, N.ANSWER_RETURN),
        ("assigned", False, True, N.AWAIT_EXTENSION),
        ("in_progress", False, True, N.AWAIT_EXTENSION),
        ("submitted", False, False, N.AWAIT_CONFIRMATION),
        ("submitted", False, True, N.AWAIT_CONFIRMATION),
        ("completed", False, False, None),
        ("not_applicable", False, False, None),
        ("transferred", False, False, None),
    ],
)
def test_the_next_action_follows_the_state_a_return_and_a_pending_request(
    state, returned, pending, expected
):
    assert next_action(state, returned=returned, extension_pending=pending) == expected


@pytest.mark.parametrize(
    ("action", "status", "expected"),
    [
        (N.REPORT, TimeStatus.OVERDUE, True),
        (N.START, TimeStatus.DUE_SOON, True),
        (N.ANSWER_RETURN, TimeStatus.OVERDUE, True),
        (N.REPORT, TimeStatus.ON_TRACK, False),
        (N.REPORT, TimeStatus.NO_DEADLINE, False),
        (N.AWAIT_EXTENSION, TimeStatus.OVERDUE, False),  # already asked
        (N.AWAIT_CONFIRMATION, TimeStatus.DUE_SOON, False),  # already reported
        (None, TimeStatus.OVERDUE, False),
    ],
)
def test_more_time_is_offered_only_near_or_past_a_deadline_with_work_to_do(
    action, status, expected
):
    assert may_ask_for_time(action, StatusResult(status)) is expected


TODAY = date(2024, 7, 1)  # a Monday


@pytest.mark.parametrize(
    ("due", "status", "expected"),
    [
        (None, StatusResult(TimeStatus.NO_DEADLINE), DeadlineWords(Deadline.NONE)),
        (
            date(2024, 7, 1),
            StatusResult(TimeStatus.DUE_SOON, None, 0),
            DeadlineWords(Deadline.TODAY),
        ),
        (
            date(2024, 7, 4),
            StatusResult(TimeStatus.DUE_SOON, None, 3),
            DeadlineWords(Deadline.LEFT, 3),
        ),
        (date(2024, 12, 31), StatusResult(TimeStatus.ON_TRACK), DeadlineWords(Deadline.LEFT, 183)),
        (
            date(2024, 6, 28),
            StatusResult(TimeStatus.OVERDUE, 3),
            DeadlineWords(Deadline.OVERDUE, 3),
        ),
        # Across the year end and a leap day.
        (
            date(2023, 12, 31),
            StatusResult(TimeStatus.OVERDUE, 183),
            DeadlineWords(Deadline.OVERDUE, 183),
        ),
        (
            date(2024, 2, 29),
            StatusResult(TimeStatus.OVERDUE, None),
            DeadlineWords(Deadline.OVERDUE, 123),
        ),
        # A deadline on a day off that the status still counts as not overdue (it ends on
        # the next working day): never "overdue" in words either.
        (
            date(2024, 6, 30),
            StatusResult(TimeStatus.DUE_SOON, None, 0),
            DeadlineWords(Deadline.TODAY),
        ),
    ],
)
def test_the_deadline_in_words(due, status, expected):
    assert deadline_words(due, status, TODAY) == expected
