"""Assignments that became overdue, told to other systems (the ``assignment.overdue``
webhook) by the midnight job, once.

The job moves the per-unit counts on to the new day (``rollups.units.advance``), which
locks their clock row until it commits: the open assignments whose due date lies between
the day the counts judged and the new day are exactly those that became overdue meanwhile
(one day's worth normally, the whole gap after downtime). Told in that transaction, they
are told once; a second run finds the clock already moved and tells nothing.

One event per task, listing its assignments that became overdue, at most ``BATCH`` to an
event (a task given to more units makes several events, ``part`` of ``parts``): a national
deadline passing for 700 units is two events, not 700, and neither an event's body nor the
job's memory grows with the programme (a million assignments are read ``BATCH`` at a time,
and queued a few events at a time). Nothing is read when no endpoint listens.

An assignment whose due date a person moves into the past is told by
``assignment.due_changed`` instead: the job only sees the days it moves across. A deadline
on a day off that rolls is told when its effective deadline has passed: a Sunday's on the
Tuesday.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from tracker.domain.days_off import RollRule
from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import Assignment
from tracker.services import days_off, webhooks
from tracker.services.calendar import load_calendar
from tracker.services.rollups.units import UNSET

A = Assignment
WORKING = (AssignmentState.ASSIGNED.value, AssignmentState.IN_PROGRESS.value)
BATCH = 500  # assignments per event
QUEUE_EVERY = 50  # events queued per statement


def _falling_due(since: date, day: date, rule: RollRule):
    """Return the conditions selecting the open assignments whose effective deadline is on
    ``since`` or later and before ``day``: overdue on ``day`` (``days_off.due_before``), not
    yet on ``since``."""
    calendar = load_calendar()
    rolls_since = days_off.build(since, since, calendar, rule)
    rolls_day = days_off.build(day, day, calendar, rule)
    return (
        A.state.in_(WORKING),
        # Bounds for the due-date index: a rolling deadline before the run of days off
        # that ends it was already overdue on ``since``.
        A.due_date >= rolls_since.rolled_day,
        A.due_date < day,
        days_off.due_before(A.due_date, A.task_id, day, rolls_day),
        ~days_off.due_before(A.due_date, A.task_id, since, rolls_since),
    )


def tell_overdue(since: date, day: date, *, now: datetime, day_off_rolls: bool = True) -> int:
    """Queue an ``assignment.overdue`` event per task (per ``BATCH`` of its assignments) for
    the open assignments due on ``since`` or later and before ``day``: judged overdue on
    ``day``, not before (not committed); return how many events. Due dates are effective
    ones: ``day_off_rolls`` is the configured rule for deadlines on days off.

    Nothing when the counts had never been moved (``since`` is ``UNSET``: the overdue
    assignments of the past are no news), when ``day`` is not after ``since``, or when no
    endpoint listens."""
    if since == UNSET or day <= since:
        return 0
    if not webhooks.listening(webhooks.EVENT_TYPES[webhooks.OVERDUE]):
        return 0
    falling_due = _falling_due(since, day, days_off.load_rule(day_off_rolls))
    per_task = db.session.execute(
        select(A.task_id, func.count()).where(*falling_due).group_by(A.task_id).order_by(A.task_id)
    ).all()
    told, waiting = 0, []
    for task_id, count in per_task:
        parts = -(-count // BATCH)
        after = 0
        for part in range(1, parts + 1):
            rows = db.session.execute(
                select(A.id, A.unit_id, A.due_date)
                .where(A.task_id == task_id, A.id > after, *falling_due)
                .order_by(A.id)
                .limit(BATCH)
            ).all()
            if not rows:  # fewer than counted: changed meanwhile (the clock's lock is held)
                break
            after = rows[-1].id
            waiting.append(_event(task_id, rows, day, part, parts))
            if len(waiting) >= QUEUE_EVERY:
                webhooks.enqueue(waiting, now=now)
                told, waiting = told + len(waiting), []
    webhooks.enqueue(waiting, now=now)
    return told + len(waiting)


def _event(task_id: int, rows, day: date, part: int, parts: int) -> webhooks.Event:
    return webhooks.Event(
        webhooks.OVERDUE,
        task_id,
        None,
        None,
        {
            "overdue_on": day.isoformat(),
            "part": part,
            "parts": parts,
            "assignments": [
                {"assignment_id": r.id, "unit_id": r.unit_id, "due_date": r.due_date.isoformat()}
                for r in rows
            ],
        },
    )
