"""Notifications by email.

- ``flush_due``: the coalesced email. Once a user's oldest waiting ``immediate``
  notification is ``notification_window_minutes`` old, everything waiting for them goes in
  ONE email (twelve tasks assigned to a unit in a sitting are one email to its focal point;
  one task assigned to 63 provinces is 63 emails, one each).
- ``digest_items`` / ``mark_emailed``: the ``digest`` notifications the daily sweep lists in
  the email it sends each person anyway (partials ``email/_updates.txt|html``);
  ``daily_letters``: a daily email of them for people the sweep does not write to.

Emails are queued in the outbox in the same transaction that marks the notifications
``emailed`` with the email's id: a crash leaves both or neither.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from tracker import mail
from tracker.extensions import db
from tracker.labels import unit_name
from tracker.mail import Letter, Recipient
from tracker.models import Notification, User
from tracker.services.notifications import items
from tracker.services.notifications.items import Update
from tracker.services.notifications.kinds import (
    ASSIGNED,
    CONFIRMED,
    DIGEST,
    DUE_CHANGED,
    EMAILED,
    EXTENSION_DECIDED,
    EXTENSION_REQUESTED,
    IMMEDIATE,
    OFF,
    RETURNED,
    SUBMITTED,
    TASK_CHANGED,
)
from tracker.services.outbox.queue import queue
from tracker.settings import Settings

# Users whose email is composed, queued and marked in one transaction.
BATCH = 200

EMAIL_KIND = "notification"
DIGEST_EMAIL_KIND = "notification_digest"


def flush_due(now: datetime, settings: Settings) -> int:
    """Queue one email per user whose oldest waiting ``immediate`` notification is at least
    ``settings.notification_window_minutes`` old, listing all they have waiting, and mark
    those notifications emailed; commit per batch of users. Return how many emails."""
    cutoff = now - timedelta(minutes=settings.notification_window_minutes)
    user_ids = list(
        db.session.scalars(
            select(Notification.user_id)
            .where(Notification.delivery == IMMEDIATE)
            .group_by(Notification.user_id)
            .having(func.min(Notification.created_at) <= cutoff)
            .order_by(Notification.user_id)
        )
    )
    queued = 0
    for start in range(0, len(user_ids), BATCH):
        queued += _flush(user_ids[start : start + BATCH], now, settings)
    return queued


def _flush(user_ids: Sequence[int], now: datetime, settings: Settings) -> int:
    # Another sender flushing at the same moment skips these rows (PostgreSQL; SQLite has
    # one writer at a time).
    statement = items.query(user_ids, IMMEDIATE).with_for_update(of=Notification, skip_locked=True)
    pending = items.load(statement)
    letters, lists = _letters(pending, settings, digest=False)
    email_ids = queue(letters, now=now, settings=settings)
    mark_emailed(lists, email_ids)
    _turn_off(pending, {letter.user_id for letter in letters})
    db.session.commit()
    return len(letters)


def digest_items(user_ids: Collection[int]) -> dict[int, list[Update]]:
    """Return the ``digest`` notifications waiting for each of the users (those with none
    are absent), oldest first: the items the daily email lists (``email/_updates``)."""
    if not user_ids:
        return {}
    return items.load(items.query(user_ids, DIGEST))


def daily_letters(
    now: datetime, settings: Settings, skip_user_ids: Collection[int] = ()
) -> tuple[list[Letter], list[list[int]]]:
    """Return a daily email for each user with ``digest`` notifications made by ``now``,
    except ``skip_user_ids`` (whom the sweep writes to anyway), and, for each letter, the
    ids of the notifications it lists (to ``mark_emailed`` once queued). Changes nothing."""
    skip = set(skip_user_ids)
    user_ids = [
        user_id
        for user_id in db.session.scalars(
            select(Notification.user_id)
            .where(Notification.delivery == DIGEST, Notification.created_at <= now)
            .group_by(Notification.user_id)
            .order_by(Notification.user_id)
        )
        if user_id not in skip
    ]
    if not user_ids:
        return [], []
    pending = items.load(items.query(user_ids, DIGEST).where(Notification.created_at <= now))
    return _letters(pending, settings, digest=True)


def _letters(
    pending: dict[int, list[Update]], settings: Settings, *, digest: bool
) -> tuple[list[Letter], list[list[int]]]:
    """Return a letter per active user of ``pending`` and the ids each lists."""
    if not pending:
        return [], []
    people = {
        person.id: person
        for person in db.session.execute(
            select(User.id, User.email, User.name, User.language, User.unit_id).where(
                User.id.in_(list(pending)), User.reachable
            )
        )
    }
    preferences = mail.link("account.notifications")
    letters: list[Letter] = []
    lists: list[list[int]] = []
    for user_id, updates in pending.items():
        person = people.get(user_id)
        if person is None:
            continue
        language = person.language or settings.default_language
        recipient = Recipient(person.email, person.name, language)
        with force_locale(recipient.language):
            subject = digest_subject(updates) if digest else subject_of(updates)
        letters.append(
            mail.compose(
                "notifications",
                recipient,
                subject,
                kind=DIGEST_EMAIL_KIND if digest else EMAIL_KIND,
                unit_id=person.unit_id,
                user_id=person.id,
                updates=updates,
                digest=digest,
                preferences_url=preferences,
            )
        )
        lists.append([u.id for u in updates])
    return letters, lists


def mark_emailed(lists: Sequence[Sequence[int]], email_ids: Sequence[int]) -> None:
    """Mark each list's notifications emailed in the email of the same position (one
    compiled statement, not committed)."""
    rows = [
        {"id": nid, "delivery": EMAILED, "email_id": email_id}
        for ids, email_id in zip(lists, email_ids, strict=True)
        for nid in ids
    ]
    if rows:
        db.session.execute(update(Notification), rows)


def _turn_off(pending: dict[int, list[Update]], written: set[int]) -> None:
    """Stop waiting to email people who can no longer receive it (deactivated)."""
    ids = [u.id for user_id, updates in pending.items() if user_id not in written for u in updates]
    if ids:
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(ids))
            .values(delivery=OFF)
            .execution_options(synchronize_session=False)
        )


def subject_of(updates: Sequence[Update]) -> str:
    """Return the subject of an email of ``updates``, in the active language: what happened
    to which task for one, how many of what for several."""
    if len(updates) == 1:
        update_ = updates[0]
        title = update_.task_title
        if update_.kind in (EXTENSION_REQUESTED, SUBMITTED):
            unit = unit_name(update_.unit)
            title = f"{title} ({unit})" if unit else title
        return _("%(what)s: %(title)s", what=headline(update_), title=title)
    return ngettext(
        "%(num)d update: %(summary)s",
        "%(num)d updates: %(summary)s",
        len(updates),
        summary=summary(updates),
    )


def digest_subject(updates: Sequence[Update]) -> str:
    """Return the subject of a daily email of ``updates``, in the active language."""
    return ngettext(
        "Daily summary: %(num)d update (%(summary)s)",
        "Daily summary: %(num)d updates (%(summary)s)",
        len(updates),
        summary=summary(updates),
    )


def headline(update_: Update) -> str:
    """Return what happened, in a few words (the subject of an email of one update)."""
    if update_.kind == EXTENSION_DECIDED:
        return _("Extension approved") if update_.facts.get("approved") else _("Extension refused")
    return {
        ASSIGNED: _("Task assigned"),
        TASK_CHANGED: _("Task content changed"),
        DUE_CHANGED: _("Due date changed"),
        RETURNED: _("Report returned"),
        CONFIRMED: _("Report confirmed"),
        EXTENSION_REQUESTED: _("Extension requested"),
        SUBMITTED: _("Report awaiting confirmation"),
    }[update_.kind]


def summary(updates: Sequence[Update]) -> str:
    """Return how many of each kind, in the order they first happened ("12 tasks
    assigned, 1 report returned")."""
    counts = Counter(u.kind for u in updates)
    return ", ".join(_count(kind, n) for kind, n in counts.items())


def _count(kind: str, n: int) -> str:
    words = {
        ASSIGNED: ngettext("%(num)d task assigned", "%(num)d tasks assigned", n),
        TASK_CHANGED: ngettext("%(num)d task changed", "%(num)d tasks changed", n),
        DUE_CHANGED: ngettext("%(num)d due date changed", "%(num)d due dates changed", n),
        RETURNED: ngettext("%(num)d report returned", "%(num)d reports returned", n),
        CONFIRMED: ngettext("%(num)d report confirmed", "%(num)d reports confirmed", n),
        EXTENSION_DECIDED: ngettext("%(num)d extension decided", "%(num)d extensions decided", n),
        EXTENSION_REQUESTED: ngettext("%(num)d extension request", "%(num)d extension requests", n),
        SUBMITTED: ngettext(
            "%(num)d report awaiting confirmation", "%(num)d reports awaiting confirmation", n
        ),
    }
    return words[kind]
