"""Recording changes: every state change and administrative action becomes an ``Event``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from tracker.extensions import db
from tracker.models import Assignment, Event, User

# The API token a change is made through (its name), recorded with every event meanwhile.
_through_token: ContextVar[str | None] = ContextVar("through_token", default=None)


@contextmanager
def through_token(name: str) -> Iterator[None]:
    """Record the events made inside the block as made through the API token ``name``."""
    reset = _through_token.set(name)
    try:
        yield
    finally:
        _through_token.reset(reset)


def with_token(data: dict | None) -> dict | None:
    """Return an event's ``data`` naming the API token the change is made through, if any
    (for events inserted in bulk, which ``record`` does not see)."""
    if (token := _through_token.get()) is not None:
        return {**(data or {}), "api_token": token}
    return data


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
    """Add (not commit) an event; an assignment's task and unit are filled in from it, and
    the API token it is made through (``through_token``), if any, is named in its data."""
    data = with_token(data)
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
