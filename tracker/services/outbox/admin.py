"""Watching and steering the outbox: how deep the queue is, whether the sender is alive,
and putting failed emails back in the queue (an administrator from the email log, or
``tracker send --retry-failed``)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select, update

from tracker.extensions import db
from tracker.models import EmailMessage, Heartbeat, Reminder, Role, User
from tracker.models.reminders import FAILED, PENDING, SENDING
from tracker.services import events
from tracker.services.access import require_role
from tracker.settings import Settings

SENDER = "sender"  # the heartbeat's name the outbox sender writes
RETRIED = "emails_retried"  # the event kind of a retry


def retry_failed(
    now: datetime, *, actor: User | None = None, ids: Collection[int] | None = None
) -> int:
    """Put failed emails (those of ``ids``, or every failed one) back in the queue, due at
    ``now`` with their attempts reset, and their ledger rows back to ``queued``; commit and
    return how many emails were put back.

    The previous failure's reason stays on the email until the next attempt replaces it.
    One event records the action (none when nothing had failed). ``actor`` must be an
    administrator; ``None`` is the command line. Two statements, whatever the number.
    """
    if actor is not None:
        require_role(actor, Role.ADMIN)
    failed = EmailMessage.state == FAILED
    chosen = sorted(set(ids)) if ids is not None else None
    if chosen is not None:
        if not chosen:
            return 0
        failed = failed & EmailMessage.id.in_(chosen)
    db.session.execute(
        update(Reminder)
        .where(Reminder.email_id.in_(select(EmailMessage.id).where(failed)))
        .where(Reminder.state == "failed")
        .values(state="queued")
        .execution_options(synchronize_session=False)
    )
    count = db.session.execute(
        update(EmailMessage)
        .where(failed)
        .values(state=PENDING, attempts=0, next_attempt_at=now, locked_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not count:
        db.session.commit()
        return 0
    events.record(
        RETRIED,
        actor=actor,
        now=now,
        target=f"email:{chosen[0]}" if chosen is not None and len(chosen) == 1 else "outbox",
        to_state=PENDING,
        data={"emails": count},
    )
    db.session.commit()
    return count


@dataclass(frozen=True)
class QueueStatus:
    """The outbox at a glance: rows waiting, being sent and failed for good, the oldest due
    pending email, the sender's last sign of life, and whether someone must act."""

    pending: int
    retrying: int  # of the pending ones, those that failed before and wait for a retry
    sending: int
    failed: int
    oldest_pending: datetime | None  # created_at of the oldest due pending email
    heartbeat: datetime | None
    heartbeat_detail: str
    stuck: bool  # due email has waited longer than ``outbox_stuck_minutes``
    sender_silent: bool  # email waits and the sender has not been seen for a while
    now: datetime

    @property
    def depth(self) -> int:
        """Emails still to be delivered: pending and being sent."""
        return self.pending + self.sending

    @property
    def oldest_age(self) -> timedelta | None:
        """How long the oldest due pending email has waited since it was queued."""
        return None if self.oldest_pending is None else self.now - self.oldest_pending

    @property
    def warning(self) -> bool:
        """Whether the page must warn: the queue is stuck or the sender looks stopped."""
        return self.stuck or self.sender_silent


def silent_after(settings: Settings) -> timedelta:
    """Return how long without a heartbeat means the sender has stopped: five polls, and
    never under two minutes (a sender beats between batches, and a batch to a slow server
    takes a while)."""
    return max(timedelta(seconds=5 * settings.outbox_poll_seconds), timedelta(minutes=2))


def queue_status(now: datetime, settings: Settings) -> QueueStatus:
    """Return the outbox's status at ``now`` (three indexed queries, whatever its size).

    The queue is stuck when an email has been due for longer than
    ``outbox_stuck_minutes`` without being taken: counted from when it became due, so an
    old email that has just come back for a retry does not raise a false alarm.
    """
    counts = {PENDING: 0, SENDING: 0, FAILED: 0}
    retrying = 0
    rows = db.session.execute(
        select(
            EmailMessage.state,
            func.count(),
            func.sum(case((EmailMessage.attempts > 0, 1), else_=0)),
        )
        .where(EmailMessage.state.in_((PENDING, SENDING, FAILED)))
        .group_by(EmailMessage.state)
    )
    for state, number, tried in rows:
        counts[state] = number
        if state == PENDING:
            retrying = tried or 0
    oldest, longest_due = db.session.execute(
        select(func.min(EmailMessage.created_at), func.min(EmailMessage.next_attempt_at)).where(
            EmailMessage.state == PENDING, EmailMessage.next_attempt_at <= now
        )
    ).one()
    beat = db.session.get(Heartbeat, SENDER)
    beat_at = beat.beat_at if beat is not None else None
    waiting = counts[PENDING] + counts[SENDING] > 0
    return QueueStatus(
        pending=counts[PENDING],
        retrying=retrying,
        sending=counts[SENDING],
        failed=counts[FAILED],
        oldest_pending=oldest,
        heartbeat=beat_at,
        heartbeat_detail=beat.detail if beat is not None else "",
        stuck=longest_due is not None
        and now - longest_due > timedelta(minutes=settings.outbox_stuck_minutes),
        sender_silent=waiting and (beat_at is None or now - beat_at > silent_after(settings)),
        now=now,
    )
