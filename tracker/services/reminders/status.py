"""The scheduler's status as its page shows it: the last sweep, the next one, whether the
scheduler looks stopped, and the outbox: what waits to be sent, what failed, and whether
the sender is alive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from tracker.domain.calendar import WorkCalendar
from tracker.extensions import db
from tracker.models import SweepRun
from tracker.services.calendar import load_calendar
from tracker.services.outbox.admin import QueueStatus, queue_status
from tracker.settings import Settings


@dataclass
class Status:
    """The status panel: the last successful sweep, the next one, whether the scheduler
    looks stopped, the recent runs, and the outbox's queue."""

    last_success: datetime | None
    next_run: datetime
    stale: bool
    recent: list[SweepRun]
    queue: QueueStatus


def status(now: datetime, settings: Settings) -> Status:
    """Return what the status panel shows about the scheduler and the outbox at ``now``
    (six queries and the calendar's)."""
    last = db.session.scalar(
        select(func.max(SweepRun.finished_at)).where(
            SweepRun.kind == "sweep", SweepRun.status.in_(("ok", "skipped"))
        )
    )
    recent = db.session.scalars(select(SweepRun).order_by(SweepRun.started_at.desc()).limit(10))
    stale_after = timedelta(hours=int(settings.sweep_stale_hours))
    return Status(
        last_success=last,
        next_run=next_sweep(now, settings.sweep_time, settings.zone, load_calendar()),
        stale=last is None or now - last > stale_after,
        recent=list(recent),
        queue=queue_status(now, settings),
    )


def next_sweep(now: datetime, at: time, zone: ZoneInfo, calendar: WorkCalendar) -> datetime:
    """Return when the scheduler's next daily sweep runs, at ``at`` in ``zone`` (it skips
    days off itself)."""
    local = now.astimezone(zone)
    day = local.date()
    if local.time() >= at or not calendar.is_working_day(day):
        day = calendar.add_working_days(day, 1)
    return datetime.combine(day, at, tzinfo=zone)
