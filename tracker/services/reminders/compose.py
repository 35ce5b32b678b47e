"""Composing each kind of email, in its recipient's language: a focal point's reminder (or a
nudge), an escalation to a unit head, a coordinator's daily digest and weekly summary, and a
failed email sent again as it was."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_mail import Message

from tracker import mail
from tracker.domain.reminders.coordinators import CoordinatorDigest
from tracker.domain.reminders.planning import Audience, Notice
from tracker.domain.reminders.routing import group_notices
from tracker.mail import Recipient
from tracker.models import EmailMessage, ExtensionRequest, Task, Unit
from tracker.services.reminders import rows
from tracker.services.reminders.outgoing import Outgoing


@dataclass(frozen=True)
class Names:
    """The tasks and units that emails name, by id."""

    tasks: Mapping[int, Task]
    units: Mapping[int, Unit]


def names(items: Iterable[Notice]) -> Names:
    """Return the tasks and units of ``items`` (anything with ``task_id`` and ``unit_id``)."""
    items = list(items)
    return Names(
        rows.by_id(Task, (n.task_id for n in items)),
        rows.by_id(Unit, (n.unit_id for n in items)),
    )


class ReminderSubject:
    """A subject translated when rendered in the recipient's language (it needs ngettext)."""

    def __init__(self, count: int, unit: str) -> None:
        self.count, self.unit = count, unit

    def __str__(self) -> str:
        return ngettext(
            "Reminder: %(num)s task of %(unit)s needs attention",
            "Reminder: %(num)s tasks of %(unit)s need attention",
            self.count,
            unit=self.unit,
        )


def reminder(
    to: Recipient, cc: Sequence[str], notices: Sequence[Notice], named: Names, keys: Sequence[str]
) -> Outgoing:
    """Return one recipient's email of ``notices``: an escalation when all are for the unit
    head, else a focal point's reminder whose subject counts the notices actually in it."""
    grouped = group_notices(notices)
    unit = named.units[notices[0].unit_id].name
    if all(n.audience == Audience.HEAD for n in notices):
        template, kind = "escalation", "escalation"
        subject = _l("Escalation: %(unit)s has overdue tasks", unit=unit)
    else:
        template, kind = "reminder_digest", "reminder"
        subject = ReminderSubject(grouped.total, unit)
    message = mail.compose(
        template,
        to,
        subject,
        cc=list(cc),
        grouped=grouped,
        tasks=named.tasks,
        units=named.units,
        link=mail.link,
    )
    return Outgoing(message, to, kind, keys, unit_id=notices[0].unit_id)


def daily_digest_names(digests: Iterable[CoordinatorDigest]) -> Names:
    """Return the tasks and units that coordinators' daily digests name."""
    digests = list(digests)
    return names(
        [
            *(o.assignment for d in digests for o in d.overdue),
            *(s for d in digests for s in d.awaiting_confirmation),
            *(n for d in digests for n in d.unreachable),
        ]
    )


def daily_digest(
    to: Recipient,
    digest: CoordinatorDigest,
    extensions: Sequence[ExtensionRequest],
    today: date,
    named: Names,
    key: str,
) -> Outgoing:
    """Return a coordinator's daily digest: overdue units, reports to confirm, extension
    requests, notices that reached nobody."""
    message = mail.compose(
        "coordinator_digest",
        to,
        _l("Daily digest: overdue tasks and reports awaiting confirmation"),
        digest=digest,
        extensions=extensions,
        tasks=named.tasks,
        units=named.units,
        today=today,
        link=mail.link,
    )
    return Outgoing(message, to, "digest", [key])


def weekly_summary(
    to: Recipient, tasks: Sequence[Task], by_task: Mapping, today: date, key: str
) -> Outgoing:
    """Return a coordinator's weekly summary: each open task's standing by unit group."""
    message = mail.compose(
        "weekly_summary",
        to,
        _l("Weekly summary of your tasks"),
        tasks=tasks,
        by_task=by_task,
        today=today,
        link=mail.link,
    )
    return Outgoing(message, to, "weekly", [key])


def again(sent: EmailMessage, sender: str, keys: Sequence[str]) -> Outgoing:
    """Return an email that failed, to be sent again exactly as it was composed."""
    message = Message(
        subject=sent.subject,
        recipients=[sent.to],
        cc=[c for c in sent.cc.split(", ") if c],
        body=sent.body_text,
        html=sent.body_html or None,
        sender=sender,
    )
    return Outgoing(message, Recipient(sent.to, language=sent.language), sent.kind, keys)
