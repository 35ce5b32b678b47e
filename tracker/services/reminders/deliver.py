"""Composing and sending what a sweep claimed; re-checking each item at send time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from tracker import mail
from tracker.domain.reminders import (
    Audience,
    Notice,
    ReminderEmail,
    group_digest,
    ledger_key,
)
from tracker.extensions import db
from tracker.mail import Recipient
from tracker.models import Assignment, EmailMessage, Task, Unit, User
from tracker.services.reminders import ledger
from tracker.services.reminders.ledger import Claim

OPEN = ("assigned", "in_progress")
CHUNK = 900  # ids per IN (...) list, below every backend's parameter limit


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    cancelled: int = 0

    def __add__(self, other: Outcome) -> Outcome:
        return Outcome(
            self.sent + other.sent, self.failed + other.failed, self.cancelled + other.cancelled
        )


def chunks(ids: Sequence[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def current_assignments(assignment_ids: Iterable[int]) -> dict[int, Assignment]:
    ids = sorted(set(assignment_ids))
    found: dict[int, Assignment] = {}
    for part in chunks(ids):
        for a in db.session.scalars(select(Assignment).where(Assignment.id.in_(part))):
            found[a.id] = a
    return found


def still_applies(notice: Notice, assignment: Assignment | None) -> bool:
    """Return whether a planned notice is still true now: open, same unit, same due date."""
    if assignment is None or assignment.state not in OPEN or assignment.unit_id != notice.unit_id:
        return False
    if notice.returned_on is not None:
        return assignment.returned_at is not None
    return assignment.due_date == notice.due


def _inactive(addresses: Iterable[str]) -> set[str]:
    lowered = sorted({a.lower() for a in addresses})
    rows = db.session.scalars(
        select(User.email).where(User.email.in_(lowered), User.active.is_(False))
    )
    return {e.lower() for e in rows}


def details(notices: Iterable[Notice]) -> tuple[dict[int, Task], dict[int, Unit]]:
    notices = list(notices)
    task_ids = sorted({n.task_id for n in notices})
    unit_ids = sorted({n.unit_id for n in notices})
    tasks = {t.id: t for part in chunks(task_ids) for t in db.session.scalars(
        select(Task).where(Task.id.in_(part)))}  # fmt: skip
    units = {u.id: u for part in chunks(unit_ids) for u in db.session.scalars(
        select(Unit).where(Unit.id.in_(part)))}  # fmt: skip
    return tasks, units


def compose_reminder(to: Recipient, cc: Sequence[str], notices: list[Notice], tasks, units):
    """Return (message, kind) for one recipient's notices: an escalation to a unit head, or
    a focal point's digest; the subject counts the notices actually in the message."""
    digest = group_digest(notices)
    unit = units[notices[0].unit_id].name
    if all(n.audience == Audience.HEAD for n in notices):
        template, kind = "escalation", "escalation"
        subject = _l("Escalation: %(unit)s has overdue tasks", unit=unit)
    else:
        template, kind = "reminder_digest", "reminder"
        subject = ReminderSubject(digest.total, unit)
    message = mail.compose(
        template, to, subject, cc=list(cc), digest=digest, tasks=tasks, units=units, link=mail.link
    )
    return message, kind


class ReminderSubject:
    """A subject translated when rendered in the recipient's language (it needs ngettext)."""

    def __init__(self, count: int, unit: str) -> None:
        self.count, self.unit = count, unit

    def __str__(self) -> str:
        return ngettext(
            "Reminder: %(num)s task of %(unit)s needs attention",
            "Reminder: %(num)s tasks of %(unit)s need attention",
            self.count,
            unit=self.unit,
        )


def send_reminders(
    emails: Sequence[ReminderEmail], won: set[str], people, now: datetime
) -> Outcome:
    """Send each email with only the notices this sweep claimed and that still apply."""
    outcome = Outcome()
    claimed: list[tuple[ReminderEmail, list[Notice], dict[Notice, list[str]]]] = []
    for email in emails:
        keys: dict[Notice, list[str]] = {}
        for n in email.digest.notices:
            to_key = _key(n, email.to.email)
            if to_key in won:
                keys[n] = [to_key] + [k for cc in email.cc if (k := _key(n, cc.email)) in won]
        if keys:
            claimed.append((email, list(keys), keys))
    current = current_assignments(n.assignment_id for _, ns, _ in claimed for n in ns)
    inactive = _inactive(e.to.email for e, _, _ in claimed)
    tasks, units = details(n for _, ns, _ in claimed for n in ns)
    batch: list[tuple[mail.Message, list[str], EmailMessage]] = []
    for email, notices, keys in claimed:
        valid = [n for n in notices if still_applies(n, current.get(n.assignment_id))]
        dropped = [k for n in notices if n not in valid for k in keys[n]]
        if email.to.email.lower() in inactive:
            dropped, valid = [k for ks in keys.values() for k in ks], []
        ledger.cancel(dropped, "no longer applies at send time")
        outcome.cancelled += len(dropped)
        if not valid:
            continue
        message, kind = compose_reminder(email.to, [c.email for c in email.cc], valid, tasks, units)
        log = log_email(message, email.to, kind)
        log.unit_id = valid[0].unit_id
        batch.append((message, [k for n in valid for k in keys[n]], log))
    return outcome + send_batch(batch, now)


def _key(notice: Notice, address: str) -> str:
    assignment_id, stage, day = ledger_key(notice)
    return Claim("assignment", address, stage, day, assignment_id).key


def log_email(message, to: Recipient, kind: str) -> EmailMessage:
    log = EmailMessage(
        kind=kind,
        to=to.email,
        cc=", ".join(message.cc or []),
        subject=message.subject[:500],
        language=to.language or "vi",
        state="pending",
        body_text=message.body or "",
        body_html=message.html or "",
    )
    db.session.add(log)
    return log


def send_batch(batch: list[tuple[mail.Message, list[str], EmailMessage]], now: datetime) -> Outcome:
    """Send a batch over one connection and record every outcome, then commit."""
    outcome = Outcome()
    if not batch:
        db.session.commit()
        return outcome
    db.session.flush()
    try:
        results = [(r.ok, r.error or "") for r in mail.send([m for m, _, _ in batch])]
    except mail.MailError as error:
        results = [(False, str(error))] * len(batch)
    for (_message, keys, log), (ok, error) in zip(batch, results, strict=True):
        log.attempts += 1
        log.state, log.error = ("sent", "") if ok else ("failed", error[:2000])
        log.sent_at = now if ok else None
        ledger.mark(keys, ok=ok, now=now, email_id=log.id, error=error)
        if ok:
            outcome.sent += 1
        else:
            outcome.failed += 1
    db.session.commit()
    return outcome
