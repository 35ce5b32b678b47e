"""Who gets which notices of a sweep: one email per recipient, its notices grouped and ordered
(overdue, due today, due soon, returned for rework). Nobody is copied: coordinators read the
day's escalations in their daily digest (``coordinators``)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from tracker.domain.reminders.planning import RETURNED_PREFIX, Audience, Notice

R = TypeVar("R", bound=Hashable)


@dataclass(frozen=True, slots=True)
class GroupedNotices:
    """One recipient's notices, grouped and ordered for their email."""

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
        """Return the number of notices in the email."""
        return len(self.overdue) + len(self.due_today) + len(self.due_soon) + len(self.returned)

    def shown(self) -> GroupedNotices:
        """Return the groups as an email lists them: each assignment once per group (a focal
        point who is also the unit's head has its overdue notice and its escalation on the
        same day; the first in email order, the escalation, stands for both)."""
        return GroupedNotices(*(_first_each(g) for g in self._groups()))

    def _groups(self) -> tuple[tuple[Notice, ...], ...]:
        return self.overdue, self.due_today, self.due_soon, self.returned


def _first_each(notices: tuple[Notice, ...]) -> tuple[Notice, ...]:
    seen: set[int] = set()
    kept = []
    for n in notices:
        if n.assignment_id not in seen:
            seen.add(n.assignment_id)
            kept.append(n)
    return tuple(kept)


def _ids(n: Notice) -> tuple[int, int]:
    return n.task_id, n.assignment_id


def group_notices(notices: Iterable[Notice]) -> GroupedNotices:
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
    return GroupedNotices(tuple(overdue), tuple(today), tuple(soon), tuple(returned))


@dataclass(frozen=True, slots=True)
class ReminderEmail(Generic[R]):
    """One email of a sweep: its grouped notices, to one recipient."""

    to: R
    grouped: GroupedNotices


@dataclass(frozen=True, slots=True)
class Routing(Generic[R]):
    """A sweep's emails (one per recipient), the notices nobody can receive, which go to the
    task's coordinator instead (unit without active focal point, or without active head), and
    the escalations that reached a head, which the task's coordinator reads in the digest."""

    emails: tuple[ReminderEmail[R], ...]
    unreachable: tuple[Notice, ...]
    escalated: tuple[Notice, ...] = ()


def route_notices(
    notices: Iterable[Notice],
    focal_points: Mapping[int, Sequence[R]],
    heads: Mapping[int, R],
) -> Routing[R]:
    """Return one email per recipient grouping all of that person's notices.

    `focal_points` and `heads` map unit ids to *active* recipients only (the shell filters);
    a person who is several units' head, or a focal point and a head, is one recipient (the
    shell gives the same value for the same address) and gets one email. Emails come in the
    order their recipients first appear.
    """
    items: dict[R, list[Notice]] = {}
    unreachable: list[Notice] = []
    escalated: list[Notice] = []
    for n in notices:
        if n.audience == Audience.HEAD:
            head = heads.get(n.unit_id)
            if head is None:
                unreachable.append(n)
                continue
            items.setdefault(head, []).append(n)
            escalated.append(n)
        else:
            recipients = focal_points.get(n.unit_id) or ()
            if not recipients:
                unreachable.append(n)
            for person in recipients:
                items.setdefault(person, []).append(n)
    emails = tuple(ReminderEmail(person, group_notices(batch)) for person, batch in items.items())
    return Routing(emails, tuple(unreachable), tuple(escalated))
