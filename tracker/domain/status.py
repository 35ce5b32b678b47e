"""Assignment workflow states and the time status shown in reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tracker.domain.calendar import WorkCalendar
from tracker.domain.days_off import effective_due


class AssignmentState(StrEnum):
    """Where a unit's assignment is in the workflow."""

    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    COMPLETED = "completed"
    NOT_APPLICABLE = "not_applicable"
    # Passed to a successor unit in a reorganisation; counted for the successor from then on.
    TRANSFERRED = "transferred"


OPEN_STATES: frozenset[AssignmentState] = frozenset(
    {AssignmentState.ASSIGNED, AssignmentState.IN_PROGRESS, AssignmentState.SUBMITTED}
)

# A unit owes nothing more on an assignment in these states (reports list the others as
# "not done"); transferred ones are owed by the successor's assignment instead.
SETTLED_STATES: frozenset[AssignmentState] = frozenset(
    {AssignmentState.COMPLETED, AssignmentState.NOT_APPLICABLE, AssignmentState.TRANSFERRED}
)

TRANSITIONS: dict[str, tuple[frozenset[AssignmentState], AssignmentState]] = {
    "start": (frozenset({AssignmentState.ASSIGNED}), AssignmentState.IN_PROGRESS),
    "submit": (
        frozenset({AssignmentState.ASSIGNED, AssignmentState.IN_PROGRESS}),
        AssignmentState.SUBMITTED,
    ),
    "confirm": (frozenset({AssignmentState.SUBMITTED}), AssignmentState.COMPLETED),
    "return": (frozenset({AssignmentState.SUBMITTED}), AssignmentState.IN_PROGRESS),
    "mark_not_applicable": (OPEN_STATES, AssignmentState.NOT_APPLICABLE),
    "reopen": (
        frozenset({AssignmentState.COMPLETED, AssignmentState.NOT_APPLICABLE}),
        AssignmentState.IN_PROGRESS,
    ),
}


class TransitionError(ValueError):
    """Raised when `action` is unknown or not allowed from `state`."""

    def __init__(self, state: str, action: str) -> None:
        super().__init__(state, action)
        self.state = state
        self.action = action

    def __str__(self) -> str:
        return f"cannot {self.action!r} from state {self.state!r}"


def transition(state: AssignmentState | str, action: str) -> AssignmentState:
    """Return the state reached by `action` from `state`, or raise TransitionError."""
    rule = TRANSITIONS.get(action)
    if rule is None or state not in rule[0]:
        raise TransitionError(state, action)
    return rule[1]


def allowed_actions(state: AssignmentState | str) -> tuple[str, ...]:
    """Return the actions allowed from `state`, in TRANSITIONS order."""
    return tuple(action for action, (sources, _) in TRANSITIONS.items() if state in sources)


class TimeStatus(StrEnum):
    """How an assignment stands against its deadline."""

    NO_DEADLINE = "no_deadline"  # không hạn
    ON_TRACK = "on_track"  # trong hạn
    DUE_SOON = "due_soon"  # sắp đến hạn
    OVERDUE = "overdue"  # quá hạn
    COMPLETED_ON_TIME = "completed_on_time"  # hoàn thành đúng hạn
    COMPLETED_LATE = "completed_late"  # hoàn thành quá hạn
    NOT_APPLICABLE = "not_applicable"
    TRANSFERRED = "transferred"  # not counted: the successor's assignment is


_CLOSED_STATUSES = frozenset(
    {
        TimeStatus.COMPLETED_ON_TIME,
        TimeStatus.COMPLETED_LATE,
        TimeStatus.NOT_APPLICABLE,
        TimeStatus.TRANSFERRED,
    }
)


@dataclass(frozen=True, slots=True)
class StatusResult:
    """A time status with calendar days overdue and working days left where they apply."""

    status: TimeStatus
    days_overdue: int | None = None
    working_days_left: int | None = None

    @property
    def is_open(self) -> bool:
        """Return True unless the assignment is completed or not applicable."""
        return self.status not in _CLOSED_STATUSES


# Shared results for the branches that carry no numbers (reports compute ~1M of these).
_NOT_APPLICABLE = StatusResult(TimeStatus.NOT_APPLICABLE)
_TRANSFERRED = StatusResult(TimeStatus.TRANSFERRED)
_COMPLETED_ON_TIME = StatusResult(TimeStatus.COMPLETED_ON_TIME)
_NO_DEADLINE = StatusResult(TimeStatus.NO_DEADLINE)
_SUBMITTED_ON_TIME = StatusResult(TimeStatus.ON_TRACK)


def time_status(
    state: AssignmentState,
    due: date | None,
    submitted_on: date | None,
    today: date,
    calendar: WorkCalendar,
    due_soon_days: int = 3,
    *,
    rolls: bool = False,
) -> StatusResult:
    """Return the time status of one assignment on `today`.

    `due` is inclusive: an assignment is overdue only from the day after it. Completed and
    submitted assignments are judged at `submitted_on` (when the unit reported completion;
    None means today). Days overdue are calendar days, as official reports count them;
    working days left are `calendar.working_days_between(today, due)`, and an open assignment
    is due soon when at most `due_soon_days` of them remain (0 on the due day itself).

    With `rolls`, a due date on a day off ends at the end of the next working day (see
    `tracker.domain.days_off`): every comparison and count above uses that effective date.
    """
    if state == AssignmentState.NOT_APPLICABLE:
        return _NOT_APPLICABLE
    if state == AssignmentState.TRANSFERRED:
        return _TRANSFERRED
    if due is not None:
        due = effective_due(due, calendar, rolls)
    if state == AssignmentState.COMPLETED:
        if due is None:
            return _COMPLETED_ON_TIME
        late = ((submitted_on or today) - due).days
        if late <= 0:
            return _COMPLETED_ON_TIME
        return StatusResult(TimeStatus.COMPLETED_LATE, days_overdue=late)
    if due is None:
        return _NO_DEADLINE
    if state == AssignmentState.SUBMITTED:
        # The unit is not late for the time the coordinator takes to confirm.
        late = ((submitted_on or today) - due).days
        if late <= 0:
            return _SUBMITTED_ON_TIME
        return StatusResult(TimeStatus.OVERDUE, days_overdue=late)
    if today > due:
        return StatusResult(TimeStatus.OVERDUE, days_overdue=(today - due).days)
    left = calendar.working_days_between(today, due)
    status = TimeStatus.DUE_SOON if left <= due_soon_days else TimeStatus.ON_TRACK
    return StatusResult(status, working_days_left=left)
