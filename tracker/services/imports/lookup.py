"""Finding units by code in memory: every unit is loaded once, whatever the file's length."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Unit


def code_key(code: str) -> str:
    """Return the form codes are matched in: upper case, and numeric codes without leading
    zeros (a spreadsheet turns the province code "01" into the number 1)."""
    code = code.strip().upper()
    if code.isdigit():
        return code.lstrip("0") or "0"
    return code


def valid_on(unit, day: date) -> bool:
    """Return whether the unit's (or planned unit's) active period contains ``day``."""
    return (unit.valid_from is None or unit.valid_from <= day) and (
        unit.valid_to is None or day <= unit.valid_to
    )


class UnitDirectory:
    """Every unit by code key, loaded in one query; finds the unit a code means today."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.units: list[Unit] = list(db.session.scalars(select(Unit)))
        self.by_key: dict[str, list[Unit]] = defaultdict(list)
        self._groups: dict[str | None, list[Unit]] = {}
        for unit in self.units:
            self.by_key[code_key(unit.code)].append(unit)

    def find(self, code: str) -> tuple[Unit | None, str | None]:
        """Return (the unit with ``code`` valid today, None) or (None, why not)."""
        found = [u for u in self.by_key.get(code_key(code), []) if valid_on(u, self.today)]
        if len(found) != 1:
            return None, _("Unknown unit code “%(code)s”.", code=code)
        return found[0], None

    def assignable(self, code: str) -> tuple[Unit | None, str | None]:
        """Return (the active unit ``code`` means today, None) or (None, why it cannot
        receive tasks or focal points)."""
        unit, problem = self.find(code)
        if unit is not None and not unit.active:
            return None, _("The unit “%(code)s” is no longer active.", code=code)
        return unit, problem

    def active_in(self, group: str | None) -> list[Unit]:
        """Return the active units of ``group`` (every active unit when None)."""
        if group not in self._groups:
            self._groups[group] = [
                u for u in self.units if u.active and (group is None or u.group == group)
            ]
        return self._groups[group]
