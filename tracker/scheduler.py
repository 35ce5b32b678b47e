"""The scheduler process: one APScheduler BlockingScheduler, jobs declared here, and the
outbox sender running beside them.

Run exactly one per deployment (``tracker scheduler``), never inside web workers. The
schedule lives in code and configuration; the state lives in our own ledger, so a
restarted scheduler loses nothing, and a sweep at start heals any downtime.

The sender is ``tracker send``, run as a child process the scheduler starts, watches and
restarts if it dies, not an APScheduler job: a pass lasts as long as there is mail (minutes
after a big sweep), which an interval job would report as missed runs every few seconds.
In a process of its own it works on another core while a sweep composes (a thread would
share this process's interpreter lock: ``scripts/bench_reminders --overlap thread|process``
shows the difference), and it delivers each batch the sweep commits at its next look
(OUTBOX_POLL_SECONDS). On shutdown the scheduler asks it to stop (SIGTERM): it finishes the
messages the server already has and puts the rest back.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from tracker.services.outbox.sender import SendReport
from tracker.settings import Settings

log = logging.getLogger("tracker.scheduler")
IMPORT_POLL_SECONDS = 3  # how soon a large import waiting in the background starts

UNREACHABLE_WAIT_SECONDS = 60  # the longest a sender waits to try an unreachable server again


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


def rollup_job(app: Flask) -> None:
    """Move the per-unit counts on to today (open assignments due yesterday become overdue)
    and tell other systems which did (``assignment.overdue``, in the same transaction: once),
    then write the figures of yesterday, of any of the last ROLLUP_SNAPSHOT_DAYS days and of
    the points of today's progress chart that lack them, for reports as of those days and
    the chart (idempotent)."""
    from tracker import clock, settings
    from tracker.extensions import db
    from tracker.services.assignments.overdue import tell_overdue
    from tracker.services.reports.pages import chart_days
    from tracker.services.rollups import units
    from tracker.services.rollups.writing import write_missing

    with app.app_context():
        now = clock.now()
        today = clock.local_date(now)
        since, moved = units.advance(today, settings.current().day_off_rolls)
        told = tell_overdue(since, today, now=now, day_off_rolls=settings.current().day_off_rolls)
        db.session.commit()
        if moved:
            log.info("rollups: %s open assignment(s) now counted overdue or not", moved)
        if told:
            log.info("webhooks: %s assignment.overdue event(s) queued", told)
        written = write_missing(
            today=today,
            days_back=app.config["ROLLUP_SNAPSHOT_DAYS"],
            due_soon_days=settings.current().due_soon_days,
            now=now,
            also=chart_days(today),
            day_off_rolls=settings.current().day_off_rolls,
        )
        if written:
            log.info(
                "rollups: figures of %s day(s) written, the last %s", len(written), written[-1]
            )


def send_pass(app: Flask, stop: threading.Event | None = None) -> SendReport:
    """One pass of the sender loop: queue the notification emails whose coalescing window
    has passed, then deliver the emails due now (and write the heartbeat), then the
    webhook deliveries due now."""
    from tracker import clock, settings
    from tracker.mail import SmtpSettings
    from tracker.services import webhooks
    from tracker.services.notifications.emails import flush_due
    from tracker.services.outbox import sender

    with app.app_context():
        current = settings.current()
        flush_due(clock.now(), current)
        report = sender.run_pass(
            clock.now, current, SmtpSettings.from_config(app.config), stop=stop
        )
        # The webhooks' outbox, by the same sender.
        report.webhooks = webhooks.deliver_due(clock.now, current).handled
        return report


def prune_job(app: Flask) -> None:
    """Delete the in-app notifications older than NOTIFICATION_KEEP_DAYS, and the API's
    idempotency keys older than a day."""
    from tracker import clock, settings
    from tracker.services import idempotency
    from tracker.services.notifications.pruning import prune

    with app.app_context():
        removed = prune(clock.now(), settings.current())
        if removed:
            log.info("notifications: %s older than the keeping period deleted", removed)
        idempotency.prune(clock.now())


_importing = threading.Lock()


class _QuietPolls(logging.Filter):
    """Leave out APScheduler's "Running job" and "executed successfully" lines of the
    imports' poll (every few seconds); its failures and the daily jobs' lines stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = record.args[0] if isinstance(record.args, tuple) and record.args else None
        return not (getattr(job, "id", None) == "imports" and record.levelno <= logging.INFO)


_QUIET_POLLS = _QuietPolls()


def imports_job(app: Flask) -> None:
    """Import the files waiting in the background queue, one after another. An import may
    take longer than the interval: the run that finds one going returns at once (the job
    allows two instances, so the scheduler does not warn of a skipped run every time)."""
    from tracker import clock, settings
    from tracker.services.imports import jobs

    if not _importing.acquire(blocking=False):
        return
    try:
        with app.app_context():
            ran = jobs.run_pending(settings.current(), clock.now)
            if ran:
                log.info("imports: %s background import(s) run", ran)
    finally:
        _importing.release()


def sender_loop(
    app: Flask,
    stop: threading.Event,
    on_pass: Callable[[SendReport], None] | None = None,
) -> None:
    """Deliver the outbox until ``stop`` is set: pass after pass, sleeping
    OUTBOX_POLL_SECONDS whenever a pass found nothing to do; while the mail server cannot be
    reached, twice as long after each try, up to a minute. A pass that fails (the database
    is down) is logged and tried again after a poll."""
    poll = Settings.from_config(app.config, app.instance_path).outbox_poll_seconds
    unreachable = 0  # passes in a row that could not reach the mail server
    while not stop.is_set():
        try:
            report = send_pass(app, stop)
        except Exception:
            log.exception("sender: pass failed; trying again in %ss", poll)
            stop.wait(poll)
            continue
        if on_pass is not None:
            on_pass(report)
        unreachable = unreachable + 1 if report.unreachable and not report.sent else 0
        if unreachable:
            stop.wait(min(poll * 2 ** (unreachable - 1), max(poll, UNREACHABLE_WAIT_SECONDS)))
        elif report.idle:
            stop.wait(poll)


def build(app: Flask) -> BlockingScheduler:
    """Return the scheduler with the sweep (daily at REMINDER_SWEEP_TIME), the figures of
    the day that ended (just after midnight), the recurring-task job (daily just after
    midnight, before the sweep) and the pruning of old notifications (daily)."""
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
    scheduler.add_job(
        rollup_job,
        CronTrigger(hour=0, minute=0, second=30, timezone=settings.zone),
        args=[app],
        id="rollups",
        name="move the counts to the new day; write the figures of the day that ended",
    )
    executor_log = logging.getLogger("apscheduler.executors.default")
    if _QUIET_POLLS not in executor_log.filters:
        executor_log.addFilter(_QUIET_POLLS)
    scheduler.add_job(
        imports_job,
        IntervalTrigger(seconds=IMPORT_POLL_SECONDS),
        args=[app],
        id="imports",
        name="import the large files waiting in the background",
        misfire_grace_time=60,
        max_instances=2,
    )
    scheduler.add_job(
        prune_job,
        CronTrigger(hour=0, minute=20, timezone=settings.zone),
        args=[app],
        id="prune",
        name="delete old notifications",
    )
    return scheduler


# The sender child: how it is started, how long it may take to stop, how soon it restarts.
SENDER_COMMAND = (sys.executable, "-m", "tracker.cli", "send")
SENDER_STOP_SECONDS = 60
SENDER_RESTART_SECONDS = 5


class SenderProcess:
    """``tracker send`` as a child process: started, restarted when it dies, stopped."""

    def __init__(self, command: Sequence[str] = SENDER_COMMAND) -> None:
        self.command = list(command)
        self.process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self) -> SenderProcess:
        self._spawn()
        self._watcher = threading.Thread(target=self._watch, name="sender-watch", daemon=True)
        self._watcher.start()
        return self

    def _spawn(self) -> None:
        # The child inherits the environment (the configuration) and the output streams.
        self.process = subprocess.Popen(self.command)
        log.info("sender started (process %s)", self.process.pid)

    def _watch(self) -> None:
        while not self._stopping.is_set():
            process = self.process
            assert process is not None
            code = process.wait()
            if self._stopping.is_set():
                return
            # 0: it was asked to stop (SIGINT or SIGTERM from someone else); else it failed.
            log.log(
                logging.WARNING if code == 0 else logging.ERROR,
                "sender (process %s) exited with %s; restarting in %ss",
                process.pid,
                code,
                SENDER_RESTART_SECONDS,
            )
            if self._stopping.wait(SENDER_RESTART_SECONDS):
                return
            self._spawn()

    def stop(self, timeout: float = SENDER_STOP_SECONDS) -> None:
        """Ask the sender to stop (it finishes the messages in flight); kill it after
        ``timeout`` seconds."""
        self._stopping.set()
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("sender (process %s) did not stop; killing it", process.pid)
                process.kill()
                process.wait()
        if self._watcher is not None:
            self._watcher.join()


def run(app: Flask, sender_command: Sequence[str] = SENDER_COMMAND) -> None:
    """Start the sender (a child process), generate due recurring tasks, sweep and write the
    missing days' figures once now (catch-up after downtime), then run the schedule until
    stopped (Ctrl+C or SIGTERM); the sender then finishes the messages in flight and stops."""
    scheduler = build(app)
    log.info("scheduler starting: sweep daily at %s", app.config["REMINDER_SWEEP_TIME"])
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit)
    sending = SenderProcess(sender_command).start()
    try:
        for catch_up in (rollup_job, recurrence_job, sweep_job):
            _logging_errors(catch_up, app)
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopping")
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        sending.stop()
        log.info("scheduler stopped")


def _logging_errors(job: Callable[[Flask], None], app: Flask) -> None:
    # As APScheduler does for scheduled runs: a failing job is logged, the process goes on.
    try:
        job(app)
    except Exception:
        log.exception("%s failed", job.__name__)


def _exit(signum, frame) -> None:
    raise SystemExit(0)
