"""The one place that knows what "today" and "now" are; only entry points (views, commands,
scheduler jobs) call it, and pass ``today``/``now`` to services.

``TRACKER_TODAY=YYYY-MM-DD`` fixes the date (the time of day stays real) for demos,
training sandboxes and tests.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from tracker.domain import localtime


def tz() -> ZoneInfo:
    """Return the programme's time zone."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def now() -> datetime:
    """Return the current instant, timezone-aware in UTC, honouring a fixed TODAY."""
    fixed = current_app.config.get("TODAY")
    return _moved_to(date.fromisoformat(str(fixed))) if fixed else datetime.now(UTC)


def real_now() -> datetime:
    """Return the real current instant, whatever TODAY says: for what must agree with
    clocks elsewhere, such as the codes a phone's authenticator app shows."""
    return datetime.now(UTC)


def now_on(day: date | None) -> datetime:
    """Return the current instant moved to ``day`` (the time of day stays real), or ``now()``
    when ``day`` is None: what a command run with ``--today`` works at."""
    return now() if day is None else _moved_to(day)


def _moved_to(day: date) -> datetime:
    local_time = datetime.now(tz()).timetz().replace(tzinfo=None)
    return datetime.combine(day, local_time, tzinfo=tz()).astimezone(UTC)


def today() -> date:
    """Return today's date in the programme's time zone."""
    return local_date(now())


def local_date(moment: datetime) -> date:
    """Return the programme-time-zone date of an aware instant."""
    return localtime.local_date(moment, tz())


def end_of_day(day: date) -> datetime:
    """Return the last instant of ``day`` in the programme's time zone, as UTC."""
    return localtime.end_of_day(day, tz())
