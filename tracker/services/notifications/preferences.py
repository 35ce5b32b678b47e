"""Each user's choice, per kind, of how notifications reach them by email: immediately
(coalesced over a short window), in the daily digest, or not at all (in the app only)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select

from tracker.extensions import db
from tracker.models import NotificationPreference, User
from tracker.services import events
from tracker.services.errors import ServiceError
from tracker.services.notifications.kinds import DEFAULT_MODE, MODES, kinds_for

CHANGED_EVENT = "notifications_changed"  # Event.kind holds 30 characters


def modes_of(user: User) -> dict[str, str]:
    """Return the mode in force for each kind ``user`` may receive, in the kinds' order."""
    kinds = kinds_for(user.role)
    if not kinds:
        return {}
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.mode).where(
                NotificationPreference.user_id == user.id,
                NotificationPreference.kind.in_(kinds),
            )
        ).all()
    )
    return {kind: chosen.get(kind, DEFAULT_MODE[kind]) for kind in kinds}


def save(user: User, choices: Mapping[str, str], *, now: datetime) -> dict[str, list[str]]:
    """Save ``user``'s modes for the kinds of their role and commit with a recorded event;
    return what changed as {kind: [old, new]} (nothing saved when nothing changed).

    Refuses (changing nothing) a kind the role does not receive or an unknown mode.
    """
    allowed = kinds_for(user.role)
    if set(choices) - set(allowed) or set(choices.values()) - set(MODES):
        raise ServiceError(_l("Choose one of the offered options for each kind."))
    current = modes_of(user)
    changed = {k: [current[k], mode] for k, mode in choices.items() if current[k] != mode}
    if not changed:
        return {}
    db.session.execute(
        delete(NotificationPreference).where(
            NotificationPreference.user_id == user.id,
            NotificationPreference.kind.in_(list(changed)),
        )
    )
    db.session.execute(
        insert(NotificationPreference),
        [
            {"user_id": user.id, "kind": k, "mode": new, "updated_at": now}
            for k, (_o, new) in changed.items()
        ],
    )
    events.record(CHANGED_EVENT, actor=user, now=now, target=f"user:{user.id}", data=changed)
    db.session.commit()
    return changed
