"""Reorganisation plans: which units merge into which successor from which day, and the
counts of what a plan moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class NewUnit:
    """A successor unit to create, in force from the reorganisation's day."""

    code: str
    name: str
    kind: str
    short_name: str | None = None
    name_en: str | None = None
    head_email: str | None = None


@dataclass(frozen=True)
class Merger:
    """Units (ids, the first creating shared assignments) merged into one successor."""

    sources: tuple[int, ...]
    successor: int | NewUnit


@dataclass(frozen=True)
class Rename:
    """A unit that continues under a new name (and kind), e.g. Thừa Thiên Huế → Huế."""

    unit_id: int
    name: str
    kind: str
    short_name: str | None = None
    name_en: str | None = None


@dataclass(frozen=True)
class Plan:
    """Every merger and renaming taking effect on one day: applied in one transaction."""

    effective: date
    mergers: tuple[Merger, ...]
    renames: tuple[Rename, ...] = ()


@dataclass(frozen=True)
class UnitRef:
    id: int | None  # None: a successor not created yet (preview)
    code: str
    name: str


@dataclass(frozen=True)
class ReviewRef:
    """A successor's settled assignment that merged open obligations put back for review:
    its state before (``was``) and after (``becomes``), and the units whose obligation it
    now carries."""

    task_id: int
    was: str
    becomes: str
    sources: list[str]


@dataclass
class MergeCounts:
    """What one merger does: open assignments moved or merged, focal points moved."""

    successor: UnitRef
    created_unit: bool
    sources: list[UnitRef]
    open_before: int = 0
    moved: int = 0
    merged: int = 0
    users: int = 0
    extensions_closed: int = 0
    by_task: dict[int, list[int]] = field(default_factory=dict)  # task id -> [moved, merged]
    reviews: list[ReviewRef] = field(default_factory=list)
