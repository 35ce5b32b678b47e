"""Sending again what failed: reminders rebuilt and re-checked, digests as they were."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from flask_mail import Message
from sqlalchemy import select

from tracker.domain.reminders import (
    Audience,
    Notice,
)
from tracker.extensions import db
from tracker.mail import Recipient
from tracker.models import Assignment, EmailMessage, Reminder, User
from tracker.services.reminders import ledger
from tracker.services.reminders.deliver import (
    Outcome,
    chunks,
    compose_reminder,
    current_assignments,
    details,
    log_email,
    send_batch,
    still_applies,
)


def retry_failed(now: datetime, today: date, calendar) -> Outcome:
    """Send again every failed email whose retry time has come; items re-checked first.

    Reminders are rebuilt from their ledger rows (only those that still apply, with today's
    wording); digests are sent again as they were.
    """
    rows = db.session.scalars(
        select(Reminder).where(Reminder.state == "failed", Reminder.next_attempt_at <= now)
    ).all()
    groups: dict[int, list[Reminder]] = {}
    for row in rows:
        groups.setdefault(row.email_id or -row.id, []).append(row)
    logs = {
        e.id: e
        for part in chunks(sorted(k for k in groups if k > 0))
        for e in db.session.scalars(select(EmailMessage).where(EmailMessage.id.in_(part)))
    }
    current = current_assignments(r.assignment_id for r in rows if r.assignment_id)
    users = {
        u.email.lower(): u
        for u in db.session.scalars(
            select(User).where(User.email.in_(sorted({r.recipient for r in rows})))
        )
    }
    outcome = Outcome()
    batch = []
    for email_id, group in groups.items():
        old = logs.get(email_id)
        to_rows = [r for r in group if not r.copy]
        if not to_rows or old is None:
            continue
        user = users.get(to_rows[0].recipient)
        if user is not None and not user.active:
            ledger.cancel([r.dedupe_key for r in group], "recipient deactivated")
            outcome.cancelled += len(group)
            continue
        if to_rows[0].kind != "assignment":
            message = Message(
                subject=old.subject,
                recipients=[old.to],
                cc=[c for c in old.cc.split(", ") if c],
                body=old.body_text,
                html=old.body_html or None,
                sender=current_app.config["MAIL_DEFAULT_SENDER"],
            )
            to = Recipient(old.to, language=old.language)
            batch.append((message, [r.dedupe_key for r in group], log_email(message, to, old.kind)))
            continue
        notices = {r.dedupe_key: _notice(r, current.get(r.assignment_id), today, calendar)
                   for r in to_rows}  # fmt: skip
        valid = [n for n in notices.values() if n is not None]
        dead = [k for k, n in notices.items() if n is None]
        dead += [r.dedupe_key for r in group if r.copy and _sibling(r, to_rows) in dead]
        ledger.cancel(dead, "no longer applies at send time")
        outcome.cancelled += len(dead)
        if not valid:
            continue
        to = (
            Recipient(user.email, user.name, user.language)
            if user is not None
            else Recipient(to_rows[0].recipient, language=old.language)
        )
        tasks, units = details(valid)
        cc = [r.recipient for r in group if r.copy]
        message, _kind = compose_reminder(to, cc, valid, tasks, units)
        keys = [k for k in notices if k not in dead] + [
            r.dedupe_key for r in group if r.copy and r.dedupe_key not in dead
        ]
        log = log_email(message, to, old.kind)
        log.unit_id = old.unit_id
        batch.append((message, keys, log))
    return outcome + send_batch(batch, now)


def _sibling(copy_row: Reminder, to_rows: list[Reminder]) -> str | None:
    for row in to_rows:
        if (row.assignment_id, row.stage, row.day) == (
            copy_row.assignment_id,
            copy_row.stage,
            copy_row.day,
        ):
            return row.dedupe_key
    return None


def _notice(row: Reminder, assignment: Assignment | None, today: date, calendar) -> Notice | None:
    """Rebuild the notice a failed ledger row stands for, if it still applies today."""
    from tracker.domain.reminders import ESCALATION_STAGE, RETURNED_PREFIX

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
    return notice if still_applies(notice, assignment) else None
