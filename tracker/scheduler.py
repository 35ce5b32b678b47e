"""The scheduler process: one APScheduler BlockingScheduler, jobs declared here.

Run exactly one per deployment (``tracker scheduler``), never inside web workers. The
schedule lives in code and configuration; the state lives in our own ledger, so a
restarted scheduler loses nothing, and a sweep at start heals any downtime.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from tracker.settings import Settings

log = logging.getLogger("tracker.scheduler")


def sweep_job(app: Flask) -> None:
    """Run the daily sweep (it does nothing on days off: the calendar decides, not cron)."""
    from tracker import clock, settings
    from tracker.services.reminders.sweep import log_sweep, run_sweep

    with app.app_context():
        log_sweep(run_sweep(clock.now(), settings.current()))


def recurrence_job(app: Flask) -> None:
    """Generate the occurrences of recurring tasks whose period has come (idempotent)."""
    from tracker import clock, settings
    from tracker.services.recurrence.generation import generate_due_occurrences

    with app.app_context():
        now = clock.now()
        report = generate_due_occurrences(
            clock.local_date(now), now=now, language=settings.current().default_language
        )
        if report.occurrences or report.without_units or report.broken:
            log.info(
                "recurrence: %s occurrence(s) created, %s without units, broken series %s",
                len(report.occurrences),
                len(report.without_units),
                report.broken,
            )


def build(app: Flask) -> BlockingScheduler:
    """Return the scheduler with the sweep (daily at REMINDER_SWEEP_TIME) and recurring-task
    jobs (daily just after midnight, before the sweep)."""
    settings = Settings.from_config(app.config, app.instance_path)
    scheduler = BlockingScheduler(
        timezone=settings.zone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
    )
    scheduler.add_job(
        sweep_job,
        CronTrigger(
            hour=settings.sweep_time.hour,
            minute=settings.sweep_time.minute,
            timezone=settings.zone,
        ),
        args=[app],
        id="sweep",
        name="reminder sweep",
    )
    scheduler.add_job(
        recurrence_job,
        CronTrigger(hour=0, minute=5, timezone=settings.zone),
        args=[app],
        id="recurrence",
        name="generate recurring tasks",
    )
    return scheduler


def run(app: Flask) -> None:
    """Generate due recurring tasks and sweep once now (catch-up after downtime), then run
    the schedule until stopped."""
    scheduler = build(app)
    log.info("scheduler starting: sweep daily at %s", app.config["REMINDER_SWEEP_TIME"])
    recurrence_job(app)
    sweep_job(app)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
