"""The daily reminder sweep: plan with the pure rules, claim in the ledger, compose, send,
record (see the package's docstring for the path, step by step)."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tracker.domain.calendar import WorkCalendar
from tracker.domain.localtime import local_date
from tracker.domain.reminders.planning import plan_sweep
from tracker.domain.reminders.routing import ReminderEmail, route_notices
from tracker.mail import Recipient
from tracker.services.calendar import load_calendar
from tracker.services.reminders import claim, compose, coordinators, lock, record, send, sources
from tracker.services.reminders.coordinators import DailyDigest
from tracker.services.reminders.outgoing import Outcome
from tracker.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """What one sweep did; ``plan`` lists, per recipient, the stages it sent or would send."""

    today: date
    skipped: str = ""
    planned: int = 0
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    unreachable: int = 0
    plan: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def run_sweep(now: datetime, settings: Settings, *, dry_run: bool = False) -> SweepReport:
    """Send today's reminders, escalations, coordinators' daily digests and weekly summaries,
    each exactly once; ``now`` is when the sweep runs.

    With ``dry_run`` nothing is claimed or sent: the report says what would go out.
    """
    started = time.monotonic()
    today = local_date(now, settings.zone)
    report = SweepReport(today=today)
    calendar = load_calendar()
    if not calendar.is_working_day(today):
        report.skipped = "not a working day"
        if not dry_run:
            record.skipped_run(now, report.skipped)
        return report
    with lock.exclusive() as acquired:
        if not acquired:
            report.skipped = "another sweep is running"
            return report
        run = None if dry_run else record.start_run(now)
        _sweep(now, today, calendar, settings, report, dry_run)
        if run is not None:
            record.finish_run(
                run,
                now + timedelta(seconds=time.monotonic() - started),
                planned=report.planned,
                sent=report.sent,
                failed=report.failed,
                cancelled=report.cancelled,
                unreachable=report.unreachable,
            )
    return report


def _sweep(
    now: datetime,
    today: date,
    calendar: WorkCalendar,
    settings: Settings,
    report: SweepReport,
    dry_run: bool,
) -> None:
    policy_for = sources.policies()
    items = sources.snapshots(settings.zone)
    asked = sources.stages_asked(items, policy_for, calendar, today)
    notices = plan_sweep(items, policy_for, calendar, today, sources.sent_sets(items, asked))
    people = sources.people({s.unit_id for s in items}, {s.task_id for s in items})
    routing = route_notices(notices, people.focal, people.heads, people.coordinators)
    daily = coordinators.daily_digests(
        items, routing.unreachable, people.coordinators, today, calendar
    )
    report.planned = len(notices)
    report.unreachable = len(routing.unreachable)
    for email in routing.emails:
        report.plan[email.to.email].extend(
            f"{n.stage} (assignment {n.assignment_id})" for n in email.grouped.notices
        )
    for digest in daily:
        report.plan[digest.to.email].append("coordinator digest")
    if dry_run:
        return
    won = claim.claim(claim.email_claims(routing.emails, people.user_ids), now)
    won |= claim.claim([claim.daily_digest_claim(d.to, today) for d in daily], now)
    outcome = _send_reminders(routing.emails, won, now, settings)
    outcome += _send_daily_digests(daily, won, now, today, settings)
    outcome += _send_weekly_summaries(now, today, calendar, settings)
    report.sent, report.failed, report.cancelled = outcome.sent, outcome.failed, outcome.cancelled


def _send_reminders(
    emails: Sequence[ReminderEmail[Recipient]], won: set[str], now: datetime, settings: Settings
) -> Outcome:
    """Send each email with only the notices this sweep claimed and that still apply."""
    confirmed, cancelled = claim.confirm(emails, won)
    named = compose.names(n for c in confirmed for n in c.notices)
    batch = [compose.reminder(c.to, c.cc, c.notices, named, c.keys) for c in confirmed]
    return Outcome(cancelled=cancelled) + send.deliver(batch, now, settings)


def _send_daily_digests(
    daily: Sequence[DailyDigest], won: set[str], now: datetime, today: date, settings: Settings
) -> Outcome:
    """Send each coordinator's daily digest that this sweep claimed."""
    if not daily:
        return Outcome()
    claimed = [(d, key) for d in daily if (key := claim.daily_digest_claim(d.to, today).key) in won]
    named = compose.daily_digest_names(d.digest for d, _ in claimed)
    batch = [
        compose.daily_digest(d.to, d.digest, d.extensions, today, named, key) for d, key in claimed
    ]
    return send.deliver(batch, now, settings)


def _send_weekly_summaries(
    now: datetime, today: date, calendar: WorkCalendar, settings: Settings
) -> Outcome:
    """Send each coordinator the week's summary of their open tasks, once a week."""
    summaries = coordinators.weekly_summaries(today, calendar, settings.due_soon_days)
    if not summaries:
        return Outcome()
    claims = [claim.weekly_summary_claim(s.to, s.user_id, today) for s in summaries]
    won = claim.claim(claims, now)
    batch = [
        compose.weekly_summary(s.to, s.tasks, s.by_task, today, c.key)
        for s, c in zip(summaries, claims, strict=True)
        if c.key in won
    ]
    return send.deliver(batch, now, settings)


def log_sweep(report: SweepReport) -> None:
    """Log one line saying what a sweep did."""
    log.info(
        "sweep %s: planned %s, sent %s, failed %s, cancelled %s, unreachable %s%s",
        report.today,
        report.planned,
        report.sent,
        report.failed,
        report.cancelled,
        report.unreachable,
        f" (skipped: {report.skipped})" if report.skipped else "",
    )
