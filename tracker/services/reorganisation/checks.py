"""The checks a plan passes before anything is written: each refusal is a ServiceError in
the acting user's language, and nothing has changed."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import date, timedelta
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.i18n import format_day
from tracker.models import Unit
from tracker.services.admin.units import UnitFields, check_code_free, clean_unit_fields
from tracker.services.errors import ServiceError
from tracker.services.reorganisation.plan import NewUnit, Plan


def in_force(unit: Unit, day: date) -> bool:
    """Return whether ``unit`` is in force on ``day``."""
    return (unit.valid_from is None or unit.valid_from <= day) and (
        unit.valid_to is None or unit.valid_to >= day
    )


def check_sources(plan: Plan, units: dict[int, Unit], source_ids: list[int]) -> None:
    eve = plan.effective - timedelta(days=1)
    if any(not m.sources for m in plan.mergers) or not (plan.mergers or plan.renames):
        raise ServiceError(_("Choose the units to merge."))
    if any(uid not in units for uid in source_ids):
        raise ServiceError(_("Some of the chosen units do not exist."))
    for uid, n in Counter(source_ids).items():
        if n > 1:
            raise ServiceError(_("%(unit)s is chosen twice.", unit=units[uid].name))
    for uid in source_ids:
        unit = units[uid]
        if unit.successor_id is not None:
            raise ServiceError(
                _(
                    "%(unit)s has already been merged into %(successor)s.",
                    unit=unit.name,
                    successor=unit.successor.name,
                )
            )
        if not in_force(unit, eve):
            raise ServiceError(
                _("%(unit)s was not in force on %(day)s.", unit=unit.name, day=format_day(eve))
            )


def check_successor(plan: Plan, unit: Unit | None, source_ids: list[int]) -> None:
    if unit is None:
        raise ServiceError(_("Choose the successor: an existing unit or a new one."))
    if unit.id in source_ids:
        raise ServiceError(_("%(unit)s cannot be merged into itself.", unit=unit.name))
    if unit.successor_id is not None:
        raise ServiceError(
            _(
                "%(unit)s has been merged into %(successor)s: choose that unit as the successor.",
                unit=unit.name,
                successor=unit.successor.name,
            )
        )
    if not in_force(unit, plan.effective):
        day = format_day(plan.effective)
        raise ServiceError(_("%(unit)s is not in force on %(day)s.", unit=unit.name, day=day))
    if not unit.active:
        raise ServiceError(
            _("%(unit)s is deactivated: reactivate it or choose another successor.", unit=unit.name)
        )


def new_unit_fields(plan: Plan, units: dict[int, Unit], source_ids: list[int]) -> dict:
    """Return the cleaned fields of each new successor by merger index; refuses taken codes."""
    cleaned = {
        i: clean_unit_fields(UnitFields(**asdict(m.successor), valid_from=plan.effective))
        for i, m in enumerate(plan.mergers)
        if isinstance(m.successor, NewUnit)
    }
    codes = Counter(f.code for f in cleaned.values())
    for code, n in codes.items():
        if n > 1:
            raise ServiceError(_("Two new units would have the code %(code)s.", code=code))
    if not cleaned:
        return cleaned
    same_code = db.session.scalars(select(Unit).where(func.upper(Unit.code).in_(list(codes))))
    eve = plan.effective - timedelta(days=1)
    # The merged units end the day before: their codes are free from the effective day.
    planned = [
        SimpleNamespace(
            code=u.code.upper(),
            name=u.name,
            valid_from=u.valid_from,
            valid_to=eve if u.id in source_ids else u.valid_to,
        )
        for u in same_code
    ]
    for fields in cleaned.values():
        check_code_free(fields, [p for p in planned if p.code == fields.code])
    return cleaned
