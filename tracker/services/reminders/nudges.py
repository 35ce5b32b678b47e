"""Nudges: a coordinator reminding focal points now, outside the daily sweep."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.domain.localtime import local_date
from tracker.domain.reminders.planning import Audience, Notice
from tracker.extensions import db
from tracker.models import Assignment, User
from tracker.services import access, events
from tracker.services.calendar import load_calendar
from tracker.services.errors import ServiceError
from tracker.services.reminders import claim, compose, send, sources
from tracker.settings import Settings


@dataclass
class NudgeResult:
    """How many nudges were sent, skipped and failed."""

    sent: int = 0
    skipped: int = 0  # already nudged today, or nobody to write to
    failed: int = 0


def nudge(
    task_id: int, *, actor: User, now: datetime, settings: Settings, unit_id: int | None = None
) -> NudgeResult:
    """Email the focal points now: one unit's assignment of the task, or every overdue unit.

    Recorded in the reminder ledger as stage "nudge" of today: at most one a unit a day.
    """
    access.require_coordinator(actor)
    today = local_date(now, settings.zone)
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
    people = sources.people({a.unit_id for a in assignments}, {task_id})
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
            c = claim.Claim("nudge", person.email, "nudge", today, a.id, a.task_id, a.unit_id,
                            people.user_ids.get(person.email.lower()))  # fmt: skip
            claims.append(c)
            emails.append((person, notice, c.key))
        events.record("nudged", actor=actor, now=now, assignment=a)
    won = claim.claim(claims, now)
    result.skipped += len([1 for _, _, key in emails if key not in won])
    named = compose.names(n for _, n, _ in emails)
    batch = [
        dataclasses.replace(compose.reminder(person, (), [notice], named, [key]), kind="nudge")
        for person, notice, key in emails
        if key in won
    ]
    outcome = send.deliver(batch, now, settings)
    result.sent, result.failed = outcome.sent, outcome.failed
    return result
