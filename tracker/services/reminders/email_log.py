"""The email log as administrators read it: every email sent or tried, failures first, and
what each one reminded of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import case, exists, select

from tracker.domain.localtime import end_of_day, start_of_day
from tracker.extensions import db
from tracker.models import EmailMessage, Reminder, Task, Unit
from tracker.services import access, paging
from tracker.services.errors import NotFound

EMAIL_STATES = ("sent", "failed", "pending")


@dataclass(frozen=True)
class EmailLogFilters:
    """What the log is narrowed to: a result, a unit, a task, local days from and to."""

    state: str | None = None
    unit_id: int | None = None
    task_id: int | None = None
    day_from: date | None = None
    day_to: date | None = None


@dataclass(frozen=True)
class EmailLogPage:
    """A page of the log, with the units and tasks (id, name) to filter by."""

    page: Pagination
    units: list[tuple[int, str]]
    tasks: list[tuple[int, str]]


def email_log(
    filters: EmailLogFilters, *, page: int, per_page: int, zone: ZoneInfo
) -> EmailLogPage:
    """Return page ``page`` of the emails matching ``filters`` (days in ``zone``), failures
    first then newest first (four queries)."""
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
    failures_first = case((EmailMessage.state == "failed", 0), else_=1)
    rows = paging.page_of(
        query.order_by(failures_first, EmailMessage.created_at.desc()), page, per_page
    )
    units = db.session.execute(select(Unit.id, Unit.name).order_by(Unit.group, Unit.sort_name))
    tasks = db.session.execute(select(Task.id, Task.title).order_by(Task.id.desc()))
    return EmailLogPage(rows, units.all(), tasks.all())


@dataclass(frozen=True)
class EmailDetail:
    """One email of the log and the ledger rows it settled."""

    message: EmailMessage
    items: list[Reminder]


def email_detail(email_id: int) -> EmailDetail:
    """Return one email and what it reminded of; raise NotFound for an unknown id."""
    message = db.session.get(EmailMessage, email_id)
    if message is None:
        raise NotFound(access.NOT_FOUND)
    items = db.session.scalars(select(Reminder).where(Reminder.email_id == email_id)).all()
    return EmailDetail(message, list(items))
