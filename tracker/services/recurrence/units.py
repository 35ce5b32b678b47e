"""Which units a recurring task goes to: a stored selection (whole groups, kinds, single
units) resolved anew for each period, so that after a reorganisation new periods go to the
units in office then, and a unit chosen by name is followed to its successor."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Unit, UnitGroup, UnitKind
from tracker.services.errors import ServiceError
from tracker.services.reorganisation.succession import UnitFacts, office_holder
from tracker.services.tasks.assigning import UnitSelection


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


def resolve(selection: UnitSelection, units: dict[int, UnitFacts], day: date) -> list[int]:
    """Return the ids of the units the selection means on ``day``: units of the chosen
    groups and kinds in office then, and each chosen unit or, if it is gone, its successor."""
    chosen = {
        u.id
        for u in units.values()
        if (u.group in selection.groups or u.kind in selection.kinds) and u.in_office(day)
    }
    for unit_id in selection.unit_ids:
        holder = office_holder(unit_id, units, day)
        if holder is not None:
            chosen.add(holder)
    return sorted(chosen)
