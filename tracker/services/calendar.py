"""The working-day calendar with this deployment's official overrides."""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import select

from tracker.domain.calendar import WorkCalendar
from tracker.extensions import db
from tracker.models import CalendarOverride

# (data version, calendar): the last one read in this process, shown again while nothing
# has been committed since (``services.data_version``).
_kept: tuple[str, WorkCalendar] | None = None


def load_calendar(version: str | None = None) -> WorkCalendar:
    """Return Vietnam's calendar with the admin's overrides (one query, once per request;
    none while ``version``, the request's data version, is the one it was read at)."""
    global _kept
    if has_request_context() and "work_calendar" in g:
        return g.work_calendar
    kept = _kept
    if version is not None and kept is not None and kept[0] == version:
        calendar = kept[1]
    else:
        rows = db.session.execute(select(CalendarOverride.day, CalendarOverride.is_working))
        calendar = WorkCalendar({day: is_working for day, is_working in rows})
        if version is not None:
            _kept = (version, calendar)
    if has_request_context():
        g.work_calendar = calendar
    return calendar
