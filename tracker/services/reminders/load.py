"""Loading what a sweep plans from: open assignments, the ledger, policies, recipients."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from tracker.clock import local_date
from tracker.domain.reminders import (
    DEFAULT_POLICY,
    AssignmentSnapshot,
    PolicyError,
    ReminderPolicy,
    sent_stages,
)
from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.mail import Recipient
from tracker.models import Assignment, Reminder, Role, Setting, Task, Unit, User

A = Assignment
S = AssignmentState
PLANNED_STATES = (S.ASSIGNED.value, S.IN_PROGRESS.value, S.SUBMITTED.value)
POLICY_KEY = "reminder_policy"


def default_policy() -> ReminderPolicy:
    """Return the programme's default reminder policy (stored setting, else built in)."""
    setting = db.session.get(Setting, POLICY_KEY)
    if setting is None:
        return DEFAULT_POLICY
    try:
        return ReminderPolicy.from_dict(setting.value)
    except PolicyError:
        return DEFAULT_POLICY


def task_policies(default: ReminderPolicy) -> dict[int, ReminderPolicy]:
    """Return the policy of every task that overrides the default (one query)."""
    result: dict[int, ReminderPolicy] = {}
    rows = db.session.execute(
        select(Task.id, Task.reminder_policy).where(Task.reminder_policy.is_not(None))
    )
    for task_id, value in rows:
        try:
            result[task_id] = ReminderPolicy.from_dict(value)
        except PolicyError:
            result[task_id] = default
    return result


def snapshots() -> list[AssignmentSnapshot]:
    """Return every assignment a sweep may concern: open ones of open tasks in active units."""
    query = (
        select(A.id, A.task_id, A.unit_id, A.state, A.due_date, A.returned_at, A.submitted_on)
        .join(Task, Task.id == A.task_id)
        .join(Unit, Unit.id == A.unit_id)
        .where(A.state.in_(PLANNED_STATES), Task.closed_at.is_(None), Unit.active.is_(True))
        .execution_options(yield_per=20_000)
    )
    return [
        AssignmentSnapshot(
            id=row.id,
            task_id=row.task_id,
            unit_id=row.unit_id,
            state=S(row.state),
            due=row.due_date,
            returned_on=local_date(row.returned_at)
            if row.returned_at and row.state == S.IN_PROGRESS
            else None,
            submitted_on=row.submitted_on,
        )
        for row in db.session.execute(query)
    ]


def sent_sets(items: Iterable[AssignmentSnapshot]) -> dict[int, frozenset[str]]:
    """Return, per assignment, the stages the ledger already holds for its due date in force."""
    due = {s.id: s.due for s in items}
    rows: dict[int, list[tuple[str, date]]] = defaultdict(list)
    query = (
        select(Reminder.assignment_id, Reminder.stage, Reminder.day)
        .join(A, A.id == Reminder.assignment_id)
        .where(Reminder.kind == "assignment", A.state.in_(PLANNED_STATES))
        .execution_options(yield_per=20_000)
    )
    for assignment_id, stage, day in db.session.execute(query):
        rows[assignment_id].append((stage, day))
    return {aid: sent_stages(due.get(aid), stages) for aid, stages in rows.items()}


def as_recipient(user: User) -> Recipient:
    return Recipient(email=user.email, name=user.name, language=user.language)


class People:
    """Who receives what: focal points and heads by unit, coordinators by task."""

    def __init__(self, unit_ids: set[int], task_ids: set[int]) -> None:
        self.user_ids: dict[str, int] = {}
        self.focal: dict[int, list[Recipient]] = defaultdict(list)
        users = db.session.scalars(
            select(User).where(
                User.role == Role.FOCAL_POINT, User.active.is_(True), User.unit_id.in_(unit_ids)
            )
        )
        for user in users:
            self.focal[user.unit_id].append(self._remember(user))
        self.heads: dict[int, Recipient] = {
            unit_id: Recipient(email=email, name=name, language="vi")
            for unit_id, email, name in db.session.execute(
                select(Unit.id, Unit.head_email, Unit.name).where(
                    Unit.id.in_(unit_ids), Unit.head_email.is_not(None), Unit.head_email != ""
                )
            )
        }
        self.coordinators: dict[int, Recipient] = {}
        rows = db.session.execute(
            select(Task.id, User)
            .join(User, User.id == Task.owner_id)
            .where(Task.id.in_(task_ids), User.active.is_(True))
        )
        for task_id, user in rows:
            self.coordinators[task_id] = self._remember(user)

    def _remember(self, user: User) -> Recipient:
        self.user_ids[user.email.lower()] = user.id
        return as_recipient(user)
