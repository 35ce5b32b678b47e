"""The notification centre: the bell's unread count, a user's list of notifications, and
marking them read. Every function reads or changes only the given user's notifications,
in a constant number of queries whatever their number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ScalarSelect, func, select, update
from sqlalchemy.orm import aliased

from tracker.extensions import db
from tracker.models import Assignment, Notification, Task, Unit, User
from tracker.services import paging
from tracker.services.errors import NotFound
from tracker.services.notifications import items
from tracker.services.notifications.kinds import KINDS

# The bell counts at most this many unread rows; more shows as "99+".
BELL_CAP = 100

NOT_FOUND = _l("This notification does not exist.")


def unread_count(user_id: int, cap: int = BELL_CAP) -> int:
    """Return how many of the user's notifications are unread, counting at most ``cap``
    (one query, on the (user, read) index)."""
    return db.session.scalar(select(unread_count_of(user_id, cap))) or 0


def unread_count_of(user_id, cap: int = BELL_CAP) -> ScalarSelect[int]:
    """Return the unread count as a subquery, to read along with the user (``user_id``: an
    id or a column such as ``User.id``)."""
    unread = (
        select(Notification.id)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .correlate_except(Notification)
        .limit(cap)
        .subquery()
    )
    return select(func.count()).select_from(unread).scalar_subquery()


def bell_label(count: int, cap: int = BELL_CAP) -> str:
    """Return the bell's count as shown: nothing, the number, or "99+" from ``cap - 1`` on."""
    if count <= 0:
        return ""
    return f"{cap - 1}+" if count >= cap else str(count)


@dataclass(frozen=True)
class Filters:
    """What the centre shows: one kind or all, unread only or all."""

    kind: str = ""
    unread: bool = False

    @classmethod
    def parse(cls, kind: str | None, unread: str | None) -> Filters:
        """Return filters from query-string values, ignoring unknown ones."""
        return cls(kind if kind in KINDS else "", unread in ("1", "on", "true"))


@dataclass(frozen=True)
class Entry:
    """A notification as the centre lists it, with the names it shows."""

    id: int
    kind: str
    created_at: datetime
    read_at: datetime | None
    data: dict
    task_id: int | None
    task_title: str
    assignment_id: int | None
    unit_name: str
    actor_name: str
    unit_name_en: str | None = None

    @property
    def unit(self) -> items.UnitNames:
        """Return the unit's names, for ``labels.unit_name`` in the reader's language."""
        return items.UnitNames(self.unit_name, self.unit_name_en)

    @property
    def unread(self) -> bool:
        return self.read_at is None

    @property
    def facts(self) -> dict:
        """Return the data with its dates parsed (as emails show them)."""
        return items.facts(self.data)


def page(user_id: int, filters: Filters, *, number: int, size: int):
    """Return page ``number`` of the user's notifications, newest first (two queries: the
    count and the rows, names joined in); its items are ``Entry`` values."""
    actor = aliased(User)
    query = (
        select(
            Notification.id,
            Notification.kind,
            Notification.created_at,
            Notification.read_at,
            Notification.data,
            Notification.task_id,
            func.coalesce(Task.title, "").label("task_title"),
            Notification.assignment_id,
            func.coalesce(Unit.name, "").label("unit_name"),
            func.coalesce(actor.name, "").label("actor_name"),
            Unit.name_en.label("unit_name_en"),
        )
        .outerjoin(Task, Task.id == Notification.task_id)
        .outerjoin(Unit, Unit.id == Notification.unit_id)
        .outerjoin(actor, actor.id == Notification.actor_id)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    if filters.kind:
        query = query.where(Notification.kind == filters.kind)
    if filters.unread:
        query = query.where(Notification.read_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    number = max(1, number)
    rows = db.session.execute(query.limit(size).offset((number - 1) * size)).all()
    return paging.ListPage([Entry(**row._mapping) for row in rows], number, size, total=total)


def _own(user_id: int, notification_id: int) -> Notification:
    """Return the user's notification; another user's is as absent as a missing one."""
    found = db.session.get(Notification, notification_id)
    if found is None or found.user_id != user_id:
        raise NotFound(NOT_FOUND)
    return found


def mark_read(user_id: int, notification_id: int, *, now: datetime) -> Notification:
    """Mark one of the user's notifications read (kept read if it was) and commit."""
    found = _own(user_id, notification_id)
    if found.read_at is None:
        found.read_at = now
        db.session.commit()
    return found


def mark_all_read(user_id: int, *, now: datetime) -> int:
    """Mark every unread notification of the user read (one statement), commit; return how
    many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount or 0


def target_of(notification: Notification) -> tuple[str, dict]:
    """Return the endpoint and values of the page a notification is about."""
    if notification.assignment_id is not None:
        return "assignments.detail", {"assignment_id": notification.assignment_id}
    return "tasks.detail", {"task_id": notification.task_id}


def assignment_exists(assignment_id: int) -> bool:
    """Return whether the assignment still exists (a removed one leaves its task)."""
    return db.session.get(Assignment, assignment_id) is not None
