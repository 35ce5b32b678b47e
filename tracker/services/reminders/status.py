"""The scheduler's status as its page shows it: the last sweep, the next one, what waits to
be retried, and whether the scheduler looks stopped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from tracker.domain.calendar import WorkCalendar
from tracker.extensions import db
from tracker.models import Reminder, SweepRun
from tracker.services.calendar import load_calendar
from tracker.settings import Settings


@dataclass
class Status:
    """The status panel: the last successful sweep, the next one, the retries waiting, the
    emails failed for good, whether the scheduler looks stopped, the recent runs."""

    last_success: datetime | None
    next_run: datetime
    pending_retries: int
    failed_for_good: int
    stale: bool
    recent: list[SweepRun]


def status(now: datetime, settings: Settings) -> Status:
    """Return what the status panel shows about the scheduler at ``now`` (a few queries)."""
    last = db.session.scalar(
        select(func.max(SweepRun.finished_at)).where(
            SweepRun.kind == "sweep", SweepRun.status.in_(("ok", "skipped"))
        )
    )
    pending = db.session.scalar(
        select(func.count()).where(
            Reminder.state == "failed", Reminder.next_attempt_at.is_not(None)
        )
    )
    dead = db.session.scalar(
        select(func.count()).where(Reminder.state == "failed", Reminder.next_attempt_at.is_(None))
    )
    recent = db.session.scalars(select(SweepRun).order_by(SweepRun.started_at.desc()).limit(10))
    stale_after = timedelta(hours=int(settings.sweep_stale_hours))
    return Status(
        last_success=last,
        next_run=next_sweep(now, settings.sweep_time, settings.zone, load_calendar()),
        pending_retries=pending,
        failed_for_good=dead,
        stale=last is None or now - last > stale_after,
        recent=list(recent),
    )


def next_sweep(now: datetime, at: time, zone: ZoneInfo, calendar: WorkCalendar) -> datetime:
    """Return when the scheduler's next daily sweep runs, at ``at`` in ``zone`` (it skips
    days off itself)."""
    local = now.astimezone(zone)
    day = local.date()
    if local.time() >= at or not calendar.is_working_day(day):
        day = calendar.add_working_days(day, 1)
    return datetime.combine(day, at, tzinfo=zone)
