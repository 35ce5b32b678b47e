"""Delivering the outbox: take due rows, send each, commit each outcome on its own.

A row moves pending -> sending (committed before the server sees it) -> sent, or back to
pending with a later ``next_attempt_at`` after a temporary failure, or failed for good
after a permanent refusal or its last attempt. A crash at any instant loses nothing: rows
left ``sending`` longer than ``outbox_stale_seconds`` are taken again, so a message the
server may have accepted just before the crash is sent at most once more, with the same
``Message-ID``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from tracker import mail
from tracker.extensions import db
from tracker.mail import SmtpSettings, Transport
from tracker.models import EmailMessage, Reminder
from tracker.models.reminders import FAILED, PENDING, SENDING, SENT
from tracker.settings import Settings

LONGEST_WAIT_MINUTES = 360

Clock = Callable[[], datetime]


@dataclass
class SendReport:
    """What one delivery pass did."""

    sent: int = 0
    retrying: int = 0  # failed for now, due again later
    failed: int = 0  # failed for good

    def __iadd__(self, other: SendReport) -> SendReport:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        return self


def retry_delay(attempts: int, retry_minutes: int, rng: random.Random | None = None) -> timedelta:
    """Return the wait before the next attempt after ``attempts`` failed ones:
    ``retry_minutes``, then twice as long each time, at most 6 hours, with up to 20 %
    jitter so that many failed emails do not all come back at the same instant."""
    minutes = min(retry_minutes * 2 ** max(attempts - 1, 0), LONGEST_WAIT_MINUTES)
    jitter = (rng or random).uniform(0, 0.2) * minutes
    return timedelta(minutes=minutes + jitter)


def _due(now: datetime, settings: Settings):
    stale = now - timedelta(seconds=settings.outbox_stale_seconds)
    return or_(
        (EmailMessage.state == PENDING) & (EmailMessage.next_attempt_at <= now),
        (EmailMessage.state == SENDING) & (EmailMessage.locked_at <= stale),
    )


def take(now: datetime, settings: Settings, limit: int) -> list[EmailMessage]:
    """Move up to ``limit`` due rows to ``sending`` and commit; return them.

    On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED`` while they are
    taken, so several senders never take the same row.
    """
    query = select(EmailMessage.id).where(_due(now, settings)).order_by(EmailMessage.id)
    query = query.limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query))
    if not ids:
        db.session.commit()
        return []
    db.session.execute(
        update(EmailMessage)
        .where(EmailMessage.id.in_(ids), _due(now, settings))
        .values(state=SENDING, locked_at=now, attempts=EmailMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            select(EmailMessage)
            .where(EmailMessage.id.in_(ids), EmailMessage.state == SENDING)
            .order_by(EmailMessage.id)
        )
    )


def _settle(email_id: int, values: dict, ledger: dict | None) -> None:
    db.session.execute(
        update(EmailMessage)
        .where(EmailMessage.id == email_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if ledger is not None:
        db.session.execute(
            update(Reminder)
            .where(Reminder.email_id == email_id)
            .values(**ledger)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def deliver(
    clock: Clock, settings: Settings, smtp: SmtpSettings, *, limit: int | None = None
) -> SendReport:
    """Send every due email (at most ``limit``), then return what happened; ``clock``
    tells the time of each transition."""
    report = SendReport()
    transport = Transport(smtp)
    try:
        while limit is None or report.sent + report.retrying + report.failed < limit:
            size = settings.outbox_batch if limit is None else min(settings.outbox_batch, limit)
            batch = take(clock(), settings, size)
            if not batch:
                break
            for row in batch:
                report += _send_one(row, transport, clock, settings)
    finally:
        transport.close()
    return report


def _send_one(
    row: EmailMessage, transport: Transport, clock: Clock, settings: Settings
) -> SendReport:
    email_id, attempts = row.id, row.attempts
    message = mail.build(row, settings.zone)
    db.session.expunge(row)
    try:
        reply = transport.send(message)
    except mail.Refused as error:
        return _failed(email_id, attempts, str(error), clock(), settings, final=error.permanent)
    except mail.MailError as error:
        return _failed(email_id, attempts, str(error), clock(), settings, final=False)
    now = clock()
    _settle(
        email_id,
        {"state": SENT, "sent_at": now, "reply": reply[:2000], "error": "", "locked_at": None},
        {"state": "sent", "sent_at": now, "last_error": ""},
    )
    return SendReport(sent=1)


def _failed(
    email_id: int, attempts: int, reason: str, now: datetime, settings: Settings, *, final: bool
) -> SendReport:
    final = final or attempts >= settings.reminder_max_attempts
    if final:
        _settle(
            email_id,
            {"state": FAILED, "error": reason[:2000], "next_attempt_at": None, "locked_at": None},
            {"state": "failed", "last_error": reason[:2000]},
        )
        return SendReport(failed=1)
    _settle(
        email_id,
        {
            "state": PENDING,
            "error": reason[:2000],
            "locked_at": None,
            "next_attempt_at": now + retry_delay(attempts, settings.reminder_retry_minutes),
        },
        None,
    )
    return SendReport(retrying=1)
