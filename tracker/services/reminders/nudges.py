"""Nudges: a coordinator reminding focal points now, outside the daily sweep. The emails are
queued in the request's transaction and the request returns at once: the outbox's sender
delivers them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.domain.days_off import effective_due
from tracker.domain.localtime import local_date
from tracker.domain.reminders.planning import Audience, Notice
from tracker.extensions import db
from tracker.models import Assignment, User
from tracker.services import access, days_off, events
from tracker.services.calendar import load_calendar
from tracker.services.errors import ServiceError
from tracker.services.reminders import batch, sources
from tracker.services.reminders.claim import Claim
from tracker.settings import Settings

A = Assignment


@dataclass
class NudgeResult:
    """How many nudges were queued and skipped."""

    queued: int = 0
    skipped: int = 0  # already nudged today, or nobody to write to


def nudge(
    task_id: int, *, actor: User, now: datetime, settings: Settings, unit_id: int | None = None
) -> NudgeResult:
    """Queue an email to the focal points now: one unit's assignment of the task, or every
    overdue unit; committed with the ledger rows and the events.

    Recorded in the reminder ledger as stage "nudge" of today: at most one a unit a day.
    """
    access.require_coordinator(actor)
    today = local_date(now, settings.zone)
    query = select(Assignment).where(
        Assignment.task_id == task_id, Assignment.state.in_(("assigned", "in_progress"))
    )
    calendar = load_calendar()
    rule = days_off.load_rule(settings.day_off_rolls)
    if unit_id is not None:
        query = query.where(Assignment.unit_id == unit_id)
    else:
        rolls = days_off.build(today, today, calendar, rule)
        query = query.where(days_off.due_before(A.due_date, A.task_id, today, rolls))
    assignments = db.session.scalars(query.order_by(Assignment.id)).all()
    if not assignments:
        raise ServiceError(_l("There is no open assignment to remind about."))
    people = sources.people({a.unit_id for a in assignments}, {task_id})
    result = NudgeResult()
    parcels = []
    for a in assignments:
        due = a.due_date and effective_due(a.due_date, calendar, rule.rolls(a.task_id))
        notice = Notice(
            assignment_id=a.id, task_id=a.task_id, unit_id=a.unit_id, stage="nudge",
            audience=Audience.FOCAL, due=a.due_date,
            days_overdue=(today - due).days if due and due < today else None,
            working_days_left=calendar.working_days_between(today, due)
            if due and due >= today else None,
        )  # fmt: skip
        recipients = people.focal.get(a.unit_id, [])
        if not recipients:
            result.skipped += 1
        for person in recipients:
            user_id = people.user_ids.get(person.email.lower())
            c = Claim("nudge", person.email, "nudge", today, a.id, a.task_id, a.unit_id, user_id)
            parcels.append(batch.Parcel(person, ((notice, c),), user_id=user_id, kind="nudge"))
        events.record("nudged", actor=actor, now=now, assignment=a)
    done = batch.queue_parcels(parcels, now, settings)
    db.session.commit()
    result.queued = done.emails
    result.skipped += done.taken + done.cancelled
    return result
