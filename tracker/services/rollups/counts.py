"""The official buckets read from the maintained counts: a few rows per task and group, so a
page costs the same at a million assignments as at a thousand.

Each tally row stands for ``n`` assignments sharing a state, a due date and days late; the
status rules of ``status_sql`` apply to it unchanged (a row is late when its days late are
positive), with ``n`` as its weight. Whether an open row is overdue is judged at the
``as_of`` day given here, so the counts serve any day from today on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, func, select

from tracker.domain.aggregate import Buckets
from tracker.domain.reports import AGEING_BANDS, ageing_band
from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import AssignmentTally, Task
from tracker.services import status_sql
from tracker.services.status_sql import AsOf

T = AssignmentTally
S = AssignmentState


def _columns(as_of: AsOf) -> list:
    return status_sql.bucket_columns(as_of, T, weight=T.n, late=T.late_days > 0)


def buckets_by(
    keys: list[ColumnElement], as_of: AsOf, *where: ColumnElement[bool]
) -> dict[tuple, Buckets]:
    """Return the buckets per combination of ``keys`` (tally columns: ``task_id``,
    ``unit_group``) over the rows matching ``where``, in one query."""
    labelled = [k.label(f"key{i}") for i, k in enumerate(keys)]
    query = select(*labelled, *_columns(as_of)).select_from(T)
    # A key is present when it has assignments, as when counting the assignments themselves.
    query = query.where(*where).group_by(*keys).having(func.sum(T.n) > 0)
    rows = db.session.execute(query).all()
    return {tuple(row[: len(keys)]): status_sql.to_buckets(row) for row in rows}


def buckets(as_of: AsOf, *where: ColumnElement[bool]) -> Buckets:
    """Return the buckets over every tally row matching ``where`` (one query)."""
    query = select(*_columns(as_of)).select_from(T)
    return status_sql.to_buckets(db.session.execute(query.where(*where)).one())


def task_buckets(task_ids: Iterable[int], as_of: AsOf) -> dict[int, Buckets]:
    """Return the buckets of each listed task over all its units (one query)."""
    found = buckets_by([T.task_id], as_of, T.task_id.in_(list(task_ids)))
    return {task_id: b for (task_id,), b in found.items()}


def group_buckets(as_of: AsOf, *where: ColumnElement[bool]) -> dict[str, Buckets]:
    """Return the buckets per unit group over the tally rows matching ``where``."""
    return {group: b for (group,), b in buckets_by([T.unit_group], as_of, *where).items()}


def ageing(day: date, task_filter: ColumnElement[bool]) -> dict[str, int]:
    """Return the open overdue assignments of the tasks matching ``task_filter`` per ageing
    band on ``day`` (one query): open rows by calendar days past their due date, submitted
    rows by the days they were reported late."""
    working = [S.ASSIGNED.value, S.IN_PROGRESS.value]
    overdue = db.or_(
        db.and_(T.state.in_(working), T.due_date < day),
        db.and_(T.state == S.SUBMITTED.value, T.late_days > 0),
    )
    rows = db.session.execute(
        select(T.state, T.due_date, T.late_days, func.sum(T.n))
        .join(Task, Task.id == T.task_id)
        .where(task_filter, overdue, T.n != 0)
        .group_by(T.state, T.due_date, T.late_days)
    )
    bands = {label: 0 for label, _first, _last in AGEING_BANDS}
    for state, due, late_days, n in rows:
        days = late_days if state == S.SUBMITTED.value else (day - due).days
        band = ageing_band(int(days))
        if band:
            bands[band] += int(n)
    return bands


def has(task_id, status: str, as_of: AsOf | None = None) -> ColumnElement[bool]:
    """Return the condition "the task ``task_id`` (a column) has assignments in ``status``"
    (``overdue``, ``open``, ``awaiting``) on the as-of day, over its few tally rows."""
    working = [S.ASSIGNED.value, S.IN_PROGRESS.value]
    if status == "overdue" and as_of is not None:
        condition = db.or_(
            db.and_(T.state.in_(working), T.due_date < as_of.day),
            db.and_(T.state == S.SUBMITTED.value, T.late_days > 0),
        )
    elif status == "open":
        condition = T.state.in_([*working, S.SUBMITTED.value])
    elif status == "awaiting":
        condition = T.state == S.SUBMITTED.value
    else:
        raise ValueError(status)
    return db.exists().where(T.task_id == task_id, T.n > 0, condition)


def awaiting(*where: ColumnElement[bool]) -> int:
    """Return how many assignments are submitted and await confirmation (one query)."""
    query = select(func.coalesce(func.sum(T.n), 0)).where(T.state == S.SUBMITTED.value, *where)
    return int(db.session.scalar(query))
