"""Counting assignments into the buckets official progress reports use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tracker.domain.status import AssignmentState, StatusResult, TimeStatus


@dataclass(frozen=True, slots=True)
class Buckets:
    """Counts of assignments per reporting bucket; every assignment is in exactly one of
    not_applicable, completed_on_time, completed_late, open_on_track and open_overdue.

    `awaiting_confirmation` (submitted, not yet confirmed) is a subset of the two open counts.
    """

    total: int = 0
    not_applicable: int = 0
    completed_on_time: int = 0
    completed_late: int = 0
    open_on_track: int = 0  # includes due soon and no deadline
    open_overdue: int = 0
    awaiting_confirmation: int = 0

    def __add__(self, other: Buckets) -> Buckets:
        """Return the buckets of both sets of assignments together."""
        if not isinstance(other, Buckets):
            return NotImplemented
        return Buckets(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    @classmethod
    def sum(cls, many: Iterable[Buckets]) -> Buckets:
        """Return the buckets of all of ``many`` together (a report adds up hundreds of
        tasks' groups per request: written out, it takes a third of a generic sum's time)."""
        total = na = on_time = late = on_track = overdue = awaiting = 0
        for b in many:
            total += b.total
            na += b.not_applicable
            on_time += b.completed_on_time
            late += b.completed_late
            on_track += b.open_on_track
            overdue += b.open_overdue
            awaiting += b.awaiting_confirmation
        return cls(total, na, on_time, late, on_track, overdue, awaiting)

    @property
    def completed(self) -> int:
        """Return the number of completed assignments, on time or late."""
        return self.completed_on_time + self.completed_late

    @property
    def open(self) -> int:
        """Return the number of open assignments (including those awaiting confirmation)."""
        return self.open_on_track + self.open_overdue

    @property
    def due(self) -> int:
        """Return the number of assignments already due: completed plus open overdue."""
        return self.completed + self.open_overdue

    @property
    def applicable(self) -> int:
        """Return the number of assignments that are not marked not applicable."""
        return self.total - self.not_applicable

    @property
    def completion_rate(self) -> float | None:
        """Return completed / due (0.0–1.0), or None when nothing is due yet."""
        due = self.due
        return self.completed / due if due else None


def _values(buckets: Buckets) -> tuple[int, ...]:
    return (
        buckets.total,
        buckets.not_applicable,
        buckets.completed_on_time,
        buckets.completed_late,
        buckets.open_on_track,
        buckets.open_overdue,
        buckets.awaiting_confirmation,
    )


def count_buckets(items: Iterable[tuple[AssignmentState, StatusResult]]) -> Buckets:
    """Return the buckets for (state, time status) pairs as produced by `time_status`.

    Transferred assignments are left out: their successor's assignment is counted instead.

    The bucket comes from the time status; the state only marks submitted assignments as
    awaiting confirmation.
    """
    counts = dict.fromkeys(TimeStatus, 0)
    total = awaiting = 0
    for state, result in items:
        if result.status == TimeStatus.TRANSFERRED:
            continue
        total += 1
        counts[result.status] += 1
        if state == AssignmentState.SUBMITTED:
            awaiting += 1
    return Buckets(
        total=total,
        not_applicable=counts[TimeStatus.NOT_APPLICABLE],
        completed_on_time=counts[TimeStatus.COMPLETED_ON_TIME],
        completed_late=counts[TimeStatus.COMPLETED_LATE],
        open_on_track=(
            counts[TimeStatus.ON_TRACK]
            + counts[TimeStatus.DUE_SOON]
            + counts[TimeStatus.NO_DEADLINE]
        ),
        open_overdue=counts[TimeStatus.OVERDUE],
        awaiting_confirmation=awaiting,
    )


@dataclass(frozen=True, slots=True)
class GroupProgress:
    """Completed (`done`) out of `total` applicable assignments for one group of units."""

    group: str
    done: int
    total: int

    @property
    def rate(self) -> float | None:
        """Return done / total (0.0–1.0), or None for an empty group."""
        return self.done / self.total if self.total else None


def progress_by_group(rows: Iterable[tuple[str, bool]]) -> dict[str, GroupProgress]:
    """Return progress per group ("central" ministries, "local" provinces) from
    (group, is_completed) rows, in order of first appearance; the caller drops
    not-applicable rows.
    """
    done: dict[str, int] = {}
    total: dict[str, int] = {}
    for group, is_done in rows:
        total[group] = total.get(group, 0) + 1
        done[group] = done.get(group, 0) + (1 if is_done else 0)
    return {group: GroupProgress(group, done[group], n) for group, n in total.items()}
