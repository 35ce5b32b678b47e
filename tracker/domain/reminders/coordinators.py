"""What coordinators receive: the daily digest of their tasks (overdue work, the day's
escalations to unit heads, reports awaiting confirmation, notices that reached nobody) and
when the daily digest and the weekly summary go out. Coordinators are never copied on the
escalations themselves: the digest is their one email of the sweep."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.domain.calendar import WorkCalendar
from tracker.domain.reminders.planning import AssignmentSnapshot, Audience, Notice
from tracker.domain.status import AssignmentState

_OPEN = frozenset({AssignmentState.ASSIGNED, AssignmentState.IN_PROGRESS})


@dataclass(frozen=True, slots=True)
class OverdueItem:
    """An open assignment past its due date, for the coordinator."""

    assignment: AssignmentSnapshot
    days_overdue: int


@dataclass(frozen=True, slots=True)
class CoordinatorDigest:
    """A coordinator's daily items; the shell adds pending extension requests."""

    overdue: tuple[OverdueItem, ...] = ()  # most overdue first
    awaiting_confirmation: tuple[AssignmentSnapshot, ...] = ()  # longest waiting first
    unreachable: tuple[Notice, ...] = ()
    escalated: tuple[Notice, ...] = ()  # escalated to unit heads today, most overdue first

    @property
    def is_empty(self) -> bool:
        """Return True when there is nothing to tell (no email is sent)."""
        return not (
            self.overdue or self.awaiting_confirmation or self.unreachable or self.escalated
        )


def coordinator_digest(
    snapshots: Iterable[AssignmentSnapshot],
    today: date,
    unreachable: Iterable[Notice] = (),
    escalated: Iterable[Notice] = (),
    effective: Callable[[int, date], date] | None = None,
) -> CoordinatorDigest:
    """Return the daily digest of one coordinator's assignments: open ones past their due
    date, the escalations sent to unit heads today (each unit and task once), submissions
    awaiting confirmation, and the notices that reached nobody. ``effective(task id, due)``
    gives the effective deadline of a due date (one on a day off may roll)."""
    overdue: list[OverdueItem] = []
    awaiting: list[AssignmentSnapshot] = []
    for s in snapshots:
        if s.state == AssignmentState.SUBMITTED:
            awaiting.append(s)
        elif s.state in _OPEN and s.due is not None:
            due = s.due if effective is None else effective(s.task_id, s.due)
            if due < today:
                overdue.append(OverdueItem(s, (today - due).days))
    overdue.sort(key=lambda o: (-o.days_overdue, o.assignment.task_id, o.assignment.id))
    awaiting.sort(key=lambda s: (s.submitted_on or date.min, s.task_id, s.id))
    return CoordinatorDigest(
        tuple(overdue), tuple(awaiting), tuple(unreachable), _escalations(escalated)
    )


def _escalations(notices: Iterable[Notice]) -> tuple[Notice, ...]:
    """Return each escalated assignment once, most overdue first, then by task and unit."""
    once = {n.assignment_id: n for n in notices if n.audience == Audience.HEAD}
    return tuple(
        sorted(once.values(), key=lambda n: (-(n.days_overdue or 0), n.task_id, n.unit_id))
    )


def coordinator_digest_due(today: date, calendar: WorkCalendar, last_sent: date | None) -> bool:
    """Return True if the daily coordinator digest goes out today: working days, once a day."""
    return calendar.is_working_day(today) and (last_sent is None or last_sent < today)


def weekly_summary_due(today: date, calendar: WorkCalendar, last_sent: date | None) -> bool:
    """Return True if the weekly summary goes out today: on the first working day of an ISO
    week on which none was sent yet, so after downtime the next working day sends it once
    (and a week without working days has none)."""
    monday = today - timedelta(days=today.weekday())
    return calendar.is_working_day(today) and (last_sent is None or last_sent < monday)
