"""A unit's to-do list for its focal point: its open assignments, most urgent first, each
with the next step and its deadline in words (three queries whatever the unit's size)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager

from tracker.domain.days_off import effective_due
from tracker.domain.status import OPEN_STATES, AssignmentState, StatusResult
from tracker.domain.todo import DeadlineWords, NextAction, deadline_words, may_ask_for_time
from tracker.domain.todo import next_action as next_step
from tracker.extensions import db
from tracker.models import Assignment, ExtensionRequest
from tracker.services import status_sql
from tracker.services.assignments.due_dates import PENDING
from tracker.services.calendar import load_calendar
from tracker.services.status_sql import AsOf

A = Assignment
OPEN = [s.value for s in OPEN_STATES]


@dataclass(frozen=True)
class TodoItem:
    """One open assignment and what its unit does next."""

    assignment: Assignment
    status: StatusResult
    action: NextAction
    deadline: DeadlineWords
    ask_for_time: bool


@dataclass(frozen=True)
class Todo:
    """The first ``items`` of a unit's to-do list, out of ``total`` open assignments."""

    items: list[TodoItem]
    total: int


def unit_todo(unit_id: int, as_of: AsOf, due_soon_days: int, limit: int = 20) -> Todo:
    """Return the unit's open assignments (task loaded), the earliest deadline first and
    those only waiting for a coordinator last."""
    waiting_last = case((A.state == AssignmentState.SUBMITTED.value, 1), else_=0)
    rows = list(
        db.session.scalars(
            select(A)
            .join(A.task)
            .options(contains_eager(A.task))
            .where(A.unit_id == unit_id, A.state.in_(OPEN))
            .order_by(waiting_last, A.due_date.asc().nulls_last(), A.id)
            .limit(limit)
        )
    )
    total = db.session.scalar(
        select(func.count()).select_from(A).where(A.unit_id == unit_id, A.state.in_(OPEN))
    )
    pending = set()
    if rows:
        pending = set(
            db.session.scalars(
                select(ExtensionRequest.assignment_id).where(
                    ExtensionRequest.assignment_id.in_([a.id for a in rows]),
                    ExtensionRequest.state == PENDING,
                )
            )
        )
    calendar = load_calendar()
    items = []
    for a in rows:
        status = status_sql.status_of(a, as_of.day, calendar, due_soon_days, as_of.rule)
        # Days left count to the effective deadline: a Sunday's ends on Monday.
        due = a.due_date and effective_due(a.due_date, calendar, as_of.rule.rolls(a.task_id))
        action = next_step(
            a.state, returned=a.returned_at is not None, extension_pending=a.id in pending
        )
        if action is None:  # not open: cannot happen with the filter above
            continue
        items.append(
            TodoItem(
                a,
                status,
                action,
                deadline_words(due, status, as_of.day),
                may_ask_for_time(action, status),
            )
        )
    return Todo(items, total or 0)
