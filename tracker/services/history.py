"""Assignment history for reports as of a date: revisions are written on every change and
read back as "each assignment as it stood at the end of a day".

ORM changes are caught by one ``before_flush`` hook, so no service can forget them; the
few bulk statements (assigning thousands of units, moving due dates) add their revisions
with ``revision_row``. A revision's ``day`` is its instant's date in the programme's time
zone, which the app factory hands to ``install`` once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Subquery, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from tracker.domain.localtime import local_date
from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import Assignment, AssignmentRevision
from tracker.models.base import utcnow
from tracker.services import id_lists

R = AssignmentRevision
TRACKED = ("state", "due_date", "submitted_on", "unit_id")
_zone = ZoneInfo("Asia/Ho_Chi_Minh")  # the programme's time zone; ``install`` sets it


def _changed(assignment: Assignment) -> bool:
    attrs = inspect(assignment).attrs
    return any(attrs[name].history.has_changes() for name in TRACKED)


def _revise_on_flush(session: Session, _context, _instances) -> None:
    # A new assignment given its whole past explicitly (the demo) needs nothing more.
    explained = {id(o.assignment) for o in session.new if isinstance(o, R)}
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, Assignment) or id(obj) in explained:
            continue
        if obj in session.new or _changed(obj):
            at = obj.updated_at or obj.created_at or utcnow()
            revision = R(
                assignment=obj,
                at=at,
                day=local_date(at, _zone),
                state=obj.state or AssignmentState.ASSIGNED.value,  # the column default
                due_date=obj.due_date,
                submitted_on=obj.submitted_on,
            )
            revision.task_id, revision.unit_id = obj.task_id, obj.unit_id
            if obj.task_id is None:
                revision.task = obj.task
            if obj.unit_id is None:
                revision.unit = obj.unit
            session.add(revision)


def install(zone: ZoneInfo) -> None:
    """Install the hook that records a revision whenever an assignment changes, dating
    revisions in ``zone`` (the programme's time zone)."""
    global _zone
    _zone = zone
    if not event.contains(Session, "before_flush", _revise_on_flush):
        event.listen(Session, "before_flush", _revise_on_flush)


def revision_row(
    assignment_id: int,
    task_id: int,
    unit_id: int,
    at: datetime,
    state: str,
    due_date: date | None,
    submitted_on: date | None = None,
) -> dict:
    """Return the values of one revision, for bulk inserts beside bulk assignment changes."""
    return {
        "assignment_id": assignment_id,
        "task_id": task_id,
        "unit_id": unit_id,
        "at": at,
        "day": local_date(at, _zone),
        "state": state,
        "due_date": due_date,
        "submitted_on": submitted_on,
    }


def add_revisions(rows: list[dict]) -> None:
    """Insert revisions built with ``revision_row`` in one statement (not committed)."""
    if rows:
        db.session.execute(insert(R), rows)


def forget(assignment_ids: Iterable[int]) -> None:
    """Delete the revisions of assignments being removed (they never counted)."""
    ids = list(assignment_ids)
    if ids:
        db.session.execute(
            R.__table__.delete().where(R.assignment_id.in_(ids)),
            execution_options={"synchronize_session": False},
        )


def assignments_as_of(
    day: date,
    *,
    task_ids: Iterable[int] | None = None,
    unit_ids: Iterable[int] | None = None,
    today: date,
) -> Subquery:
    """Return each assignment as it stood at the end of ``day``: a subquery with columns
    ``id``, ``task_id``, ``unit_id``, ``state``, ``due_date``, ``submitted_on``.

    From today on, that is the assignment table itself (revisions never lie in the future);
    before, the latest revision of each assignment up to that day. Assignments created later
    are absent. ``task_ids``/``unit_ids`` narrow the rows before the ranking.
    """
    if day >= today:
        A = Assignment
        query = select(A.id, A.task_id, A.unit_id, A.state, A.due_date, A.submitted_on)
        if task_ids is not None:
            query = query.where(id_lists.among(A.task_id, task_ids))
        if unit_ids is not None:
            query = query.where(id_lists.among(A.unit_id, unit_ids))
        return query.subquery("assignment_as_of")
    rank = func.row_number().over(partition_by=R.assignment_id, order_by=(R.at.desc(), R.id.desc()))
    ranked = select(
        R.assignment_id.label("id"),
        R.task_id,
        R.unit_id,
        R.state,
        R.due_date,
        R.submitted_on,
        rank.label("rank"),
    ).where(R.day <= day)
    if task_ids is not None:
        ranked = ranked.where(id_lists.among(R.task_id, task_ids))
    if unit_ids is not None:
        ranked = ranked.where(id_lists.among(R.unit_id, unit_ids))
    ranked = ranked.subquery("ranked_revision")
    c = ranked.c
    return (
        select(c.id, c.task_id, c.unit_id, c.state, c.due_date, c.submitted_on)
        .where(c.rank == 1)
        .subquery("assignment_as_of")
    )
