"""The official buckets read from the maintained counts: a few rows per task and group, so a
page costs the same at a million assignments as at a thousand.

Each tally row stands for ``n`` assignments sharing a state, a due date and days late; the
status rules of ``status_sql`` apply to it unchanged (a row is late when its days late
exceed the roll offset of its due date: 0, or the days a deadline on a day off moves), with
``n`` as its weight. Whether an open row is overdue is judged at the ``as_of`` day given
here, so the counts serve any day from today on; the triggers never need a calendar.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, Date, Integer, Select, bindparam, func, select

from tracker.domain.aggregate import Buckets
from tracker.domain.days_off import roll_offset
from tracker.domain.reports import AGEING_BANDS, ageing_band
from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import AssignmentTally, Task
from tracker.services import days_off, id_lists, status_sql
from tracker.services.calendar import load_calendar
from tracker.services.status_sql import AsOf

T = AssignmentTally
S = AssignmentState


# The reads below run on every aggregate page: their statements are built once, with the
# day judged at and the tasks as parameters, so that each request only binds values
# (building the status CASE and its cache key took more time than the query itself).
_DAY = bindparam("as_of_day", type_=Date)
_SOON = bindparam("as_of_soon", type_=Date)
_TASK = bindparam("task_id", type_=Integer)
_TASKS = bindparam("task_ids", expanding=True, type_=Integer)
_TASK_ARRAY = id_lists.array_parameter("task_ids")
KEYS = ("task_id", "unit_group")  # what the counts can be split by


# The shape of a rule for days off, which the statement's text depends on: whether deadlines
# roll by default, whether some tasks chose otherwise, and the calendar's exceptions.
RuleShape = tuple[bool, bool, days_off.Exceptions]


def _shape(as_of: AsOf) -> RuleShape:
    rolls = as_of.day_off_rolls
    return (rolls.rule.default, bool(rolls.rule.flipped), rolls.exceptions)


def _placeholder(shape: RuleShape) -> AsOf:
    rolls = days_off.placeholders(*shape)
    return AsOf(_DAY, _SOON, rolls)  # type: ignore[arg-type]  # bound at execution


def _params(as_of: AsOf) -> dict:
    params = {"as_of_day": as_of.day, "as_of_soon": as_of.soon_limit}
    if not as_of.day_off_rolls.never:
        params |= days_off.bind_values(as_of.day_off_rolls)
    return params


@functools.lru_cache(maxsize=64)  # a few per calendar: it changes with official notices
def _statement(keys: tuple[str, ...], tasks: str | None, shape: RuleShape) -> Select:
    """Return the buckets per ``keys`` over the tally rows of one task (``tasks``: "one"),
    of a list of them ("list", or "array": one array parameter) or of every task (None),
    judged at the bound day with a rule for days off of that ``shape``."""
    placeholder = _placeholder(shape)
    late = status_sql.late_tally(placeholder, T)
    columns = [getattr(T, key).label(f"key{i}") for i, key in enumerate(keys)]
    status = status_sql.status_expression(placeholder, T, late).label("status")
    query = select(*columns, T.state, T.n, status).select_from(T)
    if tasks == "one":
        query = query.where(T.task_id == _TASK)
    elif tasks == "list":
        query = query.where(T.task_id.in_(_TASKS))
    elif tasks == "array":
        query = query.where(T.task_id == _TASK_ARRAY)
    rows = status_sql.judged_rows(query)
    by = [rows.c[f"key{i}"] for i in range(len(keys))]
    counted = select(*by, *status_sql.status_aggregates(rows.c.status, rows.c.state, rows.c.n))
    # A key is present when it has assignments, as when counting the assignments themselves.
    return counted.group_by(*by).having(func.sum(rows.c.n) > 0) if keys else counted


def _read(
    keys: tuple[str, ...], as_of: AsOf, *, task_id: int | None = None, task_ids=None
) -> dict[tuple, Buckets]:
    params = _params(as_of)
    if task_id is not None:
        tasks, params["task_id"] = "one", task_id
    elif task_ids is not None:
        tasks, params["task_ids"] = "array" if id_lists.arrays() else "list", list(task_ids)
    else:
        tasks = None
    rows = db.session.execute(_statement(keys, tasks, _shape(as_of)), params).all()
    return {tuple(row[: len(keys)]): status_sql.to_buckets(row) for row in rows}


def buckets_by(
    keys: Sequence[str], as_of: AsOf, task_ids: Iterable[int] | None = None
) -> dict[tuple, Buckets]:
    """Return the buckets per combination of ``keys`` (``KEYS``: "task_id", "unit_group")
    over the listed tasks (``task_ids``) or every task, in one query."""
    return _read(tuple(keys), as_of, task_ids=task_ids)


def buckets(as_of: AsOf, task_ids: Iterable[int] | None = None) -> Buckets:
    """Return the buckets over the listed tasks, or every task (one query)."""
    return _read((), as_of, task_ids=task_ids).get((), Buckets())


def task_buckets(task_ids: Iterable[int], as_of: AsOf) -> dict[int, Buckets]:
    """Return the buckets of each listed task over all its units (one query)."""
    found = _read(("task_id",), as_of, task_ids=task_ids)
    return {task_id: b for (task_id,), b in found.items()}


def group_buckets(as_of: AsOf, task_id: int | None = None) -> dict[str, Buckets]:
    """Return the buckets per unit group of one task, or of every task (one query)."""
    found = _read(("unit_group",), as_of, task_id=task_id)
    return {group: b for (group,), b in found.items()}


def ageing(as_of: AsOf, task_filter: ColumnElement[bool]) -> dict[str, int]:
    """Return the open overdue assignments of the tasks matching ``task_filter`` per ageing
    band on the as-of day (one query): open rows by calendar days past their effective
    deadline, submitted rows by the days they were reported after it."""
    day = as_of.day
    working = [S.ASSIGNED.value, S.IN_PROGRESS.value]
    overdue = db.or_(
        db.and_(T.state.in_(working), T.due_date < day),
        db.and_(T.state == S.SUBMITTED.value, T.late_days > 0),
    )
    rolls, by_rule = days_off.rolls_grouping(T.task_id, as_of.day_off_rolls)
    rows = db.session.execute(
        select(T.state, T.due_date, T.late_days, rolls, func.sum(T.n))
        .join(Task, Task.id == T.task_id)
        .where(task_filter, overdue, T.n != 0)
        .group_by(T.state, T.due_date, T.late_days, *by_rule)
    )
    calendar = load_calendar()
    bands = {label: 0 for label, _first, _last in AGEING_BANDS}
    for state, due, late_days, rolled, n in rows:
        # Per distinct due date, not per assignment: the rows are already added up.
        late = late_days if state == S.SUBMITTED.value else (day - due).days
        days = late - roll_offset(due, calendar, bool(rolled))
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
            db.and_(T.state.in_(working), status_sql.open_overdue(as_of, T)),
            db.and_(T.state == S.SUBMITTED.value, status_sql.late_tally(as_of, T)),
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
