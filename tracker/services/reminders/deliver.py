"""Composing and sending what a sweep claimed; re-checking each item at send time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_mail import Message
from sqlalchemy import select

from tracker import mail
from tracker.domain.reminders import (
    Audience,
    CoordinatorDigest,
    Notice,
    ReminderEmail,
    coordinator_digest,
    coordinator_digest_due,
    group_digest,
    ledger_key,
)
from tracker.extensions import db
from tracker.mail import Recipient
from tracker.models import Assignment, EmailMessage, ExtensionRequest, Reminder, Task, Unit, User
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


def _chunks(ids: Sequence[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _current(assignment_ids: Iterable[int]) -> dict[int, Assignment]:
    ids = sorted(set(assignment_ids))
    found: dict[int, Assignment] = {}
    for part in _chunks(ids):
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
    tasks = {t.id: t for part in _chunks(task_ids) for t in db.session.scalars(
        select(Task).where(Task.id.in_(part)))}  # fmt: skip
    units = {u.id: u for part in _chunks(unit_ids) for u in db.session.scalars(
        select(Unit).where(Unit.id.in_(part)))}  # fmt: skip
    return tasks, units


def _subject(email: ReminderEmail, units: dict[int, Unit]):
    notices = email.digest.notices
    unit = units[notices[0].unit_id].name if notices else ""
    if all(n.audience == Audience.HEAD for n in notices):
        return _l("Escalation: %(unit)s has overdue tasks", unit=unit)
    return ReminderSubject(email.digest.total, unit)


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
    current = _current(n.assignment_id for _, ns, _ in claimed for n in ns)
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
        digest = group_digest(valid)
        template = "escalation" if valid[0].audience == Audience.HEAD else "reminder_digest"
        message = mail.compose(
            template,
            email.to,
            _subject(email, units),
            cc=[c.email for c in email.cc],
            digest=digest,
            tasks=tasks,
            units=units,
            link=mail.link,
        )
        log = log_email(message, email.to, "escalation" if template == "escalation" else "reminder")
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


# Coordinator digests -------------------------------------------------------------------


@dataclass
class CoordinatorMail:
    digest: CoordinatorDigest
    extensions: list[ExtensionRequest]


def digest_claim(recipient: Recipient, today: date) -> Claim:
    return Claim("digest", recipient.email, "digest", today)


def coordinator_digests(items, unreachable, people, today, calendar):
    """Return (coordinator, CoordinatorMail) for each coordinator with news today."""
    owners: dict[int, Recipient] = people.coordinators
    by_owner: dict[Recipient, list] = {}
    for snapshot in items:
        owner = owners.get(snapshot.task_id)
        if owner is not None:
            by_owner.setdefault(owner, []).append(snapshot)
    lost: dict[Recipient, list[Notice]] = {}
    for notice in unreachable:
        owner = owners.get(notice.task_id)
        if owner is not None:
            lost.setdefault(owner, []).append(notice)
    pending = db.session.scalars(
        select(ExtensionRequest).where(ExtensionRequest.state == "pending")
    ).all()
    task_of = dict(
        db.session.execute(
            select(Assignment.id, Assignment.task_id).where(
                Assignment.id.in_([r.assignment_id for r in pending] or [-1])
            )
        ).all()
    )
    last = dict(
        db.session.execute(
            select(Reminder.recipient, Reminder.day).where(
                Reminder.kind == "digest", Reminder.day >= today
            )
        ).all()
    )
    result = []
    for owner in set(by_owner) | set(lost):
        if not coordinator_digest_due(today, calendar, last.get(owner.email.lower())):
            continue
        digest = coordinator_digest(by_owner.get(owner, ()), today, lost.get(owner, ()))
        extensions = [r for r in pending if owners.get(task_of.get(r.assignment_id)) == owner]
        if digest.is_empty and not extensions:
            continue
        result.append((owner, CoordinatorMail(digest, extensions)))
    return result


def send_coordinator_digests(digests, won: set[str], now: datetime, today: date) -> Outcome:
    """Send each coordinator's digest that this sweep claimed."""
    if not digests:
        return Outcome()
    notices = [
        *(o.assignment for _, m in digests for o in m.digest.overdue),
        *(s for _, m in digests for s in m.digest.awaiting_confirmation),
        *(n for _, m in digests for n in m.digest.unreachable),
    ]
    tasks, units = details(notices)
    batch = []
    for recipient, content in digests:
        key = digest_claim(recipient, today).key
        if key not in won:
            continue
        message = mail.compose(
            "coordinator_digest",
            recipient,
            _l("Daily digest: overdue tasks and reports awaiting confirmation"),
            digest=content.digest,
            extensions=content.extensions,
            tasks=tasks,
            units=units,
            today=today,
            link=mail.link,
        )
        batch.append((message, [key], log_email(message, recipient, "digest")))
    return send_batch(batch, now)


# Retries ---------------------------------------------------------------------------------


def retry_failed(now: datetime, today: date, calendar) -> Outcome:
    """Send again every failed email whose retry time has come; items re-checked first.

    Reminders are rebuilt from their ledger rows (only those that still apply, with today's
    wording); digests are sent again as they were.
    """
    rows = db.session.scalars(
        select(Reminder).where(Reminder.state == "failed", Reminder.next_attempt_at <= now)
    ).all()
    groups: dict[int, list[Reminder]] = {}
    for row in rows:
        groups.setdefault(row.email_id or -row.id, []).append(row)
    logs = {
        e.id: e
        for part in _chunks(sorted(k for k in groups if k > 0))
        for e in db.session.scalars(select(EmailMessage).where(EmailMessage.id.in_(part)))
    }
    current = _current(r.assignment_id for r in rows if r.assignment_id)
    users = {
        u.email.lower(): u
        for u in db.session.scalars(
            select(User).where(User.email.in_(sorted({r.recipient for r in rows})))
        )
    }
    outcome = Outcome()
    batch = []
    for email_id, group in groups.items():
        old = logs.get(email_id)
        to_rows = [r for r in group if not r.copy]
        if not to_rows or old is None:
            continue
        user = users.get(to_rows[0].recipient)
        if user is not None and not user.active:
            ledger.cancel([r.dedupe_key for r in group], "recipient deactivated")
            outcome.cancelled += len(group)
            continue
        if to_rows[0].kind != "assignment":
            message = Message(
                subject=old.subject,
                recipients=[old.to],
                cc=[c for c in old.cc.split(", ") if c],
                body=old.body_text,
                html=old.body_html or None,
                sender=current_app.config["MAIL_DEFAULT_SENDER"],
            )
            to = Recipient(old.to, language=old.language)
            batch.append((message, [r.dedupe_key for r in group], log_email(message, to, old.kind)))
            continue
        notices = {r.dedupe_key: _notice(r, current.get(r.assignment_id), today, calendar)
                   for r in to_rows}  # fmt: skip
        valid = [n for n in notices.values() if n is not None]
        dead = [k for k, n in notices.items() if n is None]
        dead += [r.dedupe_key for r in group if r.copy and _sibling(r, to_rows) in dead]
        ledger.cancel(dead, "no longer applies at send time")
        outcome.cancelled += len(dead)
        if not valid:
            continue
        to = (
            Recipient(user.email, user.name, user.language)
            if user is not None
            else Recipient(to_rows[0].recipient, language=old.language)
        )
        tasks, units = details(valid)
        template = "escalation" if old.kind == "escalation" else "reminder_digest"
        digest = group_digest(valid)
        subject = (
            _l("Escalation: %(unit)s has overdue tasks", unit=units[valid[0].unit_id].name)
            if template == "escalation"
            else ReminderSubject(digest.total, units[valid[0].unit_id].name)
        )
        cc = [r.recipient for r in group if r.copy]
        message = mail.compose(
            template, to, subject, cc=cc, digest=digest, tasks=tasks, units=units, link=mail.link
        )
        keys = [k for k in notices if k not in dead] + [
            r.dedupe_key for r in group if r.copy and r.dedupe_key not in dead
        ]
        log = log_email(message, to, old.kind)
        log.unit_id = old.unit_id
        batch.append((message, keys, log))
    return outcome + send_batch(batch, now)


def _sibling(copy_row: Reminder, to_rows: list[Reminder]) -> str | None:
    for row in to_rows:
        if (row.assignment_id, row.stage, row.day) == (
            copy_row.assignment_id,
            copy_row.stage,
            copy_row.day,
        ):
            return row.dedupe_key
    return None


def _notice(row: Reminder, assignment: Assignment | None, today: date, calendar) -> Notice | None:
    """Rebuild the notice a failed ledger row stands for, if it still applies today."""
    from tracker.domain.reminders import ESCALATION_STAGE, RETURNED_PREFIX

    returned = row.stage.startswith(RETURNED_PREFIX)
    due = assignment.due_date if assignment is not None else None
    notice = Notice(
        assignment_id=row.assignment_id,
        task_id=row.task_id,
        unit_id=row.unit_id,
        stage=row.stage,
        audience=Audience.HEAD if row.stage == ESCALATION_STAGE else Audience.FOCAL,
        due=due if returned else row.day,
        days_overdue=(today - row.day).days if not returned and row.day < today else None,
        working_days_left=calendar.working_days_between(today, row.day)
        if not returned and row.day >= today
        else None,
        returned_on=row.day if returned else None,
    )
    return notice if still_applies(notice, assignment) else None
