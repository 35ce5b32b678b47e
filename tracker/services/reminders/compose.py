"""Composing each kind of email, in its recipient's language, as letters to queue: a focal
point's reminder (or a nudge), an escalation to a unit head, a coordinator's daily digest and
weekly summary. Each letter is rendered once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup

from tracker import mail
from tracker.domain.reminders.coordinators import CoordinatorDigest
from tracker.domain.reminders.planning import Audience, Notice
from tracker.domain.reminders.routing import GroupedNotices, group_notices
from tracker.i18n import format_day
from tracker.labels import deadline_text, unit_name
from tracker.mail import Letter, Recipient
from tracker.models import Task, Unit
from tracker.services.reminders import rows


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


@dataclass(frozen=True)
class PendingExtension:
    """An extension request waiting for its coordinator, as the digest shows it."""

    assignment_id: int
    requested_due: date
    reason: str


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


@dataclass(frozen=True, slots=True)
class Line:
    """One assignment as a reminder lists it, its words already in the letter's language
    (translations are ``Markup``: trusted, as the templates' own ``_`` makes them; the
    rest is escaped in HTML)."""

    url: str
    title: str
    unit: str
    returned: str  # "Returned on 01/07/2024: open it to read why.", or ""
    due: str  # "30/06/2024", or ""
    wording: str  # the task's own wording of its deadline
    overdue: str  # "4 days overdue", or ""
    left: str  # "3 working days left", or ""
    source: str  # the task's source document


@dataclass(frozen=True)
class Lines:
    """A reminder's lines by group, in email order (see ``GroupedNotices``)."""

    overdue: list[Line]
    due_today: list[Line]
    due_soon: list[Line]
    returned: list[Line]

    @property
    def all(self) -> list[Line]:
        """Return every line, in email order."""
        return self.overdue + self.due_today + self.due_soon + self.returned


def lines(grouped: GroupedNotices, named: Names, language: str) -> Lines:
    """Return the lines of ``grouped`` for one email in ``language``; each line is worded
    here once, for the text and the HTML alike, not by template calls per line."""
    words = mail.words(language)
    url = mail.links("assignments.detail", "assignment_id")

    def line(n: Notice) -> Line:
        task = named.tasks[n.task_id]
        returned = overdue = left = ""
        if n.returned_on:
            returned = Markup(
                words.gettext(
                    "Returned on %(day)s: open it to read why.", day=format_day(n.returned_on)
                )
            )
        if n.days_overdue:
            overdue = Markup(
                words.ngettext("%(num)s day overdue", "%(num)s days overdue", n.days_overdue)
            )
        elif n.working_days_left:
            left = Markup(
                words.ngettext(
                    "%(num)s working day left", "%(num)s working days left", n.working_days_left
                )
            )
        return Line(
            url=url(n.assignment_id),
            title=task.title,
            unit=unit_name(named.units[n.unit_id], language),
            returned=returned,
            due=deadline_text(n.due, n.effective, words.gettext),
            wording=task.deadline_wording or "",
            overdue=overdue,
            left=left,
            source=task.source_document or "",
        )

    return Lines(
        [line(n) for n in grouped.overdue],
        [line(n) for n in grouped.due_today],
        [line(n) for n in grouped.due_soon],
        [line(n) for n in grouped.returned],
    )


def _unit_names(notices: Sequence[Notice], named: Names, language: str) -> str:
    ids = list(dict.fromkeys(n.unit_id for n in notices))
    return ", ".join(unit_name(named.units[i], language) for i in ids)


def reminder(
    to: Recipient,
    notices: Sequence[Notice],
    named: Names,
    *,
    kind: str = "",
    user_id: int | None = None,
    updates: Sequence = (),
) -> Letter:
    """Return one recipient's email of ``notices``: an escalation when all are for a unit
    head, else a focal point's reminder whose subject counts the assignments in it.

    Someone who is a unit's focal point and head, or the head of several units, gets one
    email naming each unit. ``updates`` (notifications the recipient takes in a daily email)
    are listed after the reminders, so that the sweep still writes once to each person."""
    grouped = group_notices(notices).shown()
    unit = _unit_names(grouped.notices, named, to.language)
    listed = lines(grouped, named, to.language)
    several = len({n.unit_id for n in notices}) > 1
    if all(n.audience == Audience.HEAD for n in notices):
        template, default_kind = "escalation", "escalation"
        subject = _l("Escalation: %(unit)s has overdue tasks", unit=unit)
    else:
        template, default_kind = "reminder_digest", "reminder"
        subject = ReminderSubject(grouped.total, unit)
    return mail.compose(
        template,
        to,
        subject,
        kind=kind or default_kind,
        unit_id=notices[0].unit_id if not several else None,
        user_id=user_id,
        lines=listed,
        unit=unit,
        several_units=several,
        updates=updates,
    )


def digest_names(digests: Iterable[CoordinatorDigest], own: Iterable[Notice] = ()) -> Names:
    """Return the tasks and units that coordinators' daily digests name."""
    digests = list(digests)
    return names(
        [
            *(o.assignment for d in digests for o in d.overdue),
            *(s for d in digests for s in d.awaiting_confirmation),
            *(n for d in digests for n in d.unreachable),
            *(n for d in digests for n in d.escalated),
            *own,
        ]
    )


def daily_digest(
    to: Recipient,
    digest: CoordinatorDigest,
    extensions: Sequence[PendingExtension],
    today: date,
    named: Names,
    own: Sequence[Notice] = (),
    user_id: int | None = None,
    updates: Sequence = (),
) -> Letter:
    """Return a coordinator's daily digest: overdue units, the day's escalations, reports to
    confirm, extension requests, notices that reached nobody, the reminders addressed to
    the coordinator themselves (as a unit's head, say) and the notifications they take in a
    daily email (``updates``), so that it is their one email."""
    return mail.compose(
        "coordinator_digest",
        to,
        _l("Daily digest: overdue tasks and reports awaiting confirmation"),
        kind="digest",
        user_id=user_id,
        digest=digest,
        extensions=extensions,
        own=lines(group_notices(own).shown(), named, to.language) if own else None,
        tasks=named.tasks,
        units=named.units,
        today=today,
        updates=updates,
        link=mail.link,
    )


def weekly_summary(
    to: Recipient, user_id: int, tasks: Sequence[Task], by_task: Mapping, today: date
) -> Letter:
    """Return a coordinator's weekly summary: each open task's standing by unit group."""
    return mail.compose(
        "weekly_summary",
        to,
        _l("Weekly summary of your tasks"),
        kind="weekly",
        user_id=user_id,
        tasks=tasks,
        by_task=by_task,
        today=today,
        link=mail.link,
    )
