"""The coordinators' weekly summary: each open task's standing by unit group."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tracker import mail
from tracker.domain.reminders import weekly_summary_due
from tracker.extensions import db
from tracker.models import Assignment, Reminder, Role, Task, Unit, User
from tracker.services import status_sql as stats
from tracker.services.reminders import deliver
from tracker.services.reminders.ledger import Claim, claim
from tracker.services.reminders.load import as_recipient


def send_weekly_summaries(now: datetime, today: date, calendar, due_soon_days: int):
    """Send each coordinator the week's summary of their open tasks, once a week."""
    last = dict(
        db.session.execute(
            select(Reminder.recipient, func.max(Reminder.day))
            .where(Reminder.kind == "weekly")
            .group_by(Reminder.recipient)
        ).all()
    )
    owners = db.session.scalars(
        select(User).where(
            User.active.is_(True),
            User.role.in_((Role.COORDINATOR, Role.ADMIN)),
            User.id.in_(
                select(Task.owner_id).where(Task.closed_at.is_(None), Task.recurrence.is_(None))
            ),
        )
    ).all()
    due = [u for u in owners if weekly_summary_due(today, calendar, last.get(u.email.lower()))]
    if not due:
        return deliver.Outcome()
    tasks = db.session.scalars(
        select(Task)
        .where(
            Task.closed_at.is_(None),
            Task.recurrence.is_(None),  # recurring templates: their occurrences are tasks
            Task.owner_id.in_([u.id for u in due]),
        )
        .order_by(Task.deadline.asc().nulls_last(), Task.id)
    ).all()
    as_of = stats.AsOf.build(today, calendar, due_soon_days)
    counts = stats.count_buckets_by_keys(
        [Assignment.task_id, Unit.group],
        as_of,
        Assignment.task_id.in_([t.id for t in tasks]),
        joins=[Unit],
    )
    by_task = defaultdict(dict)
    for (task_id, group), buckets in counts.items():
        by_task[task_id][group] = buckets
    claims = {u.id: Claim("weekly", u.email, "weekly", today, recipient_user_id=u.id) for u in due}
    won = claim(list(claims.values()), now)
    batch = []
    for user in due:
        key = claims[user.id].key
        if key not in won:
            continue
        own = [t for t in tasks if t.owner_id == user.id]
        recipient = as_recipient(user)
        message = mail.compose(
            "weekly_summary",
            recipient,
            _l("Weekly summary of your tasks"),
            tasks=own,
            by_task=by_task,
            today=today,
            link=mail.link,
        )
        batch.append((message, [key], deliver.log_email(message, recipient, "weekly")))
    return deliver.send_batch(batch, now)
