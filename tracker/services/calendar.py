"""The working-day calendar with this deployment's official overrides."""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import select

from tracker.domain.calendar import WorkCalendar
from tracker.extensions import db
from tracker.models import CalendarOverride


def load_calendar() -> WorkCalendar:
    """Return Vietnam's calendar with the admin's overrides (one query, once per request)."""
    if has_request_context() and "work_calendar" in g:
        return g.work_calendar
    rows = db.session.execute(select(CalendarOverride.day, CalendarOverride.is_working)).all()
    calendar = WorkCalendar({day: is_working for day, is_working in rows})
    if has_request_context():
        g.work_calendar = calendar
    return calendar
