"""The figures reports are made of: per task, per unit, and overdue ageing.

Services fill these from the database (statuses reconstructed as of a date); narrative,
charts and exports read them. Nothing here touches the database or the framework.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date

from tracker.domain.aggregate import Buckets

CENTRAL = "central"  # bộ, ngành
LOCAL = "local"  # địa phương
GROUPS = (CENTRAL, LOCAL)

# Overdue ageing bands in calendar days overdue: (label, first day, last day or None).
AGEING_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("1-7", 1, 7),
    ("8-30", 8, 30),
    ("31-90", 31, 90),
    ("90+", 91, None),
)


def ageing_band(days_overdue: int) -> str | None:
    """Return the label of the ageing band ``days_overdue`` falls in (None when not overdue)."""
    for label, first, last in AGEING_BANDS:
        if days_overdue >= first and (last is None or days_overdue <= last):
            return label
    return None


@dataclass(frozen=True, slots=True)
class UnitRef:
    """A unit as reports name it."""

    id: int
    code: str
    name: str
    group: str  # CENTRAL or LOCAL
    name_en: str | None = None  # shown in English when known


@dataclass(frozen=True)
class TaskFigures:
    """One task's standing on the report date: buckets per reporting group and the units
    whose (applicable) assignment is not completed yet, ordered by group then name."""

    task_id: int
    title: str
    deadline: date | None
    deadline_wording: str
    field: str
    priority: bool
    by_group: dict[str, Buckets]  # keys CENTRAL, LOCAL; a group the task is not given to is absent
    missing: tuple[UnitRef, ...] = ()
    # When the deadline falls on a day off and rolls: the next working day (else None).
    effective_deadline: date | None = None

    def group(self, name: str) -> Buckets:
        """Return the buckets of one reporting group (empty when the task has none there)."""
        return self.by_group.get(name, Buckets())

    @functools.cached_property
    def total(self) -> Buckets:
        """Return the buckets over both groups (added up once: reports read it per row)."""
        return Buckets.sum(self.by_group.values())


@dataclass(frozen=True)
class UnitScore:
    """One unit's scorecard over its assignments on the report date."""

    unit: UnitRef
    buckets: Buckets
    days_late_sum: int = 0  # calendar days late, over assignments completed late or overdue
    days_late_count: int = 0

    @property
    def average_days_late(self) -> float | None:
        """Return the average days late of its late assignments (None when none is late)."""
        return self.days_late_sum / self.days_late_count if self.days_late_count else None


@dataclass(frozen=True)
class ProgrammeFigures:
    """Everything a report states for a set of tasks on one date."""

    as_of: date
    tasks: tuple[TaskFigures, ...]
    ageing: dict[str, int] = field(default_factory=dict)  # band label -> open overdue count

    @functools.cached_property
    def total(self) -> Buckets:
        """Return the buckets over every task (added up once)."""
        return Buckets.sum(t.total for t in self.tasks)
