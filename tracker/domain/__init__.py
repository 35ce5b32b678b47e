"""Pure domain layer: working-day calendar, deadline parsing, statuses and report counts.

Imports only the standard library and `holidays`; callers pass `today` explicitly.
"""

from tracker.domain.aggregate import Buckets, GroupProgress, count_buckets, progress_by_group
from tracker.domain.calendar import WorkCalendar
from tracker.domain.deadlines import (
    ACCEPTED_FORMS,
    Deadline,
    DeadlineError,
    format_date,
    parse_deadline,
)
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

__all__ = [
    "ACCEPTED_FORMS",
    "OPEN_STATES",
    "TRANSITIONS",
    "AssignmentState",
    "Buckets",
    "Deadline",
    "DeadlineError",
    "GroupProgress",
    "StatusResult",
    "TimeStatus",
    "TransitionError",
    "WorkCalendar",
    "allowed_actions",
    "count_buckets",
    "format_date",
    "parse_deadline",
    "progress_by_group",
    "time_status",
    "transition",
]
