"""A focal point's to-do list: what to do next on each open assignment of their unit, and
how its deadline stands, in terms a page can put into words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tracker.domain.status import AssignmentState, StatusResult, TimeStatus

S = AssignmentState


class NextAction(StrEnum):
    """The step an open assignment waits for, from its unit's side."""

    ANSWER_RETURN = "answer_return"  # returned with a reason: rework, then report again
    START = "start"
    REPORT = "report"
    AWAIT_EXTENSION = "await_extension"  # more time asked; the work may go on meanwhile
    AWAIT_CONFIRMATION = "await_confirmation"  # reported; the coordinator decides


def next_action(state: str, *, returned: bool, extension_pending: bool) -> NextAction | None:
    """Return what the unit does next on an assignment in ``state`` (None when closed)."""
    if state == S.SUBMITTED:
        return NextAction.AWAIT_CONFIRMATION
    if state not in (S.ASSIGNED, S.IN_PROGRESS):
        return None
    if returned:
        return NextAction.ANSWER_RETURN
    if extension_pending:
        return NextAction.AWAIT_EXTENSION
    return NextAction.START if state == S.ASSIGNED else NextAction.REPORT


def may_ask_for_time(action: NextAction | None, status: StatusResult) -> bool:
    """Return whether to offer asking for more time: work still to do, a deadline that is
    near or past, and no request already waiting."""
    working = action in (NextAction.START, NextAction.REPORT, NextAction.ANSWER_RETURN)
    return working and status.status in (TimeStatus.DUE_SOON, TimeStatus.OVERDUE)


class Deadline(StrEnum):
    """How a deadline stands, for the words beside it."""

    OVERDUE = "overdue"  # n calendar days past
    TODAY = "today"
    LEFT = "left"  # n calendar days to go
    NONE = "none"


@dataclass(frozen=True)
class DeadlineWords:
    """``kind`` and the number of days it speaks of."""

    kind: Deadline
    days: int = 0


def deadline_words(due: date | None, status: StatusResult, today: date) -> DeadlineWords:
    """Return how the deadline ``due`` stands on ``today`` for an open assignment whose
    time status is ``status`` (overdue counts the days the status counts)."""
    if due is None:
        return DeadlineWords(Deadline.NONE)
    if status.status == TimeStatus.OVERDUE:
        return DeadlineWords(Deadline.OVERDUE, status.days_overdue or (today - due).days)
    days = (due - today).days
    if days <= 0:
        return DeadlineWords(Deadline.TODAY)
    return DeadlineWords(Deadline.LEFT, days)
