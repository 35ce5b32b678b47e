"""The coordinators' daily digest: overdue units, reports to confirm, extension requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker import mail
from tracker.domain.reminders import (
    CoordinatorDigest,
    Notice,
    coordinator_digest,
    coordinator_digest_due,
)
from tracker.extensions import db
from tracker.mail import Recipient
from tracker.models import Assignment, ExtensionRequest, Reminder
from tracker.services.reminders.deliver import Outcome, details, log_email, send_batch
from tracker.services.reminders.ledger import Claim


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
