"""Which units a recurring task goes to: a stored selection (whole groups, kinds, single
units) resolved anew for each period, so that after a reorganisation new periods go to the
units in office then, and a unit chosen by name is followed to its successor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Unit, UnitGroup, UnitKind
from tracker.services.errors import ServiceError
from tracker.services.task_assignments import UnitSelection

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


def check_selection(selection: UnitSelection) -> None:
    """Refuse (ServiceError) an empty selection, unknown groups or kinds, and single units
    that do not exist or are no longer active (one query)."""
    if selection.is_empty():
        raise ServiceError(_l("Choose at least one group or unit."))
    if not selection.groups <= {g.value for g in UnitGroup} or not selection.kinds <= {
        k.value for k in UnitKind
    }:
        raise ServiceError(_l("Unknown group or kind of unit."))
    if selection.unit_ids:
        found = set(
            db.session.scalars(
                select(Unit.id).where(Unit.id.in_(selection.unit_ids), Unit.active.is_(True))
            )
        )
        if found != set(selection.unit_ids):
            raise ServiceError(_l("Some of the chosen units do not exist or are no longer active."))


def load_units() -> dict[int, UnitFacts]:
    """Return every unit's facts by id (one query; a few thousand small rows)."""
    rows = db.session.execute(
        select(
            Unit.id,
            Unit.group,
            Unit.kind,
            Unit.active,
            Unit.valid_from,
            Unit.valid_to,
            Unit.successor_id,
        )
    ).all()
    return {row.id: UnitFacts(*row) for row in rows}


def resolve(selection: UnitSelection, units: dict[int, UnitFacts], day: date) -> list[int]:
    """Return the ids of the units the selection means on ``day``: units of the chosen
    groups and kinds in office then, and each chosen unit or, if it is gone, its successor."""
    chosen = {
        u.id
        for u in units.values()
        if (u.group in selection.groups or u.kind in selection.kinds) and u.in_office(day)
    }
    for unit_id in selection.unit_ids:
        unit = units.get(unit_id)
        for _step in range(_MAX_SUCCESSIONS):
            if unit is None or unit.in_office(day):
                break
            unit = units.get(unit.successor_id) if unit.successor_id else None
        if unit is not None and unit.in_office(day):
            chosen.add(unit.id)
    return sorted(chosen)
