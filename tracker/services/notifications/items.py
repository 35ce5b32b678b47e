"""Pending notifications loaded as the items an email lists: what happened, to which task
and unit, with its reason or dates and a link to the page it is about."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from tracker import mail
from tracker.extensions import db
from tracker.models import Notification, Task, Unit, User

# Keys of a notification's data that hold ISO dates.
DATE_KEYS = ("due", "old", "new", "requested", "current", "submitted_on")


class UnitNames(NamedTuple):
    """A unit's official (Vietnamese) name and its English one, if known."""

    name: str
    name_en: str | None


@dataclass(frozen=True)
class Update:
    """One pending notification as an email lists it (``facts``: its data, dates parsed)."""

    id: int
    user_id: int
    kind: str
    created_at: datetime
    facts: dict
    task_id: int | None
    task_title: str
    assignment_id: int | None
    unit_name: str
    actor_name: str
    url: str
    unit_name_en: str | None = None

    @property
    def unit(self) -> UnitNames:
        """Return the unit's names, for ``labels.unit_name`` in the reader's language."""
        return UnitNames(self.unit_name, self.unit_name_en)


def facts(data: dict | None) -> dict:
    """Return a notification's data with its ISO dates as dates (for templates)."""
    result = dict(data or {})
    for key in DATE_KEYS:
        value = result.get(key)
        if isinstance(value, str):
            try:
                result[key] = date.fromisoformat(value)
            except ValueError:
                result[key] = None
    return result


def query(user_ids: Collection[int], delivery: str) -> Select:
    """Return the query of the users' notifications waiting with ``delivery``, oldest first,
    task, unit and actor names joined in."""
    actor = aliased(User)
    return (
        select(
            Notification.id,
            Notification.user_id,
            Notification.kind,
            Notification.created_at,
            Notification.data,
            Notification.task_id,
            Task.title.label("task_title"),
            Notification.assignment_id,
            Unit.name.label("unit_name"),
            Unit.name_en.label("unit_name_en"),
            actor.name.label("actor_name"),
        )
        .outerjoin(Task, Task.id == Notification.task_id)
        .outerjoin(Unit, Unit.id == Notification.unit_id)
        .outerjoin(actor, actor.id == Notification.actor_id)
        .where(Notification.user_id.in_(list(user_ids)), Notification.delivery == delivery)
        .order_by(Notification.user_id, Notification.created_at, Notification.id)
    )


def load(statement: Select) -> dict[int, list[Update]]:
    """Return the rows of a ``query`` as updates grouped by user, in order."""
    grouped: dict[int, list[Update]] = defaultdict(list)
    for row in db.session.execute(statement):
        if row.assignment_id is not None:
            url = mail.link("assignments.detail", assignment_id=row.assignment_id)
        else:
            url = mail.link("tasks.detail", task_id=row.task_id) if row.task_id else ""
        grouped[row.user_id].append(
            Update(
                id=row.id,
                user_id=row.user_id,
                kind=row.kind,
                created_at=row.created_at,
                facts=facts(row.data),
                task_id=row.task_id,
                task_title=row.task_title or "",
                assignment_id=row.assignment_id,
                unit_name=row.unit_name or "",
                unit_name_en=row.unit_name_en,
                actor_name=row.actor_name or "",
                url=url,
            )
        )
    return dict(grouped)
