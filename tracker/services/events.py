"""Recording changes: every state change and administrative action becomes an ``Event``."""

from __future__ import annotations

from datetime import datetime

from tracker.extensions import db
from tracker.models import Assignment, Event, User


def record(
    kind: str,
    *,
    actor: User | None,
    now: datetime,
    assignment: Assignment | None = None,
    task_id: int | None = None,
    unit_id: int | None = None,
    target: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str = "",
    data: dict | None = None,
) -> Event:
    """Add (not commit) an event; an assignment's task and unit are filled in from it."""
    event = Event(
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        at=now,
        assignment=assignment,
        task_id=assignment.task_id if assignment is not None else task_id,
        unit_id=assignment.unit_id if assignment is not None else unit_id,
        target=target,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data,
    )
    db.session.add(event)
    return event
