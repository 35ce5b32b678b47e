"""Reminder policies as people edit them: the programme's default and a task's own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from tracker.domain.reminders.policy import ReminderPolicy
from tracker.extensions import db
from tracker.models import Setting, Task, User
from tracker.services import access, events
from tracker.services.errors import NotFound, ServiceError
from tracker.services.reminders import sources

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


def default_policy() -> ReminderPolicy:
    """Return the programme's default policy, as its page shows it."""
    return sources.default_policy()


@dataclass(frozen=True)
class TaskPolicyPage:
    """A task's policy page: the task, the policy in force for it, and whether that is the
    programme's default."""

    task: Task
    policy: ReminderPolicy
    follows_default: bool


def task_policy_page(task_id: int) -> TaskPolicyPage:
    """Return what a task's policy page shows; raise NotFound for an unknown task."""
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound(access.NOT_FOUND)
    default = sources.default_policy()
    own = sources.task_policies(default).get(task_id)
    return TaskPolicyPage(task, own or default, own is None)


def save_policy(
    policy: ReminderPolicy | None, *, actor: User, now: datetime, task_id: int | None = None
) -> None:
    """Store the default policy, or a task's own (None: the task follows the default)."""
    access.require_coordinator(actor)
    if policy is not None and (errors := policy_errors(policy)):
        raise ServiceError(errors[0])
    value = policy.to_dict() if policy is not None else None
    if task_id is None:
        if value is None:
            raise ServiceError(_l("The default policy cannot be empty."))
        setting = db.session.get(Setting, sources.POLICY_KEY) or Setting(key=sources.POLICY_KEY)
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
