"""What a sweep plans from: the open assignments, the policies in force, what the ledger
already holds, and who receives what."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, or_, select

from tracker.domain.localtime import local_date
from tracker.domain.reminders.planning import RETURNED_PREFIX, AssignmentSnapshot
from tracker.domain.reminders.planning import stages_asked as stages_asked  # for the sweep
from tracker.domain.reminders.policy import DEFAULT_POLICY, PolicyError, ReminderPolicy
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


def policies() -> Callable[[int], ReminderPolicy]:
    """Return the policy in force for a task id (two queries, whatever the number of tasks)."""
    default = default_policy()
    overrides = task_policies(default)
    return lambda task_id: overrides.get(task_id, default)


def snapshots(zone: ZoneInfo) -> list[AssignmentSnapshot]:
    """Return every assignment a sweep may concern: open ones of open tasks in active units
    (a return for rework dated in ``zone``).

    A million rows take a few seconds: plain tuples through the Core connection (no ORM
    row processing), the return instant only fetched for assignments in progress (the only
    ones a rework notice concerns), the state looked up rather than parsed.
    """
    in_progress = S.IN_PROGRESS.value
    query = (
        select(
            A.id,
            A.task_id,
            A.unit_id,
            A.state,
            A.due_date,
            case((A.state == in_progress, A.returned_at)),
            A.submitted_on,
        )
        .join(Task, Task.id == A.task_id)
        .join(Unit, Unit.id == A.unit_id)
        .where(A.state.in_(PLANNED_STATES), Task.closed_at.is_(None), Unit.active.is_(True))
        .execution_options(yield_per=50_000)
    )
    state_of = {state.value: state for state in S}
    snapshot = AssignmentSnapshot
    rows = db.session.connection().execute(query)
    return [
        snapshot(
            aid,
            task_id,
            unit_id,
            state_of[state],
            due,
            None if returned_at is None else local_date(returned_at, zone),
            submitted_on,
        )
        for aid, task_id, unit_id, state, due, returned_at, submitted_on in rows
    ]


def sent_sets(
    items: Iterable[AssignmentSnapshot],
    asked: Collection[tuple[date | None, str]] | None = None,
) -> dict[int, frozenset[str]]:
    """Return, per assignment, the stages the ledger already holds for its due date in force
    and every rework notice (`sent_stages`, applied in SQL). With ``asked`` (see
    `stages_asked`) only those stages are read: the rows that can stop a notice today, not
    the history every open assignment accumulates. ``items``: the sweep's snapshots."""
    query = (
        select(Reminder.assignment_id, Reminder.stage)
        .join(A, A.id == Reminder.assignment_id)
        .where(Reminder.kind == "assignment", A.state.in_(PLANNED_STATES))
        .execution_options(yield_per=50_000)
    )
    if asked is None:
        rework = Reminder.stage.startswith(RETURNED_PREFIX, autoescape=True)
        query = query.where(or_(Reminder.day == A.due_date, rework))
    else:
        days: dict[str, set[date]] = defaultdict(set)
        reworks: set[str] = set()
        for day, stage in asked:
            if day is None:
                reworks.add(stage)
            else:
                days[stage].add(day)
        wanted = [
            and_(Reminder.stage == stage, Reminder.day.in_(sorted(on)), Reminder.day == A.due_date)
            for stage, on in sorted(days.items())
        ]
        if reworks:
            wanted.append(Reminder.stage.in_(sorted(reworks)))
        if not wanted:
            return {}
        query = query.where(or_(*wanted))
    found: dict[int, set[str]] = defaultdict(set)
    for assignment_id, stage in db.session.connection().execute(query):
        found[assignment_id].add(stage)
    return {aid: frozenset(stages) for aid, stages in found.items()}


@dataclass
class People:
    """Who receives what: active focal points and heads by unit, active coordinators by
    task, and the user id of every address that belongs to a user.

    One address is one recipient: a unit head whose address is a user's (a focal point, a
    coordinator) is that user, and a head of several units is the same recipient for each,
    so routing gives every address one email."""

    focal: dict[int, list[Recipient]] = field(default_factory=lambda: defaultdict(list))
    heads: dict[int, Recipient] = field(default_factory=dict)
    coordinators: dict[int, Recipient] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    by_address: dict[str, Recipient] = field(default_factory=dict)

    def remember(self, user: User) -> Recipient:
        """Return ``user`` as a recipient, noting their user id by address."""
        address = user.email.lower()
        self.user_ids[address] = user.id
        return self.by_address.setdefault(address, Recipient.of(user))


def people(unit_ids: set[int], task_ids: set[int]) -> People:
    """Return the recipients of these units and tasks (four queries at most)."""
    found = People()
    users = db.session.scalars(
        select(User).where(
            User.role == Role.FOCAL_POINT, User.reachable, User.unit_id.in_(unit_ids)
        )
    )
    for user in users:
        found.focal[user.unit_id].append(found.remember(user))
    rows = db.session.execute(
        select(Task.id, User)
        .join(User, User.id == Task.owner_id)
        .where(Task.id.in_(task_ids), User.reachable)
    )
    for task_id, user in rows:
        found.coordinators[task_id] = found.remember(user)
    heads = db.session.execute(
        select(Unit.id, Unit.head_email, Unit.name).where(
            Unit.id.in_(unit_ids), Unit.head_email.is_not(None), Unit.head_email != ""
        )
    ).all()
    others = sorted({email.strip().lower() for _, email, _ in heads} - set(found.by_address))
    if others:
        for user in db.session.scalars(select(User).where(User.email.in_(others), User.reachable)):
            found.remember(user)
    for unit_id, email, name in heads:
        address = email.strip()
        found.heads[unit_id] = found.by_address.setdefault(
            address.lower(), Recipient(email=address, name=name, language="vi")
        )
    return found
