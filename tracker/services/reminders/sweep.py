"""The daily reminder sweep: plan with the pure rules, then queue the emails batch by batch,
each batch claimed, re-checked, composed and queued in one transaction (see the package's
docstring for the path, step by step)."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tracker.domain.calendar import WorkCalendar
from tracker.domain.localtime import local_date
from tracker.domain.reminders.planning import plan_sweep
from tracker.domain.reminders.routing import Routing, route_notices
from tracker.extensions import db
from tracker.mail import Recipient
from tracker.services import days_off
from tracker.services.calendar import load_calendar
from tracker.services.notifications import emails as notification_emails
from tracker.services.outbox.queue import queue
from tracker.services.reminders import batch, claim, compose, coordinators, lock, record, sources
from tracker.services.reminders.batch import Digest, Parcel, Queued
from tracker.services.reminders.coordinators import DailyDigest
from tracker.settings import Settings

log = logging.getLogger(__name__)

# Emails per transaction: small enough that a crash redoes little, large enough that each
# statement of the batch carries hundreds of rows.
BATCH = 300


@dataclass
class SweepReport:
    """What one sweep did; ``plan`` lists, per recipient, what it queued or would queue."""

    today: date
    skipped: str = ""
    planned: int = 0
    queued: int = 0
    cancelled: int = 0
    unreachable: int = 0
    plan: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def run_sweep(now: datetime, settings: Settings, *, dry_run: bool = False) -> SweepReport:
    """Queue today's reminders, escalations, coordinators' daily digests and weekly
    summaries, each exactly once and at most one email per address (the weekly summary
    aside); ``now`` is when the sweep runs. The outbox's sender delivers them.

    With ``dry_run`` nothing is claimed or queued: the report says what would be.
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
        run = None if dry_run else record.start_run(now, settings, exclusive=lock.is_exclusive())
        _sweep(now, today, calendar, settings, report, dry_run)
        if run is not None:
            record.finish_run(
                run,
                now + timedelta(seconds=time.monotonic() - started),
                planned=report.planned,
                queued=report.queued,
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
    rule = days_off.load_rule(settings.day_off_rolls)
    items = sources.snapshots(settings.zone)
    asked = sources.stages_asked(items, policy_for, calendar, today, rule.rolls)
    sent = sources.sent_sets(items, asked)
    notices = plan_sweep(items, policy_for, calendar, today, sent, rule.rolls)
    people = sources.people({s.unit_id for s in items}, {s.task_id for s in items})
    routing = route_notices(notices, people.focal, people.heads)
    daily = coordinators.daily_digests(
        items, routing.unreachable, routing.escalated, people.coordinators, today, calendar, rule
    )
    report.planned = len(notices)
    del items, notices
    parcels = one_per_address(routing, daily, people, today)
    report.unreachable = len(routing.unreachable)
    for parcel in parcels:
        stages = report.plan[parcel.to.email]
        if parcel.digest is not None:
            stages.append("coordinator digest")
        stages.extend(f"{n.stage} (assignment {n.assignment_id})" for n, _ in parcel.items)
    if dry_run:
        return
    done = Queued()
    for part in _batches(parcels, BATCH):
        done += batch.queue_parcels(part, now, settings, updates=True)
        db.session.commit()
    done += _queue_daily_updates(now, settings, done.users)
    done += _queue_weekly_summaries(now, today, calendar, settings)
    report.queued, report.cancelled = done.emails, done.cancelled


def one_per_address(
    routing: Routing[Recipient],
    daily: Sequence[DailyDigest],
    people: sources.People,
    today: date,
) -> list[Parcel]:
    """Return what each address receives from the sweep, as one parcel per address: a
    coordinator's daily digest carries whatever else that address is due (as a unit's head,
    say). Digests come first, so that a digest listing the day's escalations is queued no
    later than the escalations themselves."""
    found: dict[str, Parcel] = {}
    for d in daily:
        address = d.to.email.lower()
        digest = Digest(
            claim.daily_digest_claim(d.to.email, today, people.user_ids),
            d.digest,
            d.extensions,
            today,
        )
        found[address] = Parcel(d.to, digest=digest, user_id=people.user_ids.get(address))
    for email in routing.emails:
        address = email.to.email.lower()
        items = tuple(
            (n, claim.notice_claim(n, email.to.email, people.user_ids))
            for n in email.grouped.notices
        )
        parcel = found.get(address)
        if parcel is None:
            found[address] = Parcel(email.to, items, user_id=people.user_ids.get(address))
        else:
            found[address] = Parcel(parcel.to, parcel.items + items, parcel.digest, parcel.user_id)
    return list(found.values())


def _batches(parcels: Sequence[Parcel], size: int) -> Iterator[Sequence[Parcel]]:
    for start in range(0, len(parcels), size):
        yield parcels[start : start + size]


def _queue_daily_updates(now: datetime, settings: Settings, written: set[int]) -> Queued:
    """Queue the daily email of notifications for everyone who takes them daily and whom
    this sweep did not write to already (one transaction: the emails and the notifications
    marked emailed in them)."""
    letters, lists = notification_emails.daily_letters(now, settings, skip_user_ids=written)
    ids = queue(letters, now=now, settings=settings)
    notification_emails.mark_emailed(lists, ids)
    db.session.commit()
    return Queued(emails=len(letters))


def _queue_weekly_summaries(
    now: datetime, today: date, calendar: WorkCalendar, settings: Settings
) -> Queued:
    """Queue each coordinator the week's summary of their open tasks, once a week (one
    transaction: there is one per coordinator)."""
    summaries = coordinators.weekly_summaries(
        today, calendar, settings.due_soon_days, settings.day_off_rolls
    )
    if not summaries:
        return Queued()
    claims = [claim.weekly_summary_claim(s.to.email, s.user_id, today) for s in summaries]
    won = claim.claim(claims, now)
    chosen = [(s, c) for s, c in zip(summaries, claims, strict=True) if c.key in won]
    letters = [
        compose.weekly_summary(s.to, s.user_id, s.tasks, s.by_task, today) for s, _ in chosen
    ]
    ids = queue(letters, now=now, settings=settings)
    claim.link({c.key: email_id for (_, c), email_id in zip(chosen, ids, strict=True)})
    db.session.commit()
    return Queued(emails=len(letters), taken=len(claims) - len(won))


def log_sweep(report: SweepReport) -> None:
    """Log one line saying what a sweep did."""
    log.info(
        "sweep %s: planned %s, queued %s, cancelled %s, unreachable %s%s",
        report.today,
        report.planned,
        report.queued,
        report.cancelled,
        report.unreachable,
        f" (skipped: {report.skipped})" if report.skipped else "",
    )
