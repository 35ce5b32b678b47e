"""Sending again what failed, once its retry time has come: reminders rebuilt from their
ledger rows and re-checked (only what still applies, in today's wording), daily digests and
weekly summaries sent again as they were."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from sqlalchemy import select

from tracker.domain.calendar import WorkCalendar
from tracker.domain.localtime import local_date
from tracker.domain.reminders.planning import (
    ESCALATION_STAGE,
    RETURNED_PREFIX,
    Audience,
    Notice,
)
from tracker.extensions import db
from tracker.mail import Recipient
from tracker.models import Assignment, EmailMessage, Reminder, User
from tracker.services.calendar import load_calendar
from tracker.services.reminders import claim, compose, lock, rows, send
from tracker.services.reminders.outgoing import Outcome, Outgoing
from tracker.settings import Settings


def run_retries(now: datetime, settings: Settings) -> Outcome:
    """Send again the failed emails whose retry time has come by ``now`` (the retry job);
    nothing while another sweep or retry holds the lock."""
    with lock.exclusive() as acquired:
        if not acquired:
            return Outcome()
        return _retry(now, local_date(now, settings.zone), load_calendar(), settings)


def _retry(now: datetime, today: date, calendar: WorkCalendar, settings: Settings) -> Outcome:
    failed = db.session.scalars(
        select(Reminder).where(Reminder.state == "failed", Reminder.next_attempt_at <= now)
    ).all()
    groups: dict[int, list[Reminder]] = {}
    for row in failed:
        groups.setdefault(row.email_id or -row.id, []).append(row)
    logs = rows.by_id(EmailMessage, (k for k in groups if k > 0))
    current = claim.current_assignments(r.assignment_id for r in failed if r.assignment_id)
    users = {
        u.email.lower(): u
        for u in db.session.scalars(
            select(User).where(User.email.in_(sorted({r.recipient for r in failed})))
        )
    }
    outcome = Outcome()
    batch: list[Outgoing] = []
    for email_id, group in groups.items():
        old = logs.get(email_id)
        to_rows = [r for r in group if not r.copy]
        if not to_rows or old is None:
            continue
        user = users.get(to_rows[0].recipient)
        if user is not None and not user.active:
            claim.cancel([r.dedupe_key for r in group], "recipient deactivated")
            outcome.cancelled += len(group)
            continue
        if to_rows[0].kind != "assignment":
            batch.append(compose.again(old, settings.mail_sender, [r.dedupe_key for r in group]))
            continue
        notices = {r.dedupe_key: _notice(r, current.get(r.assignment_id), today, calendar)
                   for r in to_rows}  # fmt: skip
        valid = [n for n in notices.values() if n is not None]
        dead = [k for k, n in notices.items() if n is None]
        dead += [r.dedupe_key for r in group if r.copy and _sibling(r, to_rows) in dead]
        claim.cancel(dead, claim.NO_LONGER_APPLIES)
        outcome.cancelled += len(dead)
        if not valid:
            continue
        to = (
            Recipient.of(user)
            if user is not None
            else Recipient(to_rows[0].recipient, language=old.language)
        )
        cc = [r.recipient for r in group if r.copy]
        keys = [k for k in notices if k not in dead] + [
            r.dedupe_key for r in group if r.copy and r.dedupe_key not in dead
        ]
        rebuilt = compose.reminder(to, cc, valid, compose.names(valid), keys)
        batch.append(dataclasses.replace(rebuilt, kind=old.kind, unit_id=old.unit_id))
    return outcome + send.deliver(batch, now, settings)


def _sibling(copy_row: Reminder, to_rows: list[Reminder]) -> str | None:
    for row in to_rows:
        if (row.assignment_id, row.stage, row.day) == (
            copy_row.assignment_id,
            copy_row.stage,
            copy_row.day,
        ):
            return row.dedupe_key
    return None


def _notice(
    row: Reminder, assignment: Assignment | None, today: date, calendar: WorkCalendar
) -> Notice | None:
    """Rebuild the notice a failed ledger row stands for, if it still applies today."""
    returned = row.stage.startswith(RETURNED_PREFIX)
    due = assignment.due_date if assignment is not None else None
    notice = Notice(
        assignment_id=row.assignment_id,
        task_id=row.task_id,
        unit_id=row.unit_id,
        stage=row.stage,
        audience=Audience.HEAD if row.stage == ESCALATION_STAGE else Audience.FOCAL,
        due=due if returned else row.day,
        days_overdue=(today - row.day).days if not returned and row.day < today else None,
        working_days_left=calendar.working_days_between(today, row.day)
        if not returned and row.day >= today
        else None,
        returned_on=row.day if returned else None,
    )
    return notice if claim.still_applies(notice, assignment) else None
