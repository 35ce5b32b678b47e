"""Planning a reorganisation: which open assignments of merged units move to the successor,
and which merge with an assignment the successor has (or is given) for the same task.

Rules (one successor, one task):
- the successor already has the task: every predecessor's open assignment is merged into
  it; the successor keeps its own state and due date, unless it had settled it (completed,
  or not applicable to it) while a predecessor's was still open. Then the obligation must
  not vanish with the merge: the successor's assignment goes back to "awaiting
  confirmation" (a completion) or to the predecessors' progress (not applicable), flagged
  for a coordinator to decide (``Review``);
- it has not: one assignment is created. From a single predecessor it is a copy (role,
  state, due dates, reported date). When several predecessors meet, the first (in the order
  the sources are given) creates it and the others merge into it, and it takes the least
  advanced state, the earliest due dates, the lead role if any of them led, and, when all
  had reported completion, the latest report date: nobody's obligation is lost or relaxed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from tracker.domain.status import AssignmentState

S = AssignmentState
# Least advanced first: a merged obligation is as far along as its slowest part.
PROGRESS = (S.ASSIGNED, S.IN_PROGRESS, S.SUBMITTED)
LEAD = "lead"


@dataclass(frozen=True, slots=True)
class OpenAssignment:
    """An open assignment of a unit that is being merged."""

    id: int
    task_id: int
    unit_id: int
    role: str
    state: str
    due_date: date | None
    original_due_date: date | None
    submitted_on: date | None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Creation:
    """An assignment to create for the successor; ``sources[0]`` moved, the rest merged."""

    task_id: int
    successor: int
    role: str
    state: str
    due_date: date | None
    original_due_date: date | None
    submitted_on: date | None
    sources: tuple[OpenAssignment, ...]


@dataclass(frozen=True, slots=True)
class Target:
    """The successor's own assignment of a task that open assignments merge into."""

    id: int
    state: str
    due_date: date | None
    submitted_on: date | None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Merge:
    """An open assignment merged into the successor's existing assignment ``target_id``."""

    source: OpenAssignment
    successor: int
    target_id: int


@dataclass(frozen=True, slots=True)
class Review:
    """A successor's settled assignment that merged open obligations unsettle: it takes
    ``state``, ``due_date`` and ``submitted_on`` and waits for a coordinator's decision."""

    target: Target
    successor: int
    task_id: int
    state: str
    due_date: date | None
    submitted_on: date | None
    sources: tuple[OpenAssignment, ...]


@dataclass(frozen=True)
class TransferPlan:
    """Every open assignment of the merged units, each either moved or merged."""

    creations: tuple[Creation, ...]
    merges: tuple[Merge, ...]
    reviews: tuple[Review, ...] = ()

    @property
    def moved(self) -> int:
        """Return how many open assignments moved (one per created assignment)."""
        return len(self.creations)

    @property
    def merged(self) -> int:
        """Return how many open assignments were merged into another one."""
        return len(self.merges) + sum(len(c.sources) - 1 for c in self.creations)


def _earliest(days: Iterable[date | None]) -> date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def combine(task_id: int, successor: int, parts: Sequence[OpenAssignment]) -> Creation:
    """Return the successor's new assignment for ``parts`` (non-empty, in source order)."""
    if not parts:
        raise ValueError("nothing to combine")
    state = min((S(p.state) for p in parts), key=PROGRESS.index)
    submitted = None
    if state == S.SUBMITTED:
        submitted = max((p.submitted_on for p in parts if p.submitted_on), default=None)
    return Creation(
        task_id=task_id,
        successor=successor,
        role=LEAD if any(p.role == LEAD for p in parts) else parts[0].role,
        state=state.value,
        due_date=_earliest(p.due_date for p in parts),
        original_due_date=_earliest(p.original_due_date for p in parts),
        submitted_on=submitted,
        sources=tuple(parts),
    )


def review(
    target: Target, task_id: int, successor: int, parts: Sequence[OpenAssignment]
) -> Review | None:
    """Return how the successor's assignment ``target`` changes when the open ``parts``
    merge into it, or None when it stays as it is (it is open itself: it already carries
    the obligation). A completion goes back to awaiting confirmation, keeping its report
    date, so that a coordinator confirms it covers the merged units or returns it; an
    assignment that did not apply to the successor takes the merged ones' progress and
    earliest due date."""
    if not parts:
        raise ValueError("nothing merged")
    if target.state == S.COMPLETED:
        return Review(
            target,
            successor,
            task_id,
            S.SUBMITTED.value,
            target.due_date,
            target.submitted_on,
            tuple(parts),
        )
    if target.state == S.NOT_APPLICABLE:
        merged = combine(task_id, successor, parts)
        return Review(
            target,
            successor,
            task_id,
            merged.state,
            merged.due_date,
            merged.submitted_on,
            tuple(parts),
        )
    return None


def plan_transfers(
    open_assignments: Iterable[OpenAssignment],
    successor_of: Mapping[int, int],
    existing: Mapping[tuple[int, int], Target],
    source_order: Sequence[int],
) -> TransferPlan:
    """Return what becomes of each open assignment of the merged units.

    ``successor_of`` maps each merged unit to its successor; ``existing`` maps (task,
    successor) to the successor's assignment for that task, if it has one; ``source_order``
    lists the merged units, the first of them creating a shared assignment.
    """
    rank = {unit_id: i for i, unit_id in enumerate(source_order)}
    ordered = sorted(open_assignments, key=lambda a: (rank.get(a.unit_id, len(rank)), a.id))
    groups: dict[tuple[int, int], list[OpenAssignment]] = {}
    merged_into: dict[tuple[int, int], list[OpenAssignment]] = {}
    merges: list[Merge] = []
    for assignment in ordered:
        successor = successor_of[assignment.unit_id]
        key = (assignment.task_id, successor)
        if key in existing:
            merges.append(Merge(assignment, successor, existing[key].id))
            merged_into.setdefault(key, []).append(assignment)
        else:
            groups.setdefault(key, []).append(assignment)
    creations = tuple(combine(task, unit, parts) for (task, unit), parts in groups.items())
    reviews = [
        review(existing[task, unit], task, unit, parts)
        for (task, unit), parts in merged_into.items()
    ]
    return TransferPlan(creations, tuple(merges), tuple(r for r in reviews if r is not None))
