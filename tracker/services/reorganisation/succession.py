"""Units in office on a day: who holds a unit's duties after mergers (its successor chain)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, union

from tracker.extensions import db
from tracker.models import Unit

# A successor chain longer than this is a data error (a cycle), not a real history.
_MAX_SUCCESSIONS = 20


@dataclass(frozen=True, slots=True)
class UnitFacts:
    id: int
    group: str
    kind: str
    active: bool
    valid_from: date | None
    valid_to: date | None
    successor_id: int | None

    def in_office(self, day: date) -> bool:
        """Return whether the unit is active and within its validity period on ``day``."""
        return (
            self.active
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_to is None or day <= self.valid_to)
        )


def load_units(*, successions_only: bool = False) -> dict[int, UnitFacts]:
    """Return every unit's facts by id (one query; a few thousand small rows), or with
    ``successions_only`` those of the units that merged into another and of the units they
    merged into (what ``office_holder`` walks; none before a reorganisation)."""
    query = select(
        Unit.id,
        Unit.group,
        Unit.kind,
        Unit.active,
        Unit.valid_from,
        Unit.valid_to,
        Unit.successor_id,
    )
    if successions_only:
        # Two index lookups joined by UNION, not one OR: an OR of the two conditions reads
        # every unit (thousands at commune level) on each report page to find the few merged.
        successors = select(Unit.successor_id).where(Unit.successor_id.is_not(None))
        query = union(
            query.where(Unit.successor_id.is_not(None)), query.where(Unit.id.in_(successors))
        )
    return {row.id: UnitFacts(*row) for row in db.session.execute(query)}


def office_holder(unit_id: int, units: dict[int, UnitFacts], day: date) -> int | None:
    """Return the unit in office on ``day`` that holds ``unit_id``'s duties: itself, or the
    first of its successors in office then; None when there is none."""
    unit = units.get(unit_id)
    for _step in range(_MAX_SUCCESSIONS):
        if unit is None or unit.in_office(day):
            break
        unit = units.get(unit.successor_id) if unit.successor_id else None
    return unit.id if unit is not None and unit.in_office(day) else None
