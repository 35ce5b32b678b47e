"""What the integration API reads: units, tasks and assignments, a page at a time after a
cursor (the last id seen), within what the token's user may see: a focal point only
their own unit and its assignments, everyone else the whole programme.

Pages are keyset pages (``id > cursor ORDER BY id``): the thousandth page costs what the
first does, and rows added while a client pages through do not shift what it reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tracker.domain.localtime import end_of_day, start_of_day
from tracker.domain.status import TimeStatus
from tracker.extensions import db
from tracker.models import (
    Assignment,
    EmailMessage,
    ExtensionRequest,
    Reminder,
    Role,
    Task,
    Unit,
    User,
)
from tracker.services import access, days_off, status_sql
from tracker.services.admin import users as user_admin
from tracker.services.admin.users import UserFilters
from tracker.services.calendar import load_calendar
from tracker.services.status_sql import AsOf

A = Assignment


def _page(query, id_column, after: int | None, limit: int) -> list:
    if after is not None:
        query = query.where(id_column > after)
    return list(db.session.execute(query.order_by(id_column).limit(limit + 1)))


@dataclass(frozen=True)
class Page:
    """Rows of one page and the cursor of the next (None on the last page)."""

    items: list
    next_after: int | None


def _paged(rows: list, limit: int, key) -> Page:
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows, key(rows[-1]))
    return Page(rows, None)


def units(user: User, *, after: int | None, limit: int, group: str | None = None) -> Page:
    """Return a page of the units ``user`` may see, in id order."""
    query = select(Unit)
    if (own := access.unit_scope_of(user)) is not None:
        query = query.where(Unit.id == own)
    if group:
        query = query.where(Unit.group == group)
    rows = [row[0] for row in _page(query, Unit.id, after, limit)]
    return _paged(rows, limit, lambda u: u.id)


def unit(user: User, unit_id: int) -> Unit | None:
    """Return the unit when ``user`` may see it, else None."""
    return db.session.get(Unit, unit_id) if access.can_see_unit(user, unit_id) else None


def _task_query(user: User):
    query = select(Task).where(Task.recurrence.is_(None))
    if (own := access.unit_scope_of(user)) is not None:
        query = query.where(Task.id.in_(select(A.task_id).where(A.unit_id == own)))
    return query


def tasks(user: User, *, after: int | None, limit: int, open_only: bool = False) -> Page:
    """Return a page of the tasks ``user`` may see (a focal point: those given to their
    unit), in id order; ``open_only`` leaves out closed tasks."""
    query = _task_query(user)
    if open_only:
        query = query.where(Task.closed_at.is_(None))
    rows = [row[0] for row in _page(query, Task.id, after, limit)]
    return _paged(rows, limit, lambda t: t.id)


def task(user: User, task_id: int) -> Task | None:
    """Return the task when ``user`` may see it, else None."""
    return db.session.scalar(_task_query(user).where(Task.id == task_id))


@dataclass(frozen=True)
class AssignmentFilters:
    task_id: int | None = None
    unit_id: int | None = None
    group: str | None = None
    state: str | None = None
    status: str | None = None  # a TimeStatus value
    due_from: date | None = None
    due_to: date | None = None
    updated_since: datetime | None = None


def as_of_today(today: date, due_soon_days: int, day_off_rolls: bool) -> AsOf:
    """Return the as-of of ``today`` with the calendar and the rule for days off."""
    rule = days_off.load_rule(day_off_rolls)
    return AsOf.build(today, load_calendar(), due_soon_days, rule=rule)


def _assignment_query(user: User, as_of: AsOf):
    query = select(A, status_sql.status_expression(as_of).label("status"))
    if (own := access.unit_scope_of(user)) is not None:
        query = query.where(A.unit_id == own)
    return query


def assignments(
    user: User, filters: AssignmentFilters, as_of: AsOf, *, after: int | None, limit: int
) -> Page:
    """Return a page of the assignments ``user`` may see matching ``filters``, each with
    its time status at ``as_of``, in id order."""
    query = _assignment_query(user, as_of)
    f = filters
    if f.task_id is not None:
        query = query.where(A.task_id == f.task_id)
    if f.unit_id is not None:
        query = query.where(A.unit_id == f.unit_id)
    if f.group:
        query = query.where(A.unit_id.in_(select(Unit.id).where(Unit.group == f.group)))
    if f.state:
        query = query.where(A.state == f.state)
    if f.status:
        query = query.where(status_sql.status_filter(TimeStatus(f.status), as_of))
    if f.due_from is not None:
        query = query.where(A.due_date >= f.due_from)
    if f.due_to is not None:
        query = query.where(A.due_date <= f.due_to)
    if f.updated_since is not None:
        query = query.where(A.updated_at >= f.updated_since)
    rows = _page(query, A.id, after, limit)
    return _paged(rows, limit, lambda row: row[0].id)


def assignment(user: User, assignment_id: int, as_of: AsOf):
    """Return (assignment, status) when ``user`` may see it, else None."""
    return db.session.execute(_assignment_query(user, as_of).where(A.id == assignment_id)).first()


def emails(*, state: str | None, unit_id: int | None, before: int | None, limit: int) -> Page:
    """Return a page of the email log, newest first (ids descending), after the cursor
    ``before`` (the last id of the previous page)."""
    query = select(EmailMessage)
    if state:
        query = query.where(EmailMessage.state == state)
    if unit_id is not None:
        query = query.where(EmailMessage.unit_id == unit_id)
    if before is not None:
        query = query.where(EmailMessage.id < before)
    rows = list(db.session.scalars(query.order_by(EmailMessage.id.desc()).limit(limit + 1)))
    return _paged(rows, limit, lambda e: e.id)


# ----------------------------------------------------------------------- extension requests

X = ExtensionRequest


@dataclass(frozen=True)
class ExtensionFilters:
    state: str | None = None
    task_id: int | None = None
    unit_id: int | None = None
    assignment_id: int | None = None


def _extension_query(user: User):
    """Return (request, task id, unit id) rows of the requests ``user`` may see: those of
    the assignments they may see (a focal point: their unit's), as the assignment page
    shows them."""
    query = select(X, A.task_id, A.unit_id).join(A, A.id == X.assignment_id)
    if (own := access.unit_scope_of(user)) is not None:
        query = query.where(A.unit_id == own)
    return query


def extension_requests(
    user: User, filters: ExtensionFilters, *, after: int | None, limit: int
) -> Page:
    """Return a page of the extension requests ``user`` may see matching ``filters``, as
    (request, task id, unit id), in id order."""
    query = _extension_query(user)
    if filters.state:
        query = query.where(X.state == filters.state)
    if filters.task_id is not None:
        query = query.where(A.task_id == filters.task_id)
    if filters.unit_id is not None:
        query = query.where(A.unit_id == filters.unit_id)
    if filters.assignment_id is not None:
        query = query.where(X.assignment_id == filters.assignment_id)
    return _paged(_page(query, X.id, after, limit), limit, lambda row: row[0].id)


def extension_request(user: User, request_id: int):
    """Return (request, task id, unit id) when ``user`` may see the request, else None."""
    return db.session.execute(_extension_query(user).where(X.id == request_id)).first()


# ----------------------------------------------------------------------- the reminder ledger

STAFF = (Role.ADMIN, Role.COORDINATOR)


@dataclass(frozen=True)
class ReminderFilters:
    task_id: int | None = None
    unit_id: int | None = None
    assignment_id: int | None = None
    state: str | None = None
    stage: str | None = None
    day_from: date | None = None  # the local days the reminders were written
    day_to: date | None = None


def reminders(
    user: User, filters: ReminderFilters, zone: ZoneInfo, *, before: int | None, limit: int
) -> Page:
    """Return a page of the reminder ledger, newest first (ids descending) before the cursor
    ``before``: for administrators and coordinators every row (as the email log), for the
    others the reminders of the assignments they may see (as the assignment page shows
    them; a focal point: their unit's). Days are local days in ``zone``."""
    query = select(Reminder)
    if user.role not in STAFF:
        # A digest or weekly summary is about no one assignment: the staff's alone.
        visible = select(A.id)
        if (own := access.unit_scope_of(user)) is not None:
            visible = visible.where(A.unit_id == own)
        query = query.where(Reminder.assignment_id.in_(visible))
    f = filters
    if f.task_id is not None:
        query = query.where(Reminder.task_id == f.task_id)
    if f.unit_id is not None:  # through the assignment: its index, not a scan of the ledger
        query = query.where(Reminder.assignment_id.in_(select(A.id).where(A.unit_id == f.unit_id)))
    if f.assignment_id is not None:
        query = query.where(Reminder.assignment_id == f.assignment_id)
    if f.state:
        query = query.where(Reminder.state == f.state)
    if f.stage:
        query = query.where(Reminder.stage == f.stage)
    if f.day_from is not None:
        query = query.where(Reminder.claimed_at >= start_of_day(f.day_from, zone))
    if f.day_to is not None:
        query = query.where(Reminder.claimed_at <= end_of_day(f.day_to, zone))
    if before is not None:
        query = query.where(Reminder.id < before)
    rows = list(db.session.scalars(query.order_by(Reminder.id.desc()).limit(limit + 1)))
    return _paged(rows, limit, lambda r: r.id)


# ----------------------------------------------------------------------- user accounts


def users(actor: User, filters: UserFilters, *, after: int | None, limit: int) -> Page:
    """Return a page of the accounts matching ``filters`` (as Administration → Users
    filters them), in id order, for an administrator; else NotAllowed."""
    query = user_admin.load_query(actor, filters).order_by(None)
    rows = [row[0] for row in _page(query, User.id, after, limit)]
    return _paged(rows, limit, lambda u: u.id)
