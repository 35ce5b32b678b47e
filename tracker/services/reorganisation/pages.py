"""What the pages show of a reorganisation: predecessors, transfers, the merge form's units."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import Assignment, Unit


@dataclass(frozen=True)
class Predecessor:
    """A unit merged into this one; ``formed`` when this unit was created by the merger."""

    unit: Unit
    merged_on: date | None
    formed: bool


def predecessors(unit: Unit) -> list[Predecessor]:
    """Return the units merged into ``unit``, oldest merger first (one query)."""
    rows = db.session.scalars(
        select(Unit).where(Unit.successor_id == unit.id).order_by(Unit.valid_to, Unit.sort_name)
    ).all()
    result = []
    for row in rows:
        merged_on = row.valid_to + timedelta(days=1) if row.valid_to else None
        formed = unit.valid_from is not None and merged_on == unit.valid_from
        result.append(Predecessor(row, merged_on, formed))
    return result


def merged_on(unit: Unit) -> date | None:
    """Return the day ``unit`` merged into its successor (the day after it ended)."""
    if unit.successor_id is None or unit.valid_to is None:
        return None
    return unit.valid_to + timedelta(days=1)


@dataclass
class Transfers:
    """Where an assignment went in a reorganisation, and which ones came into it."""

    to: Assignment | None = None
    sources: list[Assignment] = field(default_factory=list)


def transfers_of(assignment: Assignment) -> Transfers:
    """Return the assignment's transfer links, each with its unit (one query)."""
    condition = Assignment.transferred_to_id == assignment.id
    if assignment.transferred_to_id is not None:
        condition = or_(condition, Assignment.id == assignment.transferred_to_id)
    rows = db.session.scalars(
        select(Assignment)
        .options(joinedload(Assignment.unit))
        .where(condition)
        .order_by(Assignment.id)
    ).all()
    result = Transfers()
    for row in rows:
        if row.id == assignment.transferred_to_id:
            result.to = row
        else:
            result.sources.append(row)
    return result


def mergeable_units() -> list[tuple[int, str]]:
    """Return the units that can merge or take over, as (id, "name (code)"): those not
    merged already, in list order (one query)."""
    rows = db.session.execute(
        select(Unit.id, Unit.name, Unit.code)
        .where(Unit.successor_id.is_(None))
        .order_by(Unit.group, Unit.sort_name, Unit.valid_from)
    )
    return [(uid, f"{name} ({code})") for uid, name, code in rows]
