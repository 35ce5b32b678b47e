"""Writing the notifications of a change: ``notify`` is called by the services that make
the change, inside their transaction (it never commits), so a change and the news of it
are saved together or not at all.

Set-based whatever the number of units: one query for the recipients (the active focal
points of the units involved, or the tasks' owners), one for their preferences, one
multi-row insert. The actor is never told about their own action.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select

from tracker.extensions import db
from tracker.models import Notification, NotificationPreference, Role, Task, User
from tracker.services import webhooks
from tracker.services.notifications.kinds import DEFAULT_MODE, KINDS, TASK_CHANGED, audience


@dataclass(frozen=True)
class Happening:
    """Something that happened to one task (and, for a unit, one of its assignments)."""

    kind: str
    task_id: int
    unit_id: int | None = None
    assignment_id: int | None = None
    data: dict = field(default_factory=dict)


def notify(happenings: Sequence[Happening], *, actor_id: int | None, now: datetime) -> int:
    """Add a notification per recipient of each happening (not committed); return how many.

    Each is marked for delivery by its recipient's preference for its kind (the kind's
    default when they chose none): ``immediate``, ``digest`` or ``off``.
    """
    if not happenings:
        return 0
    unknown = {h.kind for h in happenings} - set(KINDS)
    if unknown:
        raise ValueError(f"unknown notification kinds: {sorted(unknown)}")
    # The caller's pending changes stay pending: flushed here, a concurrent edit of a
    # versioned row would fail outside the caller's commit, which turns it into StaleEdit.
    with db.session.no_autoflush:
        # Other systems hear of the same happenings, in the same transaction; of a task's
        # change once, from the task (``tasks.editing``), not once per unit told.
        webhooks.enqueue(
            [
                webhooks.Event(h.kind, h.task_id, h.unit_id, h.assignment_id, h.data)
                for h in happenings
                if h.kind != TASK_CHANGED
            ],
            now=now,
        )
        return _insert(happenings, actor_id=actor_id, now=now)


def _insert(happenings: Sequence[Happening], *, actor_id: int | None, now: datetime) -> int:
    pairs = _recipients(happenings, actor_id)
    if not pairs:
        return 0
    modes = _preferences({user_id for user_id, _ in pairs}, {h.kind for _, h in pairs})
    rows = [
        {
            "user_id": user_id,
            "kind": h.kind,
            "created_at": now,
            "read_at": None,
            "actor_id": actor_id,
            "task_id": h.task_id,
            "assignment_id": h.assignment_id,
            "unit_id": h.unit_id,
            "data": h.data,
            "delivery": modes.get((user_id, h.kind), DEFAULT_MODE[h.kind]),
            "email_id": None,
        }
        for user_id, h in pairs
    ]
    db.session.execute(insert(Notification), rows)
    return len(rows)


def _recipients(happenings: Sequence[Happening], actor_id: int | None):
    """Return (user id, happening) for every recipient, one query per audience involved."""
    for_units = [h for h in happenings if audience(h.kind) == "units" and h.unit_id is not None]
    for_owner = [h for h in happenings if audience(h.kind) == "owner"]
    pairs: list[tuple[int, Happening]] = []
    if for_units:
        focal_points: dict[int, list[int]] = defaultdict(list)
        for user_id, unit_id in db.session.execute(
            select(User.id, User.unit_id)
            .where(
                User.role == Role.FOCAL_POINT,
                User.reachable,
                User.unit_id.in_({h.unit_id for h in for_units}),
            )
            .order_by(User.id)
        ):
            focal_points[unit_id].append(user_id)
        pairs.extend((u, h) for h in for_units for u in focal_points.get(h.unit_id, ()))
    if for_owner:
        owners = dict(
            db.session.execute(
                select(Task.id, Task.owner_id)
                .join(User, User.id == Task.owner_id)
                .where(Task.id.in_({h.task_id for h in for_owner}), User.reachable)
            ).all()
        )
        pairs.extend((owners[h.task_id], h) for h in for_owner if h.task_id in owners)
    return [(user_id, h) for user_id, h in pairs if user_id != actor_id]


def _preferences(user_ids: set[int], kinds: set[str]) -> dict[tuple[int, str], str]:
    """Return the chosen mode of each (user, kind) that has one (one query)."""
    return {
        (row.user_id, row.kind): row.mode
        for row in db.session.execute(
            select(
                NotificationPreference.user_id,
                NotificationPreference.kind,
                NotificationPreference.mode,
            ).where(
                NotificationPreference.user_id.in_(user_ids),
                NotificationPreference.kind.in_(kinds),
            )
        )
    }
