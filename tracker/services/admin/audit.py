"""The audit log: every recorded change, newest first, filterable by who, unit, task and date."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.i18n import format_day
from tracker.models import Event, Role, Task, Unit, User
from tracker.services import paging
from tracker.services.access import require_role
from tracker.services.admin.units import units_named
from tracker.services.search import matching


@dataclass(frozen=True)
class AuditFilters:
    """Exact ids (from links) or text (from the filter form); dates are local days."""

    actor_id: int | None = None
    actor: str | None = None  # email or part of the name
    unit_id: int | None = None
    unit: str | None = None  # code or part of the name, diacritics optional
    task_id: int | None = None
    task: str | None = None  # part of the title
    kind: str | None = None
    target: str | None = None  # exactly, e.g. "user:12"
    date_from: date | None = None
    date_to: date | None = None


def audit_query(actor: User, filters: AuditFilters, zone: ZoneInfo) -> Select:
    """Return the admin's query of events, newest first, with actor, unit and task loaded
    in the same query."""
    require_role(actor, Role.ADMIN)
    query = select(Event).options(
        joinedload(Event.actor), joinedload(Event.unit), joinedload(Event.task)
    )
    if filters.actor_id is not None:
        query = query.where(Event.actor_id == filters.actor_id)
    if filters.actor:
        query = query.where(
            Event.actor_id.in_(select(User.id).where(matching.person_matches(filters.actor)))
        )
    if filters.unit_id is not None:
        query = query.where(Event.unit_id == filters.unit_id)
    if filters.unit:
        query = query.where(Event.unit_id.in_(units_named(filters.unit)))
    if filters.task_id is not None:
        query = query.where(Event.task_id == filters.task_id)
    if filters.task:
        query = query.where(
            Event.task_id.in_(select(Task.id).where(matching.task_matches(filters.task)))
        )
    if filters.kind:
        query = query.where(Event.kind == filters.kind)
    if filters.target:
        query = query.where(Event.target == filters.target)
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, tzinfo=zone)
        query = query.where(Event.at >= start.astimezone(UTC))
    if filters.date_to:
        end = datetime.combine(filters.date_to, time.max, tzinfo=zone)
        query = query.where(Event.at <= end.astimezone(UTC))
    return query.order_by(Event.at.desc(), Event.id.desc())


@dataclass(frozen=True)
class AuditPage:
    """A page of the audit log and a readable label for each of its events' targets."""

    page: Pagination
    targets: dict[str, str]


def audit_page(
    actor: User, filters: AuditFilters, zone: ZoneInfo, number: int, size: int
) -> AuditPage:
    """Return page ``number`` of the admin's audit log (five queries at most: the count,
    the rows, and one per kind of target)."""
    page = paging.page_of(audit_query(actor, filters, zone), number, size, log=True)
    return AuditPage(page, target_labels(page.items))


def audit_rows(actor: User, filters: AuditFilters, zone: ZoneInfo) -> list[Event]:
    """Return every event of the filtered audit log (up to ``paging.EXPORT_MAX``), for a
    download."""
    return paging.export_rows(audit_query(actor, filters, zone))


def target_labels(events: list[Event]) -> dict[str, str]:
    """Return a readable label for each "user:<id>" / "unit:<id>" / "task:<id>" /
    "calendar:<day>" target of ``events`` (at most three queries, one per kind present)."""
    ids: dict[str, set[int]] = {"user": set(), "unit": set(), "task": set()}
    labels: dict[str, str] = {}
    for event in events:
        kind, _sep, value = (event.target or "").partition(":")
        if kind in ids and value.isdigit():
            ids[kind].add(int(value))
        elif kind == "calendar":
            with contextlib.suppress(ValueError):
                labels[event.target] = format_day(date.fromisoformat(value))
    if ids["user"]:
        for uid, name, email in db.session.execute(
            select(User.id, User.name, User.email).where(User.id.in_(ids["user"]))
        ):
            labels[f"user:{uid}"] = f"{name} <{email}>"
    if ids["unit"]:
        for uid, name in db.session.execute(
            select(Unit.id, Unit.name).where(Unit.id.in_(ids["unit"]))
        ):
            labels[f"unit:{uid}"] = name
    if ids["task"]:
        for tid, title in db.session.execute(
            select(Task.id, Task.title).where(Task.id.in_(ids["task"]))
        ):
            labels[f"task:{tid}"] = title
    return labels
