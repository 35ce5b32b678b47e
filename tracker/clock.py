"""The one place that knows what "today" and "now" are.

``TRACKER_TODAY=YYYY-MM-DD`` fixes the date (the time of day stays real) for demos,
training sandboxes and tests. Everything else receives ``today``/``now`` as a parameter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app


def tz() -> ZoneInfo:
    """Return the programme's time zone."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def now() -> datetime:
    """Return the current instant, timezone-aware in UTC, honouring a fixed TODAY."""
    real = datetime.now(UTC)
    fixed = current_app.config.get("TODAY")
    if not fixed:
        return real
    local_time = real.astimezone(tz()).timetz().replace(tzinfo=None)
    local = datetime.combine(date.fromisoformat(str(fixed)), local_time, tzinfo=tz())
    return local.astimezone(UTC)


def now_on(day: date | None) -> datetime:
    """Return the current instant moved to ``day`` (the time of day stays real), or the
    current instant when ``day`` is None: what a command run with ``--today`` works at."""
    if day is None:
        return now()
    local_time = datetime.now(tz()).timetz().replace(tzinfo=None)
    return datetime.combine(day, local_time, tzinfo=tz()).astimezone(UTC)


def today() -> date:
    """Return today's date in the programme's time zone."""
    return now().astimezone(tz()).date()


def local_date(moment: datetime) -> date:
    """Return the programme-time-zone date of an aware instant."""
    return moment.astimezone(tz()).date()


def end_of_day(day: date) -> datetime:
    """Return the last instant of ``day`` in the programme's time zone, as UTC."""
    return datetime.combine(day, time.max, tzinfo=tz()).astimezone(UTC)


def start_of_day(day: date) -> datetime:
    """Return the first instant of ``day`` in the programme's time zone, as UTC."""
    return datetime.combine(day, time.min, tzinfo=tz()).astimezone(UTC)
