"""What every report query shares: the day, the tasks chosen, and the rows as of that day.

A report has two dates: its ``day`` (the day it is "as of", whose end it describes) and
``today`` (the real date, which decides whether the rows come from the live table or are
rebuilt from the history). Entry points pass both; nothing here reads the clock.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Subquery, case, func, literal, select

from tracker.domain.reports import UnitRef
from tracker.domain.status import OPEN_STATES, SETTLED_STATES, AssignmentState
from tracker.extensions import db
from tracker.models import Task, Unit
from tracker.services import days_off, history, id_lists, status_sql
from tracker.services.calendar import load_calendar
from tracker.services.reorganisation import succession
from tracker.services.reorganisation.succession import office_holder
from tracker.services.sql_dates import days_between
from tracker.services.status_sql import AsOf

__all__ = ["ReportScope", "days_between", "days_late", "report_scope"]


@dataclass(frozen=True)
class ReportScope:
    """A report's day, the real today and the task selection; ``as_of`` judges statuses at
    the report's day; ``task_ids`` None means every task (not the series templates of
    recurring tasks, which are never assigned)."""

    as_of: AsOf
    today: date
    task_ids: tuple[int, ...] | None = None
    field: str | None = None
    priority_only: bool = False
    group: str | None = None  # restricts unit-level reports to one reporting group
    # Units whose validity ended before the day -> the successor in office on the day.
    successors: dict[int, int] = dataclasses.field(default_factory=dict, compare=False)

    @property
    def day(self) -> date:
        """Return the report's day: the statuses are those at its end."""
        return self.as_of.day

    def rows(self) -> Subquery:
        """Return the assignments as they stood at the end of the day, for these tasks, by
        the units in office on the day: one row per (task, unit).

        Transferred assignments are left out (their successor's counts). After a merger,
        the rows of units that no longer exist count for their successor, and where that
        leaves a unit several rows for one task, the one still open speaks for it: the
        successor owes the task until every part of it is done.
        """
        rows = history.assignments_as_of(self.day, task_ids=self.task_ids, today=self.today)
        c = rows.c
        live = c.state != AssignmentState.TRANSFERRED.value
        if not self.successors:
            return select(rows).where(live).subquery("report_rows")
        unit = case(self.successors, value=c.unit_id, else_=c.unit_id)
        pressing = case(
            (c.state.in_(list(OPEN_STATES)), 0),
            (c.state == AssignmentState.COMPLETED.value, 1),
            else_=2,
        )
        rank = func.row_number().over(
            partition_by=(c.task_id, unit), order_by=(pressing, c.due_date, c.id)
        )
        ranked = select(
            c.id, c.task_id, unit.label("unit_id"), c.state, c.due_date, c.submitted_on,
            rank.label("rank"),
        ).where(live).subquery("ranked_rows")  # fmt: skip
        r = ranked.c
        return (
            select(r.id, r.task_id, r.unit_id, r.state, r.due_date, r.submitted_on)
            .where(r.rank == 1)
            .subquery("report_rows")
        )

    def task_filter(self) -> ColumnElement[bool]:
        """Return the condition on Task selecting the report's tasks."""
        conditions = [Task.recurrence.is_(None)]
        if self.task_ids is not None:
            conditions.append(id_lists.among(Task.id, self.task_ids))
        if self.field:
            conditions.append(Task.field == self.field)
        if self.priority_only:
            conditions.append(Task.priority.is_(True))
        return db.and_(*conditions) if len(conditions) > 1 else conditions[0]


def report_scope(
    day: date,
    due_soon_days: int,
    *,
    today: date,
    task_ids: list[int] | None = None,
    field: str | None = None,
    priority_only: bool = False,
    group: str | None = None,
    day_off_rolls: bool = True,
) -> ReportScope:
    """Return the scope of a report as of ``day`` with the working calendar; ``today`` is the
    real date (days before it are rebuilt from the history); ``day_off_rolls`` is the
    configured rule for deadlines on days off (tasks may choose otherwise).

    Pages and exports call it inside ``extensions.on_reports_engine``, whose transactions
    are read-only (and on SQLite leave the write lock to the scheduler and other users).
    """
    rule = days_off.load_rule(day_off_rolls)
    as_of = AsOf.build(day, load_calendar(), due_soon_days, rule=rule)
    ids = tuple(sorted(set(task_ids))) if task_ids else None
    scope = ReportScope(
        as_of, today, ids, field or None, priority_only, group or None, _successors_on(day)
    )
    # The chosen tasks as ids: the history is then narrowed by an index before it is ranked,
    # and no query joins the task table to a ranked subquery (PostgreSQL may misjudge that
    # join and rank the whole history once per task).
    chosen = tuple(db.session.scalars(select(Task.id).where(scope.task_filter()).order_by(Task.id)))
    return dataclasses.replace(scope, task_ids=chosen)


def _successors_on(day: date) -> dict[int, int]:
    """Return {unit: the unit holding its duties on ``day``} for units no longer in office
    then because they merged into another (one query)."""
    units = succession.load_units(successions_only=True)
    holders = {
        uid: office_holder(uid, units, day)
        for uid, unit in units.items()
        if unit.valid_to is not None and unit.valid_to < day and unit.successor_id is not None
    }
    return {uid: holder for uid, holder in holders.items() if holder not in (None, uid)}


def unit_ref(unit: Unit) -> UnitRef:
    """Return the unit as reports name it."""
    return UnitRef(unit.id, unit.code, unit.name, unit.group, unit.name_en)


def not_done(rows: Subquery) -> ColumnElement[bool]:
    """Return the condition for rows whose unit still owes the task on the day."""
    return rows.c.state.not_in([s.value for s in SETTLED_STATES])


def days_late(rows: Subquery, as_of: AsOf) -> ColumnElement[int]:
    """Return the calendar days late of each row on the as-of day: completed late or
    submitted late by the submission date, open overdue by the day; 0 otherwise. Days are
    counted from the effective deadline (the next working day after one on a day off)."""
    c = rows.c
    S = AssignmentState
    late_by_report = days_between(c.submitted_on, c.due_date)
    late_by_day = days_between(literal(as_of.day, db.Date), c.due_date)
    offset = days_off.rolled_offset(c.due_date, c.task_id, as_of.day_off_rolls)
    if offset is not None:
        late_by_report, late_by_day = late_by_report - offset, late_by_day - offset
    return case(
        (c.due_date.is_(None), 0),
        (
            c.state.in_([S.COMPLETED.value, S.SUBMITTED.value]),
            case((status_sql.late_submission(as_of, c), late_by_report), else_=0),
        ),
        (
            c.state.in_([S.ASSIGNED.value, S.IN_PROGRESS.value]),
            case((status_sql.open_overdue(as_of, c), late_by_day), else_=0),
        ),
        else_=0,
    )


def task_rows(scope: ReportScope):
    """Return the select of the report's tasks, in deadline order (no deadline last)."""
    return (
        select(Task)
        .where(scope.task_filter())
        .order_by(Task.deadline.is_(None), Task.deadline, Task.id)
    )
