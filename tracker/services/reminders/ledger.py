"""The reminder ledger: claim rows before sending (exactly once across processes), then
mark them sent, failed (with a retry time) or cancelled."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db
from tracker.models import Reminder

CLAIM_BATCH = 500


@dataclass(frozen=True)
class Claim:
    """A ledger row to claim: who gets which stage of what, anchored on which date."""

    kind: str  # assignment, digest, weekly, nudge
    recipient: str
    stage: str
    day: date
    assignment_id: int | None = None
    task_id: int | None = None
    unit_id: int | None = None
    recipient_user_id: int | None = None
    copy: bool = False

    @property
    def key(self) -> str:
        """Return the unique key: one row per (assignment, recipient, stage, date)."""
        subject = self.assignment_id if self.assignment_id is not None else self.kind
        return f"{subject}|{self.recipient.lower()}|{self.stage}|{self.day.isoformat()}"


def _insert():
    dialect = db.engine.dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(Reminder)


def claim(claims: Sequence[Claim], now: datetime) -> set[str]:
    """Insert the claims that nobody holds yet and return their keys (committed).

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` on the unique key: when two sweeps
    race, each key goes to exactly one of them.
    """
    won: set[str] = set()
    for start in range(0, len(claims), CLAIM_BATCH):
        rows = [
            {
                "dedupe_key": c.key,
                "kind": c.kind,
                "assignment_id": c.assignment_id,
                "task_id": c.task_id,
                "unit_id": c.unit_id,
                "recipient": c.recipient.lower(),
                "recipient_user_id": c.recipient_user_id,
                "copy": c.copy,
                "stage": c.stage,
                "day": c.day,
                "state": "claimed",
                "attempts": 0,
                "last_error": "",
                "claimed_at": now,
            }
            for c in claims[start : start + CLAIM_BATCH]
        ]
        statement = (
            _insert()
            .values(rows)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Reminder.dedupe_key)
        )
        won.update(db.session.scalars(statement))
    db.session.commit()
    return won


def retry_delay(attempts: int) -> timedelta:
    """Return the wait before the next attempt: 5, 10, 20, 40 ... minutes, at most 6 hours."""
    base = int(current_app.config["REMINDER_RETRY_MINUTES"])
    return timedelta(minutes=min(base * 2 ** max(attempts - 1, 0), 360))


def mark(keys: Iterable[str], *, ok: bool, now: datetime, email_id: int, error: str = "") -> None:
    """Record the outcome of one email's send on its ledger rows (not committed)."""
    keys = list(keys)
    if not keys:
        return
    max_attempts = int(current_app.config["REMINDER_MAX_ATTEMPTS"])
    rows = db.session.scalars(select(Reminder).where(Reminder.dedupe_key.in_(keys))).all()
    for row in rows:
        row.attempts += 1
        row.email_id = email_id
        if ok:
            row.state, row.sent_at, row.next_attempt_at, row.last_error = "sent", now, None, ""
        else:
            row.state, row.last_error = "failed", error[:2000]
            row.next_attempt_at = (
                now + retry_delay(row.attempts) if row.attempts < max_attempts else None
            )


def cancel(keys: Iterable[str], reason: str) -> None:
    """Mark claimed rows cancelled: re-checked at send time, they no longer apply."""
    keys = list(keys)
    if keys:
        db.session.execute(
            update(Reminder)
            .where(Reminder.dedupe_key.in_(keys))
            .values(state="cancelled", last_error=reason, next_attempt_at=None)
        )
