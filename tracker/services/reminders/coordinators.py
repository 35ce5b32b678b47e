"""What coordinators are told about their own tasks: the daily digest (overdue units, the day's
escalations, reports to confirm, extension requests, notices that reached nobody) and the
weekly summary (each open task's standing by unit group), each on the days it is due."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from tracker.domain.calendar import WorkCalendar
from tracker.domain.days_off import RollRule
from tracker.domain.reminders.coordinators import (
    CoordinatorDigest,
    coordinator_digest,
    coordinator_digest_due,
    weekly_summary_due,
)
from tracker.domain.reminders.planning import AssignmentSnapshot, Notice
from tracker.extensions import db
from tracker.mail import Recipient
from tracker.models import Assignment, ExtensionRequest, Reminder, Role, Task, User
from tracker.services import days_off, status_sql
from tracker.services.reminders.compose import PendingExtension
from tracker.services.rollups import counts as tally


@dataclass(frozen=True)
class DailyDigest:
    """One coordinator's daily digest: the domain's items and the pending extension requests."""

    to: Recipient
    digest: CoordinatorDigest
    extensions: list[PendingExtension]


def daily_digests(
    items: Iterable[AssignmentSnapshot],
    unreachable: Iterable[Notice],
    escalated: Iterable[Notice],
    coordinators: Mapping[int, Recipient],
    today: date,
    calendar: WorkCalendar,
    rule: RollRule | None = None,
) -> list[DailyDigest]:
    """Return the daily digest of each coordinator (by task in ``coordinators``) with news
    today and none sent yet today; ``escalated`` are the day's escalations that reached a
    unit head; ``rule`` says whose deadlines on a day off roll (None: nobody's)."""
    effective = days_off.effective_dates(calendar, rule or RollRule(False))
    by_owner: dict[Recipient, list[AssignmentSnapshot]] = {}
    for snapshot in items:
        owner = coordinators.get(snapshot.task_id)
        if owner is not None:
            by_owner.setdefault(owner, []).append(snapshot)
    lost = _by_owner(unreachable, coordinators)
    raised = _by_owner(escalated, coordinators)
    E = ExtensionRequest
    pending = [
        (task_id, PendingExtension(assignment_id, requested_due, reason))
        for assignment_id, requested_due, reason, task_id in db.session.execute(
            select(E.assignment_id, E.requested_due, E.reason, Assignment.task_id)
            .join(Assignment, Assignment.id == E.assignment_id)
            .where(E.state == "pending")
            .order_by(E.id)
        )
    ]
    last = dict(
        db.session.execute(
            select(Reminder.recipient, Reminder.day).where(
                Reminder.kind == "digest", Reminder.day >= today
            )
        ).all()
    )
    result = []
    for owner in dict.fromkeys([*by_owner, *lost]):
        if not coordinator_digest_due(today, calendar, last.get(owner.email.lower())):
            continue
        digest = coordinator_digest(
            by_owner.get(owner, ()), today, lost.get(owner, ()), raised.get(owner, ()), effective
        )
        extensions = [r for task_id, r in pending if coordinators.get(task_id) == owner]
        if digest.is_empty and not extensions:
            continue
        result.append(DailyDigest(owner, digest, extensions))
    return result


def _by_owner(
    notices: Iterable[Notice], coordinators: Mapping[int, Recipient]
) -> dict[Recipient, list[Notice]]:
    found: dict[Recipient, list[Notice]] = {}
    for notice in notices:
        owner = coordinators.get(notice.task_id)
        if owner is not None:
            found.setdefault(owner, []).append(notice)
    return found


@dataclass(frozen=True)
class WeeklySummary:
    """One coordinator's weekly summary: their open tasks, and the status counts of every
    summarised task by unit group (``by_task[task id][group]``)."""

    to: Recipient
    user_id: int
    tasks: list[Task]
    by_task: Mapping[int, Mapping[str, object]]


def weekly_summaries(
    today: date, calendar: WorkCalendar, due_soon_days: int, day_off_rolls: bool = True
) -> list[WeeklySummary]:
    """Return the weekly summary of each coordinator owning open tasks who has had none this
    ISO week (``due_soon_days`` judges what is due soon)."""
    last = dict(
        db.session.execute(
            select(Reminder.recipient, func.max(Reminder.day))
            .where(Reminder.kind == "weekly")
            .group_by(Reminder.recipient)
        ).all()
    )
    owners = db.session.scalars(
        select(User).where(
            User.reachable,
            User.role.in_((Role.COORDINATOR, Role.ADMIN)),
            User.id.in_(
                select(Task.owner_id).where(Task.closed_at.is_(None), Task.recurrence.is_(None))
            ),
        )
    ).all()
    due = [u for u in owners if weekly_summary_due(today, calendar, last.get(u.email.lower()))]
    if not due:
        return []
    tasks = db.session.scalars(
        select(Task)
        .where(
            Task.closed_at.is_(None),
            Task.recurrence.is_(None),  # recurring templates: their occurrences are tasks
            Task.owner_id.in_([u.id for u in due]),
        )
        .order_by(Task.deadline.asc().nulls_last(), Task.id)
    ).all()
    rule = days_off.load_rule(day_off_rolls)
    as_of = status_sql.AsOf.build(today, calendar, due_soon_days, rule=rule)
    found = tally.buckets_by(tally.KEYS, as_of, [t.id for t in tasks])
    by_task: defaultdict[int, dict] = defaultdict(dict)
    for (task_id, group), buckets in found.items():
        by_task[task_id][group] = buckets
    return [
        WeeklySummary(
            Recipient.of(u),
            u.id,
            [t for t in tasks if t.owner_id == u.id],
            by_task,
        )
        for u in due
    ]
