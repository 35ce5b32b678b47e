"""The working-day calendar's official overrides: one row per day an official notice changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.domain.calendar import WorkCalendar
from tracker.extensions import db
from tracker.i18n import format_day, language
from tracker.models import CalendarOverride, Role, User
from tracker.services import events
from tracker.services.access import NOT_FOUND, require_role
from tracker.services.errors import NotFound, ServiceError
from tracker.services.rollups import units as unit_counts

FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class CalendarDay:
    """A day the package or an override makes special; ``working`` is what is in force."""

    day: date
    holiday: str | None  # the package's name of the holiday, if any
    package_working: bool  # what the day is without overrides
    override: CalendarOverride | None

    @property
    def working(self) -> bool:
        return self.override.is_working if self.override else self.package_working

    @property
    def swapped_workday(self) -> bool:
        """A Saturday or Sunday the package makes a working day (in exchange for a bridge day)."""
        return self.day.weekday() >= 5 and self.package_working


def year_days(actor: User, year: int) -> list[CalendarDay]:
    """Return, in date order, the year's holidays and swapped days from the package and
    every override (two queries at most)."""
    require_role(actor, Role.ADMIN)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound(NOT_FOUND)
    overrides = {
        row.day: row
        for row in db.session.scalars(
            select(CalendarOverride).where(
                CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31)
            )
        )
    }
    package = WorkCalendar()
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        working = package.is_working_day(day)
        name = package.holiday_name(day, language())
        weekend = day.weekday() >= 5
        if name or day in overrides or (weekend and working) or (not weekend and not working):
            days.append(CalendarDay(day, name, working, overrides.get(day)))
        day += timedelta(days=1)
    return days


def add_override(
    actor: User, now: datetime, *, day: date, is_working: bool, note: str
) -> CalendarOverride:
    """Make ``day`` a working day or a day off by official notice; one override per day."""
    require_role(actor, Role.ADMIN)
    note = (note or "").strip()
    if not note:
        raise ServiceError(_l("Enter the official notice this change comes from."))
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ServiceError(
            _l("Choose a day between %(first)s and %(last)s.", first=FIRST_YEAR, last=LAST_YEAR)
        )
    if db.session.scalar(select(CalendarOverride.id).where(CalendarOverride.day == day)):
        raise ServiceError(
            _l(
                "%(day)s already has an override: delete it first.",
                day=format_day(day),
            )
        )
    override = CalendarOverride(day=day, is_working=is_working, note=note, created_at=now)
    db.session.add(override)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise ServiceError(
            _l("%(day)s already has an override: delete it first.", day=format_day(day))
        ) from error
    events.record(
        "calendar_override_added",
        actor=actor,
        now=now,
        target=f"calendar:{day.isoformat()}",
        note=note,
        data={"working": is_working},
    )
    _recount()
    db.session.commit()
    return override


def delete_override(actor: User, now: datetime, override_id: int) -> date:
    """Remove an override (the package's rule applies again); return its day."""
    require_role(actor, Role.ADMIN)
    override = db.session.get(CalendarOverride, override_id)
    if override is None:
        raise NotFound(NOT_FOUND)
    day = override.day
    events.record(
        "calendar_override_deleted",
        actor=actor,
        now=now,
        target=f"calendar:{day.isoformat()}",
        note=override.note,
        data={"working": override.is_working},
    )
    db.session.delete(override)
    db.session.flush()
    _recount()
    db.session.commit()
    return day


def _recount() -> None:
    """Judge deadlines on days off in the per-unit counts with the changed calendar (under
    the rule they are kept under)."""
    unit_counts.sync(unit_counts.clock_day(), unit_counts.clock_rule())
