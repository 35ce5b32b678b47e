"""What people do with reminders: edit policies, nudge units now, read the status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tracker import clock
from tracker.domain.reminders import ReminderPolicy
from tracker.domain.reminders.planning import Audience, Notice
from tracker.extensions import db
from tracker.models import Assignment, Reminder, Setting, SweepRun, Task, User
from tracker.services import access, events
from tracker.services.calendar import load_calendar
from tracker.services.errors import NotFound, ServiceError
from tracker.services.reminders import deliver, load
from tracker.services.reminders.ledger import Claim, claim

POLICY_MESSAGES = {
    "before_not_positive": _l("Reminders before the due date must be at least 1 working day."),
    "before_duplicate": _l("The same number of days appears twice among the reminders."),
    "before_too_many": _l("At most 10 reminders before the due date."),
    "before_too_large": _l("Reminders can start at most 250 working days ahead."),
    "before_not_integer": _l("Reminder days must be whole numbers."),
    "overdue_every_not_positive": _l("Overdue notices must repeat at least every working day."),
    "overdue_every_not_integer": _l("The overdue interval must be a whole number."),
    "overdue_every_too_large": _l("The overdue interval can be at most 250 working days."),
    "escalate_after_not_positive": _l("Escalation must wait at least 1 working day."),
    "escalate_after_not_integer": _l("The escalation delay must be a whole number."),
    "escalate_after_too_large": _l("Escalation can wait at most 250 working days."),
    "on_due_day_not_boolean": _l("Choose whether to remind on the due day."),
}


def policy_errors(policy: ReminderPolicy) -> list:
    """Return the translated reasons a policy is refused (empty when valid)."""
    return [POLICY_MESSAGES.get(code, code) for code in policy.validate()]


def save_policy(policy: ReminderPolicy | None, *, actor: User, now: datetime, task_id=None):
    """Store the default policy, or a task's own (None: the task follows the default)."""
    access.require_coordinator(actor)
    if policy is not None and (errors := policy_errors(policy)):
        raise ServiceError(errors[0])
    value = policy.to_dict() if policy is not None else None
    if task_id is None:
        if value is None:
            raise ServiceError(_l("The default policy cannot be empty."))
        setting = db.session.get(Setting, load.POLICY_KEY) or Setting(key=load.POLICY_KEY)
        setting.value, setting.updated_at, setting.updated_by_id = value, now, actor.id
        db.session.add(setting)
        events.record("policy_changed", actor=actor, now=now, target="policy:default", data=value)
    else:
        task = db.session.get(Task, task_id)
        if task is None:
            raise NotFound(access.NOT_FOUND)
        task.reminder_policy = value
        events.record(
            "policy_changed", actor=actor, now=now, task_id=task.id, target=f"task:{task.id}",
            data=value or {"default": True},
        )  # fmt: skip
    db.session.commit()


@dataclass
class NudgeResult:
    sent: int = 0
    skipped: int = 0  # already nudged today, or nobody to write to
    failed: int = 0


def nudge(task_id: int, *, actor: User, now: datetime, unit_id: int | None = None) -> NudgeResult:
    """Email the focal points now: one unit's assignment of the task, or every overdue unit.

    Recorded in the reminder ledger as stage "nudge" of today: at most one a unit a day.
    """
    access.require_coordinator(actor)
    today = clock.local_date(now)
    query = select(Assignment).where(
        Assignment.task_id == task_id, Assignment.state.in_(("assigned", "in_progress"))
    )
    if unit_id is not None:
        query = query.where(Assignment.unit_id == unit_id)
    else:
        query = query.where(Assignment.due_date < today)
    assignments = db.session.scalars(query).all()
    if not assignments:
        raise ServiceError(_l("There is no open assignment to remind about."))
    calendar = load_calendar()
    people = load.People({a.unit_id for a in assignments}, {task_id})
    result = NudgeResult()
    claims, emails = [], []
    for a in assignments:
        notice = Notice(
            assignment_id=a.id, task_id=a.task_id, unit_id=a.unit_id, stage="nudge",
            audience=Audience.FOCAL, due=a.due_date,
            days_overdue=(today - a.due_date).days if a.due_date and a.due_date < today else None,
            working_days_left=calendar.working_days_between(today, a.due_date)
            if a.due_date and a.due_date >= today else None,
        )  # fmt: skip
        recipients = people.focal.get(a.unit_id, [])
        if not recipients:
            result.skipped += 1
        for person in recipients:
            c = Claim("nudge", person.email, "nudge", today, a.id, a.task_id, a.unit_id,
                      people.user_ids.get(person.email.lower()))  # fmt: skip
            claims.append(c)
            emails.append((person, notice, c.key))
        events.record("nudged", actor=actor, now=now, assignment=a)
    won = claim(claims, now)
    result.skipped += len([1 for _, _, key in emails if key not in won])
    tasks, units = deliver.details(n for _, n, _ in emails)
    batch = []
    for person, notice, key in emails:
        if key not in won:
            continue
        message, _kind = deliver.compose_reminder(person, (), [notice], tasks, units)
        log = deliver.log_email(message, person, "nudge")
        log.unit_id = notice.unit_id
        batch.append((message, [key], log))
    outcome = deliver.send_batch(batch, now)
    result.sent, result.failed = outcome.sent, outcome.failed
    return result


@dataclass
class Status:
    last_success: datetime | None
    next_run: datetime
    pending_retries: int
    failed_for_good: int
    stale: bool
    recent: list[SweepRun]


def status(now: datetime) -> Status:
    """Return what the status panel shows about the scheduler (a few queries)."""
    config = current_app.config
    last = db.session.scalar(
        select(func.max(SweepRun.finished_at)).where(
            SweepRun.kind == "sweep", SweepRun.status.in_(("ok", "skipped"))
        )
    )
    pending = db.session.scalar(
        select(func.count()).where(
            Reminder.state == "failed", Reminder.next_attempt_at.is_not(None)
        )
    )
    dead = db.session.scalar(
        select(func.count()).where(Reminder.state == "failed", Reminder.next_attempt_at.is_(None))
    )
    recent = db.session.scalars(select(SweepRun).order_by(SweepRun.started_at.desc()).limit(10))
    stale_after = timedelta(hours=int(config["SWEEP_STALE_HOURS"]))
    return Status(
        last_success=last,
        next_run=next_sweep(now),
        pending_retries=pending,
        failed_for_good=dead,
        stale=last is None or now - last > stale_after,
        recent=list(recent),
    )


def next_sweep(now: datetime) -> datetime:
    """Return when the scheduler's next daily sweep runs (it skips days off itself)."""
    hour, minute = (int(p) for p in current_app.config["REMINDER_SWEEP_TIME"].split(":"))
    calendar = load_calendar()
    local = now.astimezone(clock.tz())
    day = local.date()
    if local.time() >= time(hour, minute) or not calendar.is_working_day(day):
        day = calendar.add_working_days(day, 1)
    return datetime.combine(day, time(hour, minute), tzinfo=clock.tz())
