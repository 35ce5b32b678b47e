"""Who gets which notices in one email, in what order, and when coordinators get theirs."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Generic, TypeVar

from tracker.domain.calendar import WorkCalendar
from tracker.domain.reminders.planning import RETURNED_PREFIX, AssignmentSnapshot, Audience, Notice
from tracker.domain.status import AssignmentState

R = TypeVar("R", bound=Hashable)
_OPEN = frozenset({AssignmentState.ASSIGNED, AssignmentState.IN_PROGRESS})


@dataclass(frozen=True, slots=True)
class Digest:
    """One recipient's notices, grouped and ordered for the email."""

    overdue: tuple[Notice, ...] = ()  # most overdue first
    due_today: tuple[Notice, ...] = ()
    due_soon: tuple[Notice, ...] = ()  # fewest working days left first
    returned: tuple[Notice, ...] = ()  # returned for rework, oldest return first

    @property
    def notices(self) -> tuple[Notice, ...]:
        """Return every notice, in email order (one ledger row each for the recipient)."""
        return self.overdue + self.due_today + self.due_soon + self.returned

    @property
    def counts(self) -> dict[str, int]:
        """Return the number of notices per group, for the subject line and summary."""
        return {
            "overdue": len(self.overdue),
            "due_today": len(self.due_today),
            "due_soon": len(self.due_soon),
            "returned": len(self.returned),
        }

    @property
    def total(self) -> int:
        """Return the number of notices in the digest."""
        return len(self.overdue) + len(self.due_today) + len(self.due_soon) + len(self.returned)


def _ids(n: Notice) -> tuple[int, int]:
    return n.task_id, n.assignment_id


def group_digest(notices: Iterable[Notice]) -> Digest:
    """Return one recipient's notices grouped: overdue, due today, due soon, returned for
    rework (a rework notice only in the last group, even when the assignment is late)."""
    overdue, today, soon, returned = [], [], [], []
    for n in notices:
        if n.stage.startswith(RETURNED_PREFIX):
            returned.append(n)
        elif n.days_overdue is not None:
            overdue.append(n)
        elif n.working_days_left == 0:
            today.append(n)
        else:
            soon.append(n)
    overdue.sort(key=lambda n: (-(n.days_overdue or 0), n.audience != Audience.HEAD, *_ids(n)))
    today.sort(key=_ids)
    soon.sort(key=lambda n: (n.working_days_left or 0, *_ids(n)))
    returned.sort(key=lambda n: (n.returned_on or date.min, *_ids(n)))
    return Digest(tuple(overdue), tuple(today), tuple(soon), tuple(returned))


@dataclass(frozen=True, slots=True)
class ReminderEmail(Generic[R]):
    """One email of a sweep: its digest, to one recipient, with coordinators in copy when it
    carries escalations."""

    to: R
    cc: tuple[R, ...]
    digest: Digest


@dataclass(frozen=True, slots=True)
class Routing(Generic[R]):
    """A sweep's emails (one per recipient) and the notices nobody can receive, which go to
    the task's coordinator instead (unit without active focal point, or without active head)."""

    emails: tuple[ReminderEmail[R], ...]
    unreachable: tuple[Notice, ...]


def route_notices(
    notices: Iterable[Notice],
    focal_points: Mapping[int, Sequence[R]],
    heads: Mapping[int, R],
    coordinators: Mapping[int, R],
) -> Routing[R]:
    """Return one email per recipient grouping all of that person's notices.

    `focal_points` and `heads` map unit ids to *active* users only (the shell filters);
    `coordinators` maps task ids to the coordinator copied on escalations. Emails come in
    the order their recipients first appear.
    """
    items: dict[R, list[Notice]] = {}
    copies: dict[R, dict[R, None]] = {}
    unreachable: list[Notice] = []
    for n in notices:
        if n.audience == Audience.HEAD:
            head = heads.get(n.unit_id)
            if head is None:
                unreachable.append(n)
                continue
            items.setdefault(head, []).append(n)
            coordinator = coordinators.get(n.task_id)
            if coordinator is not None and coordinator != head:
                copies.setdefault(head, {})[coordinator] = None
        else:
            recipients = focal_points.get(n.unit_id) or ()
            if not recipients:
                unreachable.append(n)
            for person in recipients:
                items.setdefault(person, []).append(n)
    emails = tuple(
        ReminderEmail(person, tuple(copies.get(person, ())), group_digest(batch))
        for person, batch in items.items()
    )
    return Routing(emails, tuple(unreachable))


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

    @property
    def is_empty(self) -> bool:
        """Return True when there is nothing to tell (no email is sent)."""
        return not (self.overdue or self.awaiting_confirmation or self.unreachable)


def coordinator_digest(
    snapshots: Iterable[AssignmentSnapshot], today: date, unreachable: Iterable[Notice] = ()
) -> CoordinatorDigest:
    """Return the daily digest of one coordinator's assignments: open ones past their due
    date, submissions awaiting confirmation, and the notices that reached nobody."""
    overdue: list[OverdueItem] = []
    awaiting: list[AssignmentSnapshot] = []
    for s in snapshots:
        if s.state == AssignmentState.SUBMITTED:
            awaiting.append(s)
        elif s.state in _OPEN and s.due is not None and s.due < today:
            overdue.append(OverdueItem(s, (today - s.due).days))
    overdue.sort(key=lambda o: (-o.days_overdue, o.assignment.task_id, o.assignment.id))
    awaiting.sort(key=lambda s: (s.submitted_on or date.min, s.task_id, s.id))
    return CoordinatorDigest(tuple(overdue), tuple(awaiting), tuple(unreachable))


def coordinator_digest_due(today: date, calendar: WorkCalendar, last_sent: date | None) -> bool:
    """Return True if the daily coordinator digest goes out today: working days, once a day."""
    return calendar.is_working_day(today) and (last_sent is None or last_sent < today)


def weekly_summary_due(today: date, calendar: WorkCalendar, last_sent: date | None) -> bool:
    """Return True if the weekly summary goes out today: on the first working day of an ISO
    week on which none was sent yet, so after downtime the next working day sends it once
    (and a week without working days has none)."""
    monday = today - timedelta(days=today.weekday())
    return calendar.is_working_day(today) and (last_sent is None or last_sent < monday)
