"""Webhooks: other systems told, by a signed POST, when things happen.

Administrators register endpoints for event types. Each event becomes one delivery row per
endpoint in the transaction of the change (an outbox, as email's): a change that rolls back
tells nobody, and a crash loses nothing. The outbox's sender delivers them (``deliver_due``,
in ``tracker send`` and the scheduler's sender): pending -> sending -> delivered | failed,
each transition committed; a ``sending`` row left by a crash goes back to pending after
``STALE``; failures retry with the email outbox's backoff and give up after
``MAX_ATTEMPTS``; an endpoint failing ``DISABLE_AFTER`` deliveries in a row is disabled
and the administrators are emailed.

Each POST carries ``X-Tracker-Signature: t=<unix time>,v1=<hex>``, the HMAC-SHA256 of
``"<t>.<body>"`` under the endpoint's secret; receivers reject a ``t`` more than five
minutes away from their clock (see the README).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import insert, select, update

from tracker.extensions import db
from tracker.mail import Letter, Recipient
from tracker.models import Role, User, WebhookDelivery, WebhookEndpoint
from tracker.services import events
from tracker.services.access import require_role
from tracker.services.errors import ServiceError
from tracker.services.outbox import queue as outbox
from tracker.services.outbox.sender import retry_delay
from tracker.settings import Settings

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"
# Event types, by the kind of happening: most are the notification kind that tells people
# of the same happening (``notifications.recording`` passes them on); the others are told by
# the service that makes the change (tasks: ``tasks.editing``, the recurrence's occurrences;
# the midnight job: ``assignments.overdue``; a merger: ``reorganisation.records``).
TASK_CREATED, TASK_CHANGED, OVERDUE, UNIT_MERGED = (
    "task_created", "task_changed", "overdue", "unit_merged"
)  # fmt: skip
EVENT_TYPES = {
    "assigned": "assignment.assigned",
    TASK_CREATED: "task.created",
    TASK_CHANGED: "task.changed",
    "due_changed": "assignment.due_changed",
    "submitted": "assignment.submitted",
    "confirmed": "assignment.confirmed",
    "returned": "assignment.returned",
    OVERDUE: "assignment.overdue",
    "extension_requested": "extension.requested",
    "extension_decided": "extension.decided",
    UNIT_MERGED: "unit.merged",
}
TYPES = tuple(EVENT_TYPES.values())
MAX_ATTEMPTS = 8
DISABLE_AFTER = 15
STALE = timedelta(minutes=5)
TIMEOUT_SECONDS = 10
RETRY_MINUTES = 1
SIGNATURE_HEADER = "X-Tracker-Signature"
REPLAY_WINDOW = timedelta(minutes=5)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the signature header's value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


# ----------------------------------------------------------------------- endpoints


def create_endpoint(
    actor: User, *, url: str, kinds: Sequence[str], description: str, now: datetime
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint (committed); return it with its secret, shown once."""
    require_role(actor, Role.ADMIN)
    chosen = [kind for kind in TYPES if kind in set(kinds)]
    if not chosen:
        raise ServiceError(_l("Choose at least one kind of event."))
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        url=url.strip(),
        description=" ".join(description.split())[:200],
        secret=secret,
        kinds=",".join(chosen),
        active=True,
        failures=0,
        created_at=now,
        created_by_id=actor.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    events.record(
        "webhook_created", actor=actor, now=now, target=f"webhook:{endpoint.id}",
        note=endpoint.url, data={"kinds": chosen},
    )  # fmt: skip
    db.session.commit()
    return endpoint, secret


def set_active(actor: User, endpoint_id: int, active: bool, *, now: datetime) -> WebhookEndpoint:
    """Enable or disable an endpoint (committed); enabling starts its failure count afresh."""
    require_role(actor, Role.ADMIN)
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise ServiceError(_l("There is no such webhook."))
    endpoint.active, endpoint.failures = active, 0 if active else endpoint.failures
    endpoint.disabled_at = None if active else now
    kind = "webhook_enabled" if active else "webhook_disabled"
    events.record(kind, actor=actor, now=now, target=f"webhook:{endpoint.id}", note=endpoint.url)
    db.session.commit()
    return endpoint


def redeliver(actor: User, delivery_id: int, *, now: datetime) -> WebhookDelivery:
    """Queue a delivery again, as a new delivery of the same event (committed)."""
    require_role(actor, Role.ADMIN)
    found = db.session.get(WebhookDelivery, delivery_id)
    if found is None:
        raise ServiceError(_l("There is no such delivery."))
    again = WebhookDelivery(
        endpoint_id=found.endpoint_id, event_id=found.event_id, event_type=found.event_type,
        body=found.body, state=PENDING, attempts=0, created_at=now, next_attempt_at=now,
        response_body="", error="",
    )  # fmt: skip
    db.session.add(again)
    events.record(
        "webhook_redelivered", actor=actor, now=now, target=f"webhook:{found.endpoint_id}",
        note=found.event_id,
    )  # fmt: skip
    db.session.commit()
    return again


# ----------------------------------------------------------------------- events


@dataclass(frozen=True)
class Event:
    """Something that happened, as webhooks tell it."""

    kind: str  # a key of EVENT_TYPES
    task_id: int | None  # None: not about one task (a unit merged)
    unit_id: int | None
    assignment_id: int | None
    data: dict


def listening(event_type: str) -> bool:
    """Return whether an active endpoint wants ``event_type`` (one query), so that work
    done only to tell it can be skipped."""
    kinds = db.session.scalars(select(WebhookEndpoint.kinds).where(WebhookEndpoint.active))
    return any(event_type in found.split(",") for found in kinds)


def enqueue(happened: Sequence[Event], *, now: datetime) -> int:
    """Add a delivery per active endpoint listening to each event (in the caller's
    transaction, not committed); return how many. One query when no endpoint listens."""
    # The caller's pending changes stay pending: flushed here, a concurrent edit of a
    # versioned row would fail outside the caller's commit, which turns it into StaleEdit.
    with db.session.no_autoflush:
        return _enqueue(happened, now)


def _enqueue(happened: Sequence[Event], now: datetime) -> int:
    listening = db.session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.kinds).where(WebhookEndpoint.active)
    ).all()
    if not listening:
        return 0
    rows = []
    for item in happened:
        event_type = EVENT_TYPES.get(item.kind)
        if event_type is None:
            continue
        event_id = str(uuid.uuid4())
        body = json.dumps(
            {
                "id": event_id,
                "type": event_type,
                "occurred_at": now.isoformat(),
                "data": {
                    "task_id": item.task_id,
                    "unit_id": item.unit_id,
                    "assignment_id": item.assignment_id,
                    **item.data,
                },
            },
            ensure_ascii=False,
            default=str,
        )
        for endpoint_id, kinds in listening:
            if event_type in kinds.split(","):
                rows.append({
                    "endpoint_id": endpoint_id, "event_id": event_id, "event_type": event_type,
                    "body": body, "state": PENDING, "attempts": 0, "created_at": now,
                    "next_attempt_at": now, "response_body": "", "error": "",
                })  # fmt: skip
    if rows:
        db.session.execute(insert(WebhookDelivery), rows)
    return len(rows)


# ----------------------------------------------------------------------- delivering


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.delivered + self.retrying + self.failed


def _take(now: datetime, limit: int) -> list[WebhookDelivery]:
    """Mark up to ``limit`` due deliveries ``sending`` and commit (several senders on
    PostgreSQL skip each other's rows); stale ``sending`` rows are due again."""
    due = (
        select(WebhookDelivery.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookEndpoint.active,
            db.or_(
                db.and_(WebhookDelivery.state == PENDING, WebhookDelivery.next_attempt_at <= now),
                db.and_(WebhookDelivery.state == SENDING, WebhookDelivery.locked_at < now - STALE),
            ),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True, of=WebhookDelivery)
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.rollback()
        return []
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids))
        .values(state=SENDING, locked_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(ids))))


def _post(delivery: WebhookDelivery, now: datetime) -> tuple[int | None, str, str]:
    """POST one delivery; return (status, the answer's start, the error). No transaction
    stays open while the receiver takes its time."""
    import requests  # only the sender posts

    url, secret, body = delivery.endpoint.url, delivery.endpoint.secret, delivery.body.encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "tracker-webhooks/1",
        "X-Tracker-Event": delivery.event_type,
        "X-Tracker-Delivery": str(delivery.id),
        SIGNATURE_HEADER: sign(secret, int(now.timestamp()), body),
    }
    db.session.commit()  # ends the read transaction (nothing is pending)
    try:
        answer = requests.post(
            url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.RequestException as error:
        return None, "", f"{type(error).__name__}: {error}"[:500]
    return answer.status_code, answer.text[:2000], ""


def deliver_due(clock, settings: Settings, *, limit: int = 50) -> DeliveryReport:
    """Deliver what is due (at most ``limit``), each outcome committed at once."""
    report = DeliveryReport()
    for delivery in _take(clock(), limit):
        if not delivery.endpoint.active:  # disabled meanwhile: waits until enabled again
            delivery.state, delivery.locked_at = PENDING, None
            db.session.commit()
            continue
        status, answer, error = _post(delivery, clock())
        now = clock()
        endpoint = delivery.endpoint
        delivery.attempts += 1
        delivery.locked_at = None
        delivery.response_status, delivery.response_body = status, answer
        if status is not None and 200 <= status < 300:
            delivery.state, delivery.delivered_at, delivery.error = DELIVERED, now, ""
            endpoint.failures = 0
            report.delivered += 1
        else:
            delivery.error = error or f"HTTP {status}"
            endpoint.failures += 1
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.state, delivery.next_attempt_at = FAILED, None
                report.failed += 1
            else:
                delivery.state = PENDING
                delivery.next_attempt_at = now + retry_delay(delivery.attempts, RETRY_MINUTES)
                report.retrying += 1
            if endpoint.active and endpoint.failures >= DISABLE_AFTER:
                _disable(endpoint, now, settings)
        db.session.commit()
    return report


def _disable(endpoint: WebhookEndpoint, now: datetime, settings: Settings) -> None:
    """Disable an endpoint that keeps failing, and email the administrators (queued in the
    same transaction)."""
    endpoint.active, endpoint.disabled_at = False, now
    events.record(
        "webhook_disabled", actor=None, now=now, target=f"webhook:{endpoint.id}",
        note=endpoint.url, data={"failures": endpoint.failures},
    )  # fmt: skip
    admins = db.session.scalars(select(User).where(User.role == Role.ADMIN, User.reachable))
    letters = []
    for admin in admins:
        with force_locale(admin.language or settings.default_language):
            subject = _("Webhook disabled after %(n)s failed deliveries", n=endpoint.failures)
            text = _(
                "The webhook %(url)s failed %(n)s deliveries in a row and has been disabled. "
                "Its events wait; enable it again in Administration → Webhooks once the "
                "receiver answers.",
                url=endpoint.url,
                n=endpoint.failures,
            )
        letters.append(
            Letter(
                kind="webhook",
                to=Recipient.of(admin),
                subject=subject,
                text=text,
                html=str(Markup("<p>{}</p>").format(text)),
                user_id=admin.id,
            )
        )
    outbox.queue(letters, now=now, settings=settings)


# ----------------------------------------------------------------------- for the admin pages


def endpoints(actor: User) -> list[WebhookEndpoint]:
    """Return every endpoint, newest first (administrators)."""
    require_role(actor, Role.ADMIN)
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id.desc())))


def deliveries(actor: User, endpoint_id: int, *, limit: int = 100):
    """Return an endpoint and its latest deliveries, newest first (administrators)."""
    require_role(actor, Role.ADMIN)
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise ServiceError(_l("There is no such webhook."))
    rows = db.session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return endpoint, list(rows)
