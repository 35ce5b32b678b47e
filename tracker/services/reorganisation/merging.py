"""Merging units into a successor: preview what a plan would do, apply it, or merge a few
units in one call; every change of a plan is written in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tracker.domain.localtime import local_date
from tracker.models import Role, User
from tracker.services.access import require_role
from tracker.services.reorganisation import apply
from tracker.services.reorganisation.plan import (
    MergeCounts,
    Merger,
    NewUnit,
    Plan,
    ReviewRef,
    UnitRef,
)
from tracker.services.reorganisation.resolution import resolve


@dataclass
class ReorganisationResult:
    """What a plan does (preview) or did (applied), merger by merger."""

    effective: date
    mergers: list[MergeCounts]
    renamed: list[UnitRef]
    task_titles: dict[int, str]
    applied: bool

    def total(self, name: str) -> int:
        """Return the sum of one count (``moved``, ``merged``, ``users``...) over the mergers."""
        return sum(getattr(m, name) for m in self.mergers)

    @property
    def reviews(self) -> list[ReviewRef]:
        """Return the successors' settled assignments put back for a coordinator's decision."""
        return [review for m in self.mergers for review in m.reviews]

    @property
    def closed_units(self) -> int:
        """Return how many units merged into a successor."""
        return sum(len(m.sources) for m in self.mergers)

    def by_task(self) -> dict[int, tuple[int, int]]:
        """Return (moved, merged) per task id over every merger."""
        totals: dict[int, list[int]] = {}
        for merger in self.mergers:
            for task_id, (moved, merged) in merger.by_task.items():
                pair = totals.setdefault(task_id, [0, 0])
                pair[0] += moved
                pair[1] += merged
        return {task_id: (a, b) for task_id, (a, b) in totals.items()}


def _check_actor(actor: User | None) -> None:
    # None is the command line, run by whoever administers the server.
    if actor is not None:
        require_role(actor, Role.ADMIN)


def _result(resolved, applied: bool) -> ReorganisationResult:
    renamed = [
        UnitRef(r.unit_id, resolved.units[r.unit_id].code, r.name)
        for r in resolved.plan.renames
        if resolved.units[r.unit_id].name != r.name or resolved.units[r.unit_id].kind != r.kind
    ]
    return ReorganisationResult(
        resolved.plan.effective, resolved.counts, renamed, resolved.task_titles, applied
    )


def preview_plan(
    plan: Plan, *, actor: User | None, now: datetime, zone: ZoneInfo
) -> ReorganisationResult:
    """Return what applying ``plan`` would do; changes nothing (ServiceError if it cannot).
    ``zone`` is the programme's time zone, in which ``now`` falls on today."""
    _check_actor(actor)
    return _result(resolve(plan, local_date(now, zone)), applied=False)


def apply_plan(
    plan: Plan, *, actor: User | None, now: datetime, zone: ZoneInfo
) -> ReorganisationResult:
    """Apply every merger and renaming of ``plan`` in one transaction and return the counts;
    a refusal (ServiceError) or a concurrent change (StaleEdit) changes nothing. The plan
    takes effect at the start of its day in ``zone``, the programme's time zone."""
    _check_actor(actor)
    resolved = resolve(plan, local_date(now, zone))
    result = _result(resolved, applied=True)  # before the renaming changes the names
    apply.write(resolved, actor, now, zone)
    return result


def merge_units(
    sources: list[int] | tuple[int, ...],
    successor: int | NewUnit,
    effective: date,
    *,
    actor: User | None,
    now: datetime,
    zone: ZoneInfo,
) -> ReorganisationResult:
    """Merge the units ``sources`` (ids) into ``successor`` (a unit id, or a new unit) from
    ``effective`` on (not after today); return the counts of what moved."""
    plan = Plan(effective, (Merger(tuple(sources), successor),))
    return apply_plan(plan, actor=actor, now=now, zone=zone)
