"""The coordinators' review queue: reports waiting to be confirmed or returned, and
extension requests waiting for a decision, oldest first, each page in a fixed number of
queries."""

from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager

from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import Assignment, Evidence, ExtensionRequest, Task, Unit, UnitGroup
from tracker.services.assignments import listing
from tracker.services.assignments.due_dates import PENDING
from tracker.services.assignments.pages import evidence_of
from tracker.services.calendar import load_calendar
from tracker.services.paging import page_counted, page_of
from tracker.services.rollups import counts
from tracker.services.status_sql import AsOf

A = Assignment
SUBMITTED = AssignmentState.SUBMITTED.value


@dataclass
class QueueFilters:
    """The queue's filters: one task, one group of units."""

    task_id: int | None = None
    group: str | None = None


@dataclass(frozen=True)
class ReportQueue:
    """A page of reports waiting for confirmation, with their evidence."""

    page: Pagination
    rows: list[listing.Row]
    evidence: dict[int, list[Evidence]]
    tasks: list[Task]  # the tasks that have a report waiting, for the task filter
    counts: tuple[int, int]  # how many reports and how many extension requests wait


@dataclass(frozen=True)
class RequestQueue:
    """A page of extension requests waiting for a decision."""

    page: Pagination
    counts: tuple[int, int]  # how many reports and how many extension requests wait


def report_queue(
    filters: QueueFilters, *, as_of: AsOf, due_soon_days: int, page: int, per_page: int
) -> ReportQueue:
    """Return page ``page`` of the submitted reports, the longest-waiting first, each with
    its time status on ``as_of.day`` and its evidence."""
    shown = page_counted(_report_query(filters), page, per_page, _waiting(filters))
    rows = listing.with_status(shown.items, as_of, load_calendar(), due_soon_days)
    return ReportQueue(
        page=shown,
        rows=rows,
        evidence=evidence_of([a.id for a in shown.items]),
        tasks=_tasks_awaiting_review(),
        counts=_waiting_counts(),
    )


def request_queue(*, page: int, per_page: int) -> RequestQueue:
    """Return page ``page`` of the pending extension requests, the oldest first."""
    return RequestQueue(page_of(_request_query(), page, per_page), _waiting_counts())


def _report_query(filters: QueueFilters) -> Select:
    """Return submitted assignments (task and unit loaded), the longest-waiting first."""
    query = (
        select(A)
        .join(A.task)
        .join(A.unit)
        .options(contains_eager(A.task), contains_eager(A.unit))
        .where(A.state == SUBMITTED)
    )
    if filters.task_id is not None:
        query = query.where(A.task_id == filters.task_id)
    if filters.group in (UnitGroup.CENTRAL, UnitGroup.LOCAL):
        query = query.where(Unit.group == filters.group)
    return query.order_by(A.submitted_on.asc().nulls_last(), A.updated_at, A.id)


def _waiting(filters: QueueFilters) -> int:
    """Return how many reports the filters let through (one query, on the counts)."""
    where = []
    if filters.task_id is not None:
        where.append(counts.T.task_id == filters.task_id)
    if filters.group in (UnitGroup.CENTRAL, UnitGroup.LOCAL):
        where.append(counts.T.unit_group == filters.group)
    return counts.awaiting(*where)


def _tasks_awaiting_review() -> list[Task]:
    """Return the tasks that have a report waiting (one query)."""
    return list(
        db.session.scalars(
            select(Task)
            .where(counts.has(Task.id, "awaiting"))
            .order_by(Task.deadline.asc().nulls_last(), Task.id)
        )
    )


def _request_query() -> Select:
    """Return pending extension requests with their assignment, task, unit and requester."""
    return (
        select(ExtensionRequest)
        .join(ExtensionRequest.assignment)
        .join(A.task)
        .join(A.unit)
        .join(ExtensionRequest.requested_by)
        .options(
            contains_eager(ExtensionRequest.assignment).contains_eager(A.task),
            contains_eager(ExtensionRequest.assignment).contains_eager(A.unit),
            contains_eager(ExtensionRequest.requested_by),
        )
        .where(ExtensionRequest.state == PENDING)
        .order_by(ExtensionRequest.requested_at, ExtensionRequest.id)
    )


def _waiting_counts() -> tuple[int, int]:
    """Return how many reports and how many extension requests wait (one query)."""
    reports = (
        select(func.coalesce(func.sum(counts.T.n), 0))
        .where(counts.T.state == SUBMITTED)
        .scalar_subquery()
    )
    requests = (
        select(func.count())
        .select_from(ExtensionRequest)
        .where(ExtensionRequest.state == PENDING)
        .scalar_subquery()
    )
    waiting_reports, waiting_requests = db.session.execute(select(reports, requests)).one()
    return int(waiting_reports), int(waiting_requests)
