"""The daily reminder sweep: plan with the pure rules, claim in the ledger, send, record."""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import text

from tracker.clock import local_date
from tracker.domain.reminders import (
    Notice,
    ReminderEmail,
    ledger_key,
    plan_sweep,
    route_notices,
)
from tracker.extensions import db
from tracker.models import SweepRun
from tracker.services.calendar import load_calendar
from tracker.services.reminders import deliver, digests, load, retry, weekly
from tracker.services.reminders.ledger import Claim, claim

# Any constant works: it only has to be the same for every process of this deployment.
ADVISORY_LOCK_KEY = 0x7472_6B72  # "trkr"


@dataclass
class SweepReport:
    """What one sweep did; ``plan`` lists, per recipient, the stages it sent or would send."""

    today: object
    skipped: str = ""
    planned: int = 0
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    unreachable: int = 0
    plan: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


@contextmanager
def _exclusive():
    """Hold PostgreSQL's advisory lock for the sweep (yield False if another holds it).

    The ledger's unique key already prevents double sends; the lock just stops two
    sweeps from doing the same work. SQLite has no such lock and relies on the ledger.
    """
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    with db.engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
        acquired = bool(got.scalar())
        try:
            yield acquired
        finally:
            if acquired:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
            conn.commit()


def run_sweep(now: datetime, *, dry_run: bool = False) -> SweepReport:
    """Send today's reminders, escalations and coordinator digests, each exactly once.

    With ``dry_run`` nothing is claimed or sent: the report says what would go out.
    """
    today = local_date(now)
    report = SweepReport(today=today)
    calendar = load_calendar()
    if not calendar.is_working_day(today):
        report.skipped = "not a working day"
        if not dry_run:
            _record_run(now, report, "skipped")
        return report
    with _exclusive() as acquired:
        if not acquired:
            report.skipped = "another sweep is running"
            return report
        run = None if dry_run else _start_run(now)
        _sweep(now, today, calendar, report, dry_run)
        if run is not None:
            _finish_run(run, now, report)
    return report


def _sweep(now, today, calendar, report: SweepReport, dry_run: bool) -> None:
    default = load.default_policy()
    overrides = load.task_policies(default)
    items = load.snapshots()
    notices = plan_sweep(
        items,
        lambda task_id: overrides.get(task_id, default),
        calendar,
        today,
        load.sent_sets(items),
    )
    people = load.People({s.unit_id for s in items}, {s.task_id for s in items})
    routing = route_notices(notices, people.focal, people.heads, people.coordinators)
    report.planned = len(notices)
    report.unreachable = len(routing.unreachable)
    emails = list(routing.emails)
    for email in emails:
        report.plan[email.to.email].extend(
            f"{n.stage} (assignment {n.assignment_id})" for n in email.digest.notices
        )
    daily = digests.coordinator_digests(items, routing.unreachable, people, today, calendar)
    for recipient, _digest in daily:
        report.plan[recipient.email].append("coordinator digest")
    if dry_run:
        return
    won = claim([c for e in emails for c in _claims(e, people)], now)
    won |= claim([digests.digest_claim(r, today) for r, _ in daily], now)
    outcome = deliver.send_reminders(emails, won, people, now)
    outcome += digests.send_coordinator_digests(daily, won, now, today)
    outcome += weekly.send_weekly_summaries(
        now, today, calendar, int(current_app.config["DUE_SOON_WORKING_DAYS"])
    )
    report.sent, report.failed, report.cancelled = outcome.sent, outcome.failed, outcome.cancelled


def _claims(email: ReminderEmail, people: load.People) -> list[Claim]:
    claims = []
    for notice in email.digest.notices:
        claims.append(_claim(notice, email.to.email, people, copy=False))
        claims.extend(_claim(notice, cc.email, people, copy=True) for cc in email.cc)
    return claims


def _claim(notice: Notice, address: str, people: load.People, *, copy: bool) -> Claim:
    assignment_id, stage, day = ledger_key(notice)
    return Claim(
        kind="assignment",
        recipient=address,
        stage=stage,
        day=day,
        assignment_id=assignment_id,
        task_id=notice.task_id,
        unit_id=notice.unit_id,
        recipient_user_id=people.user_ids.get(address.lower()),
        copy=copy,
    )


def _start_run(now: datetime) -> SweepRun:
    run = SweepRun(kind="sweep", started_at=now, status="running")
    db.session.add(run)
    db.session.commit()
    return run


def _finish_run(run: SweepRun, started: datetime, report: SweepReport) -> None:
    from tracker import clock

    run.finished_at = clock.now()
    run.planned, run.sent, run.failed = report.planned, report.sent, report.failed
    run.unreachable, run.cancelled = report.unreachable, report.cancelled
    run.status = "ok"
    db.session.commit()


def _record_run(now: datetime, report: SweepReport, status: str) -> None:
    db.session.add(
        SweepRun(kind="sweep", started_at=now, finished_at=now, status=status, note=report.skipped)
    )
    db.session.commit()


def log_sweep(report: SweepReport) -> None:
    current_app.logger.info(
        "sweep %s: planned %s, sent %s, failed %s, cancelled %s, unreachable %s%s",
        report.today,
        report.planned,
        report.sent,
        report.failed,
        report.cancelled,
        report.unreachable,
        f" (skipped: {report.skipped})" if report.skipped else "",
    )


def run_retries(now: datetime) -> deliver.Outcome:
    """Send again the failed reminders whose retry time has come (the retry job)."""
    with _exclusive() as acquired:
        if not acquired:
            return deliver.Outcome()
        return retry.retry_failed(now, local_date(now), load_calendar())
