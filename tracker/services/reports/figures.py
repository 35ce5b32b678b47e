"""Per-task figures, overdue ageing and progress over time, as of a report's day."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, exists, func, select

from tracker.domain.aggregate import Buckets
from tracker.domain.days_off import effective_due
from tracker.domain.reports import (
    AGEING_BANDS,
    ProgrammeFigures,
    TaskFigures,
    UnitRef,
    ageing_band,
)
from tracker.domain.status import AssignmentState, StatusResult, TimeStatus
from tracker.extensions import db
from tracker.models import Assignment, AssignmentRevision, Task, Unit
from tracker.services import days_off, id_lists, status_sql
from tracker.services.calendar import load_calendar
from tracker.services.reports.base import ReportScope, days_late, not_done, task_rows
from tracker.services.rollups import counts, snapshots

S = AssignmentState


def _tasks(scope: ReportScope, limit: int | None = None, offset: int = 0) -> list:
    """Return the report's tasks as rows of what their figures show (a programme's hundreds
    of tasks are read as plain rows, not as ORM objects with their long descriptions)."""
    query = task_rows(scope).with_only_columns(
        Task.id, Task.title, Task.deadline, Task.deadline_wording, Task.field, Task.priority
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(db.session.execute(query))


def from_counts(scope: ReportScope) -> bool:
    """Return whether the maintained counts give the report's figures: it is a report of
    today (or later), and no unit that has left office still holds an assignment that counts
    (its rows would count for its successor, one per task: see ``ReportScope.rows``)."""
    if scope.day < scope.today:
        return False
    if not scope.successors:
        return True
    A = Assignment
    held = exists().where(A.unit_id.in_(list(scope.successors)), A.state != S.TRANSFERRED.value)
    return not db.session.scalar(select(held))


def _buckets_by_task_and_group(scope: ReportScope, task_ids: list[int]) -> dict[tuple, Buckets]:
    if from_counts(scope):
        return counts.buckets_by(counts.KEYS, scope.as_of, task_ids)
    kept = snapshots.buckets_by_task_and_group(scope.day, task_ids)
    if kept is not None:
        return kept
    return history_buckets_by_task_and_group(scope, task_ids)


def history_buckets_by_task_and_group(
    scope: ReportScope, task_ids: list[int]
) -> dict[tuple, Buckets]:
    """Return {(task, group): Buckets} on the report's day rebuilt from the history (one
    query over every revision of the tasks up to the day)."""
    rows = scope.rows()
    return status_sql.count_buckets_by_keys(
        [rows.c.task_id, Unit.group],
        scope.as_of,
        id_lists.among(rows.c.task_id, task_ids),
        joins=[(Unit, Unit.id == rows.c.unit_id)],
        source=rows,
    )


def _missing(scope: ReportScope, task_ids: list[int]) -> dict[int, list[UnitRef]]:
    rows = scope.rows()
    query = (
        select(rows.c.task_id, Unit.id, Unit.code, Unit.name, Unit.group, Unit.name_en)
        .join(Unit, Unit.id == rows.c.unit_id)
        .where(id_lists.among(rows.c.task_id, task_ids), not_done(rows))
        .order_by(rows.c.task_id, Unit.group, Unit.sort_name)
    )
    missing: dict[int, list[UnitRef]] = defaultdict(list)
    for task_id, *unit in db.session.execute(query):
        missing[task_id].append(UnitRef(*unit))
    return missing


def task_figures(
    scope: ReportScope, *, with_missing: bool = False, limit: int | None = None, offset: int = 0
) -> list[TaskFigures]:
    """Return the figures of the report's tasks that had units on the day (three queries at
    most); ``with_missing`` names the units not done, which can be long for a programme."""
    tasks = _tasks(scope, limit, offset)
    if not tasks:
        return []
    by_task: dict[int, dict[str, Buckets]] = defaultdict(dict)
    for (task_id, group), b in _buckets_by_task_and_group(scope, [t.id for t in tasks]).items():
        if b.total:
            by_task[task_id][group] = b
    effective = days_off.effective_dates(load_calendar(), scope.as_of.rule)
    figures = [
        TaskFigures(
            task_id,
            title,
            deadline,
            wording,
            field,
            priority,
            groups,
            effective_deadline=deadline and effective(task_id, deadline),
        )
        for task_id, title, deadline, wording, field, priority in tasks  # as _tasks reads
        if (groups := by_task.get(task_id))  # else not assigned yet on that day
    ]
    return name_missing(scope, figures) if with_missing else figures


def name_missing(scope: ReportScope, figures: list[TaskFigures]) -> list[TaskFigures]:
    """Return ``figures`` with the units not done on the day named (one query)."""
    if not figures:
        return figures
    missing = _missing(scope, [f.task_id for f in figures])
    return [dataclasses.replace(f, missing=tuple(missing.get(f.task_id, ()))) for f in figures]


def ageing(scope: ReportScope) -> dict[str, int]:
    """Return the open overdue assignments per ageing band (one query)."""
    if from_counts(scope):
        return counts.ageing(scope.as_of, scope.task_filter())
    kept = snapshots.ageing(scope.day, scope.task_ids or ())
    if kept is not None:
        return kept
    bands = {label: 0 for label, _first, _last in AGEING_BANDS}
    for (_task, _group, band), n in history_ageing(scope).items():
        bands[band] += n
    return bands


def history_ageing(scope: ReportScope) -> dict[tuple[int, str, str], int]:
    """Return {(task, group, ageing band): overdue assignments} on the report's day rebuilt
    from the history (one query)."""
    rows = scope.rows()
    late = days_late(rows, scope.as_of)
    overdue = status_sql.status_expression(scope.as_of, rows.c) == TimeStatus.OVERDUE.value
    query = (
        select(rows.c.task_id, Unit.group, late.label("days"), func.count().label("n"))
        .join(Unit, Unit.id == rows.c.unit_id)
        .where(overdue)
        .group_by(rows.c.task_id, Unit.group, late)
    )
    found: dict[tuple[int, str, str], int] = defaultdict(int)
    for task_id, group, days, n in db.session.execute(query):
        band = ageing_band(int(days or 0))
        if band:
            found[(task_id, group, band)] += n
    return dict(found)


def programme_figures(scope: ReportScope, *, with_missing: bool = False) -> ProgrammeFigures:
    """Return every task's figures and the overdue ageing on the day (four queries)."""
    return ProgrammeFigures(
        as_of=scope.day,
        tasks=tuple(task_figures(scope, with_missing=with_missing)),
        ageing=ageing(scope),
    )


@dataclass(frozen=True)
class UnitStatus:
    """One unit's assignment of a task as it stood on the report's day."""

    unit: UnitRef
    state: str
    due_date: date | None
    submitted_on: date | None
    status: StatusResult
    effective_due: date | None = None  # the due date's effective deadline


def task_units(scope: ReportScope, task_id: int, *, only_missing: bool = False) -> list[UnitStatus]:
    """Return every unit of one task with its status on the day, by group then name."""
    rows = scope.rows()
    query = (
        select(
            Unit.id,
            Unit.code,
            Unit.name,
            Unit.group,
            rows.c.state,
            rows.c.due_date,
            rows.c.submitted_on,
            status_sql.status_expression(scope.as_of, rows.c),
            days_late(rows, scope.as_of),
            Unit.name_en,
        )
        .join(Unit, Unit.id == rows.c.unit_id)
        .where(rows.c.task_id == task_id)
        .order_by(Unit.group, Unit.sort_name)
    )
    if only_missing:
        query = query.where(not_done(rows))
    result = []
    effective = days_off.effective_dates(load_calendar(), scope.as_of.rule)
    for uid, code, name, group, state, due, submitted, status, late, name_en in db.session.execute(
        query
    ):
        overdue = status in (TimeStatus.OVERDUE, TimeStatus.COMPLETED_LATE)
        result.append(
            UnitStatus(
                UnitRef(uid, code, name, group, name_en),
                state,
                due,
                submitted,
                StatusResult(TimeStatus(status), days_overdue=late if overdue else None),
                due and effective(task_id, due),
            )
        )
    return result


def completion_over_time(
    scope: ReportScope, start: date, points: int = 12, *, last: Buckets | None = None
) -> list[tuple]:
    """Return (day, Buckets) at ``points`` days spread evenly from ``start`` to the report's
    day, each as it stood at the end of that day.

    Closed days are read from their snapshots and days from today on from the maintained
    counts (a few queries); when a closed day has no snapshot, every point is rebuilt from
    the history (``history_trend``). ``last``: the buckets of the report's day when the
    caller has them already.
    """
    days = spread_days(start, scope.day, points)
    ids = scope.task_ids or ()
    past = [d for d in days if d < scope.today]
    kept = snapshots.totals(past, ids)
    if kept is None or (len(past) < len(days) and not from_counts(scope)):
        return history_trend(scope, days)
    for day in days[len(past) :]:
        if day == scope.day and last is not None:
            kept[day] = last
        else:
            kept[day] = counts.buckets(scope.as_of.moved_to(day, load_calendar()), ids)
    return [(day, kept[day]) for day in days]


def history_trend(scope: ReportScope, days: list[date]) -> list[tuple]:
    """Return (day, Buckets) for each of ``days`` from the history, in one query.

    Every revision holds from its day until the next one; the query counts revisions per
    (from, until, state, due date, reported late, rolls off a day off), a few thousand
    groups at most, and each point adds up the groups in force then with the domain's
    status rule, at the effective deadline of each group's due date.
    """
    R = AssignmentRevision
    order = (R.at, R.id)
    late = case((status_sql.late_submission(scope.as_of, R), 1), else_=0)
    rolls = days_off.rolls_condition(R.task_id, scope.as_of.day_off_rolls)
    ranked = (
        select(
            R.day,
            func.lead(R.day, type_=R.day.type)
            .over(partition_by=R.assignment_id, order_by=order)
            .label("until"),
            R.state,
            R.due_date,
            late.label("late"),
            case((rolls, 1), else_=0).label("rolls"),
        )
        .where(id_lists.among(R.task_id, scope.task_ids or ()), R.day <= scope.day)
        .subquery()
    )
    c = ranked.c
    groups = db.session.execute(
        select(c.day, c.until, c.state, c.due_date, c.late, c.rolls, func.count())
        .where(c.state != S.TRANSFERRED.value, db.or_(c.until.is_(None), c.until > c.day))
        .group_by(c.day, c.until, c.state, c.due_date, c.late, c.rolls)
    ).all()
    calendar = load_calendar()
    groups = [
        (since, until, state, due and effective_due(due, calendar, bool(rolled)), late, n)
        for since, until, state, due, late, rolled, n in groups
    ]
    series = []
    for day in days:
        counts = dict.fromkeys(("total", "on_time", "late", "overdue"), 0)
        for since, until, state, due, was_late, n in groups:
            if since > day or (until is not None and until <= day):
                continue
            counts["total"] += n
            measure = _trend_measure(state, due, bool(was_late), day)
            if measure:
                counts[measure] += n
        series.append(
            (
                day,
                Buckets(
                    total=counts["total"],
                    completed_on_time=counts["on_time"],
                    completed_late=counts["late"],
                    open_overdue=counts["overdue"],
                ),
            )
        )
    return series


def _trend_measure(state: str, due: date | None, late: bool, day: date) -> str | None:
    """Return which trend line a revision in force on ``day`` counts in, as time_status
    would judge it (completed on time or late, overdue), or None; ``due`` is the effective
    deadline and ``late`` says whether the report came after it."""
    if state == S.COMPLETED:
        return "late" if late else "on_time"
    if due is None:
        return None
    if state == S.SUBMITTED:
        return "overdue" if late else None
    if state in (S.ASSIGNED, S.IN_PROGRESS) and due < day:
        return "overdue"
    return None


def spread_days(start: date, end: date, points: int) -> list[date]:
    """Return ``points`` days spread evenly from ``start`` to ``end`` (the chart's points)."""
    if end <= start or points < 2:
        return [end]
    span = (end - start).days
    days = sorted({start + timedelta(days=round(span * k / (points - 1))) for k in range(points)})
    return days
