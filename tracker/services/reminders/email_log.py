"""The email log as administrators read it: every email in the outbox, from queued to sent
or failed, failures first, with its attempts, the server's reply, and what it reminded of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import case, exists, func, select

from tracker.domain.localtime import end_of_day, start_of_day
from tracker.extensions import db
from tracker.models import Assignment, EmailMessage, Reminder, Task, Unit
from tracker.models.reminders import FAILED
from tracker.services import access, paging
from tracker.services.errors import NotFound


@dataclass(frozen=True)
class EmailLogFilters:
    """What the log is narrowed to: a state, a unit, a task, local days from and to."""

    state: str | None = None
    unit_id: int | None = None
    task_id: int | None = None
    day_from: date | None = None
    day_to: date | None = None


@dataclass(frozen=True)
class EmailLogPage:
    """A page of the log, the units and tasks (id, name) to filter by, and how many emails
    failed for good (whatever the filters)."""

    page: Pagination
    units: list[tuple[int, str]]
    tasks: list[tuple[int, str]]
    failed: int


def email_log(
    filters: EmailLogFilters, *, page: int, per_page: int, zone: ZoneInfo
) -> EmailLogPage:
    """Return page ``page`` of the emails matching ``filters`` (days in ``zone``), failures
    first then newest first (five queries)."""
    query = select(EmailMessage)
    if filters.state:
        query = query.where(EmailMessage.state == filters.state)
    if filters.unit_id:
        query = query.where(EmailMessage.unit_id == filters.unit_id)
    if filters.task_id:
        query = query.where(
            exists().where(
                Reminder.email_id == EmailMessage.id, Reminder.task_id == filters.task_id
            )
        )
    if filters.day_from:
        query = query.where(EmailMessage.created_at >= start_of_day(filters.day_from, zone))
    if filters.day_to:
        query = query.where(EmailMessage.created_at <= end_of_day(filters.day_to, zone))
    failures_first = case((EmailMessage.state == FAILED, 0), else_=1)
    rows = paging.page_of(
        query.order_by(failures_first, EmailMessage.created_at.desc()), page, per_page, log=True
    )
    units = db.session.execute(select(Unit.id, Unit.name).order_by(Unit.group, Unit.sort_name))
    tasks = db.session.execute(select(Task.id, Task.title).order_by(Task.id.desc()))
    failed = db.session.scalar(select(func.count()).where(EmailMessage.state == FAILED))
    return EmailLogPage(rows, units.all(), tasks.all(), failed or 0)


@dataclass(frozen=True)
class LedgerItem:
    """A ledger row an email settles, with its task's title and its unit's name."""

    reminder: Reminder
    task_title: str | None
    unit_name: str | None


@dataclass(frozen=True)
class EmailDetail:
    """One email of the log and the ledger rows it settles."""

    message: EmailMessage
    items: list[LedgerItem]


def email_detail(email_id: int) -> EmailDetail:
    """Return one email and what it reminded of (two queries); raise NotFound for an
    unknown id."""
    message = db.session.get(EmailMessage, email_id)
    if message is None:
        raise NotFound(access.NOT_FOUND)
    rows = db.session.execute(
        select(Reminder, Task.title, Unit.name)
        .outerjoin(Assignment, Assignment.id == Reminder.assignment_id)
        .outerjoin(Task, Task.id == func.coalesce(Reminder.task_id, Assignment.task_id))
        .outerjoin(Unit, Unit.id == func.coalesce(Reminder.unit_id, Assignment.unit_id))
        .where(Reminder.email_id == email_id)
        .order_by(Reminder.copy, Reminder.id)
    )
    return EmailDetail(message, [LedgerItem(*row) for row in rows])
