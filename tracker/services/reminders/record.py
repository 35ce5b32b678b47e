"""Recording what happened: one email log row per message sent or tried, its ledger rows marked
sent or failed (with the time of the next attempt), and each sweep's run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import EmailMessage, Reminder, SweepRun
from tracker.services.reminders.outgoing import Outcome, Outgoing
from tracker.settings import Settings

LONGEST_WAIT_MINUTES = 360


def retry_delay(attempts: int, retry_minutes: int) -> timedelta:
    """Return the wait before the next attempt: ``retry_minutes``, then twice as long after
    each failure (5, 10, 20, 40 ... minutes), at most 6 hours."""
    return timedelta(minutes=min(retry_minutes * 2 ** max(attempts - 1, 0), LONGEST_WAIT_MINUTES))


def outcomes(
    batch: Sequence[Outgoing],
    results: Sequence[tuple[bool, str]],
    now: datetime,
    settings: Settings,
) -> Outcome:
    """Log every email of a batch with its result, mark its ledger rows, then commit (also
    what was cancelled before); return how many were sent and how many failed."""
    outcome = Outcome()
    logs = []
    for item, (ok, error) in zip(batch, results, strict=True):
        log = _log(item, ok=ok, error=error, now=now)
        db.session.add(log)
        logs.append(log)
    if logs:
        db.session.flush()
    for item, log, (ok, error) in zip(batch, logs, results, strict=True):
        _mark(item.keys, ok=ok, now=now, email_id=log.id, error=error, settings=settings)
        if ok:
            outcome.sent += 1
        else:
            outcome.failed += 1
    db.session.commit()
    return outcome


def _log(item: Outgoing, *, ok: bool, error: str, now: datetime) -> EmailMessage:
    message = item.message
    return EmailMessage(
        kind=item.kind,
        to=item.to.email,
        cc=", ".join(message.cc or []),
        subject=message.subject[:500],
        language=item.to.language or "vi",
        state="sent" if ok else "failed",
        attempts=1,
        error="" if ok else error[:2000],
        sent_at=now if ok else None,
        unit_id=item.unit_id,
        body_text=message.body or "",
        body_html=message.html or "",
    )


def _mark(
    keys: Iterable[str], *, ok: bool, now: datetime, email_id: int, error: str, settings: Settings
) -> None:
    """Record the outcome of one email on its ledger rows (not committed)."""
    keys = list(keys)
    if not keys:
        return
    rows = db.session.scalars(select(Reminder).where(Reminder.dedupe_key.in_(keys))).all()
    for row in rows:
        row.attempts += 1
        row.email_id = email_id
        if ok:
            row.state, row.sent_at, row.next_attempt_at, row.last_error = "sent", now, None, ""
        else:
            row.state, row.last_error = "failed", error[:2000]
            row.next_attempt_at = (
                now + retry_delay(row.attempts, settings.reminder_retry_minutes)
                if row.attempts < settings.reminder_max_attempts
                else None
            )


def start_run(now: datetime) -> SweepRun:
    """Record (committed) that a sweep started at ``now``; return its row."""
    run = SweepRun(kind="sweep", started_at=now, status="running")
    db.session.add(run)
    db.session.commit()
    return run


def finish_run(
    run: SweepRun,
    finished_at: datetime,
    *,
    planned: int,
    sent: int,
    failed: int,
    cancelled: int,
    unreachable: int,
) -> None:
    """Record (committed) that a sweep finished, with what it did."""
    run.finished_at = finished_at
    run.planned, run.sent, run.failed = planned, sent, failed
    run.unreachable, run.cancelled = unreachable, cancelled
    run.status = "ok"
    db.session.commit()


def skipped_run(now: datetime, note: str) -> None:
    """Record (committed) a sweep that had nothing to do, and why."""
    db.session.add(
        SweepRun(kind="sweep", started_at=now, finished_at=now, status="skipped", note=note)
    )
    db.session.commit()
