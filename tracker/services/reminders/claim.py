"""Claiming: one ledger row per (item, recipient) taken before anything is sent, exactly once
across processes; then each claimed item re-checked against the assignment as it is now, and
the rows that no longer apply cancelled."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from tracker.domain.reminders.planning import Notice, ledger_key
from tracker.domain.reminders.routing import ReminderEmail
from tracker.extensions import db
from tracker.mail import Recipient
from tracker.models import Assignment, Reminder, User
from tracker.services.reminders import rows

CLAIM_BATCH = 500
OPEN = ("assigned", "in_progress")
NO_LONGER_APPLIES = "no longer applies at send time"


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


def notice_claim(
    notice: Notice, address: str, user_ids: Mapping[str, int], *, copy: bool = False
) -> Claim:
    """Return the claim of one notice for one address (To, or Cc with ``copy``)."""
    assignment_id, stage, day = ledger_key(notice)
    return Claim(
        kind="assignment",
        recipient=address,
        stage=stage,
        day=day,
        assignment_id=assignment_id,
        task_id=notice.task_id,
        unit_id=notice.unit_id,
        recipient_user_id=user_ids.get(address.lower()),
        copy=copy,
    )


def email_claims(
    emails: Iterable[ReminderEmail[Recipient]], user_ids: Mapping[str, int]
) -> list[Claim]:
    """Return the claims of a sweep's emails: each notice for the To and for every Cc."""
    claims = []
    for email in emails:
        for notice in email.grouped.notices:
            claims.append(notice_claim(notice, email.to.email, user_ids))
            claims.extend(notice_claim(notice, cc.email, user_ids, copy=True) for cc in email.cc)
    return claims


def daily_digest_claim(recipient: Recipient, today: date) -> Claim:
    """Return the claim of a coordinator's daily digest of ``today``."""
    return Claim("digest", recipient.email, "digest", today)


def weekly_summary_claim(recipient: Recipient, user_id: int, today: date) -> Claim:
    """Return the claim of a coordinator's weekly summary sent ``today``."""
    return Claim("weekly", recipient.email, "weekly", today, recipient_user_id=user_id)


def _insert():
    module = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return module.insert(Reminder)


def claim(claims: Sequence[Claim], now: datetime) -> set[str]:
    """Insert the claims that nobody holds yet and return their keys (committed).

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` on the unique key: when two sweeps
    race, each key goes to exactly one of them.
    """
    won: set[str] = set()
    for start in range(0, len(claims), CLAIM_BATCH):
        values = [
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
            .values(values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Reminder.dedupe_key)
        )
        won.update(db.session.scalars(statement))
    db.session.commit()
    return won


def cancel(keys: Iterable[str], reason: str) -> None:
    """Mark claimed rows cancelled: re-checked at send time, they no longer apply (not
    committed: the send that follows commits)."""
    keys = list(keys)
    if keys:
        db.session.execute(
            update(Reminder)
            .where(Reminder.dedupe_key.in_(keys))
            .values(state="cancelled", last_error=reason, next_attempt_at=None)
        )


def still_applies(notice: Notice, assignment: Assignment | None) -> bool:
    """Return whether a planned notice is still true now: open, same unit, same due date."""
    if assignment is None or assignment.state not in OPEN or assignment.unit_id != notice.unit_id:
        return False
    if notice.returned_on is not None:
        return assignment.returned_at is not None
    return assignment.due_date == notice.due


def current_assignments(assignment_ids: Iterable[int]) -> dict[int, Assignment]:
    """Return the assignments as they are now, by id."""
    return rows.by_id(Assignment, assignment_ids)


def _inactive(addresses: Iterable[str]) -> set[str]:
    lowered = sorted({a.lower() for a in addresses})
    found = db.session.scalars(
        select(User.email).where(User.email.in_(lowered), User.active.is_(False))
    )
    return {e.lower() for e in found}


@dataclass(frozen=True)
class Confirmed:
    """One email of a sweep cut down to the notices this sweep claimed that still apply,
    with the ledger keys (To and Cc) its sending settles."""

    to: Recipient
    cc: list[str]
    notices: list[Notice]
    keys: list[str]


def confirm(
    emails: Sequence[ReminderEmail[Recipient]], won: set[str]
) -> tuple[list[Confirmed], int]:
    """Return each email with only the notices this sweep claimed and that still apply, and
    the number of claimed rows cancelled instead (not committed).

    An email to someone deactivated since planning is cancelled whole.
    """
    claimed: list[tuple[ReminderEmail[Recipient], dict[Notice, list[str]]]] = []
    for email in emails:
        keys: dict[Notice, list[str]] = {}
        for n in email.grouped.notices:
            to_key = _key(n, email.to.email)
            if to_key in won:
                keys[n] = [to_key] + [k for cc in email.cc if (k := _key(n, cc.email)) in won]
        if keys:
            claimed.append((email, keys))
    current = current_assignments(n.assignment_id for _, keys in claimed for n in keys)
    inactive = _inactive(e.to.email for e, _ in claimed)
    confirmed: list[Confirmed] = []
    cancelled = 0
    for email, keys in claimed:
        notices = list(keys)
        valid = [n for n in notices if still_applies(n, current.get(n.assignment_id))]
        dropped = [k for n in notices if n not in valid for k in keys[n]]
        if email.to.email.lower() in inactive:
            dropped, valid = [k for ks in keys.values() for k in ks], []
        cancel(dropped, NO_LONGER_APPLIES)
        cancelled += len(dropped)
        if valid:
            sent_keys = [k for n in valid for k in keys[n]]
            confirmed.append(Confirmed(email.to, [c.email for c in email.cc], valid, sent_keys))
    return confirmed, cancelled


def _key(notice: Notice, address: str) -> str:
    assignment_id, stage, day = ledger_key(notice)
    return Claim("assignment", address, stage, day, assignment_id).key
