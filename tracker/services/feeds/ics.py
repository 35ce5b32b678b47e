"""A calendar feed's iCalendar document: one all-day event per open deadline, with alarms.

A unit feed (and a focal point's own feed) has one event per open assignment of the unit
that has a due date: an all-day event needs a date, so assignments without one are left
out, and so are those of closed tasks, for which the reminder sweep is silent too. A
coordinator's or administrator's own feed has one event per open task they own, on the
task's deadline, saying how many units have completed it: one event per unit of a task
given to hundreds of provinces would bury the calendar, while the task's deadline is what
the coordinator answers for. A viewer owns no tasks and reads the whole programme, so their
feed has every open task.

Alarms mirror the task's reminder policy: one on each day a reminder email would go out
before the due date (N working days before it, on the programme's working calendar) and
one on the due day, at 08:00 in the programme's time zone as an absolute UTC trigger.
Alarms already past are left out (some clients pop every missed alarm up at once), and a
submitted assignment gets none, as its unit is no longer reminded.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import get_template_attribute
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event, vDuration
from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager

from tracker import mail
from tracker.domain.calendar import WorkCalendar
from tracker.domain.days_off import effective_due, task_rolls
from tracker.domain.reminders.planning import DUE_STAGE, Audience, stage_kind, stage_schedule
from tracker.domain.reminders.policy import PolicyError, ReminderPolicy
from tracker.domain.status import OPEN_STATES, AssignmentState, time_status
from tracker.extensions import db
from tracker.labels import deadline_text
from tracker.models import Assignment, CalendarFeed, Role, Task, Unit
from tracker.services import days_off
from tracker.services.calendar import load_calendar
from tracker.services.reminders.sources import default_policy
from tracker.settings import Settings

A = Assignment
S = AssignmentState
OPEN = tuple(sorted(s.value for s in OPEN_STATES))
REMINDED = frozenset({S.ASSIGNED.value, S.IN_PROGRESS.value})
NOT_COUNTED = (S.NOT_APPLICABLE.value, S.TRANSFERRED.value)
ALARM_TIME = time(8, 0)
REFRESH = timedelta(hours=6)
PRODID = "-//tracker//Calendar feed//VI"


@dataclass
class Entry:
    """One all-day event of the feed."""

    uid: str
    day: date
    summary: str
    description: str
    url: str
    categories: list[str]
    stamp: datetime
    alarms: list[tuple[datetime, str]] = field(default_factory=list)


class _Policies:
    """Each task's reminder policy (its own, else the programme default), parsed once."""

    def __init__(self) -> None:
        self.default = default_policy()
        self._cache: dict[int, ReminderPolicy] = {}

    def of(self, task: Task) -> ReminderPolicy:
        policy = self._cache.get(task.id)
        if policy is None:
            policy = self.default
            if task.reminder_policy is not None:
                # A stored policy that no longer validates falls back, as the sweep does.
                with suppress(PolicyError):
                    policy = ReminderPolicy.from_dict(task.reminder_policy)
            self._cache[task.id] = policy
        return policy


def language_of(feed: CalendarFeed, settings: Settings) -> str:
    """Return the feed's language: its user's for a personal feed, else the default."""
    if feed.user is not None and feed.user.language in settings.languages:
        return feed.user.language
    return settings.default_language


def render(feed: CalendarFeed, today: date, settings: Settings) -> bytes:
    """Return the iCalendar document of ``feed`` as of ``today`` (a constant number of
    queries: the rows in one, the working calendar and the default policy once each)."""
    with force_locale(language_of(feed, settings)):
        user = feed.user
        if feed.unit is not None:
            name, entries = feed.unit.name, _assignment_entries(feed.unit, today, settings)
        elif user is not None and user.role == Role.FOCAL_POINT and user.unit is not None:
            name, entries = user.unit.name, _assignment_entries(user.unit, today, settings)
        elif user is not None and user.role != Role.FOCAL_POINT:
            owner = None if user.role == Role.VIEWER else user.id
            name, entries = user.name, _task_entries(owner, today, settings)
        else:
            name, entries = (user.name if user else ""), []
        calendar = _calendar(feed, _("Deadlines — %(name)s", name=name), settings)
    for entry in entries:
        calendar.add_component(_event(entry))
    return calendar.to_ical()


def _host(settings: Settings) -> str:
    return urlsplit(settings.base_url).hostname or "localhost"


def _calendar(feed: CalendarFeed, name: str, settings: Settings) -> Calendar:
    calendar = Calendar.new(
        prodid=PRODID,
        name=name,
        refresh_interval=REFRESH,
        uid=f"feed-{feed.id}@{_host(settings)}",
    )
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    calendar.add("X-WR-TIMEZONE", settings.zone.key)
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    return calendar


def _event(entry: Entry) -> Event:
    event = Event.new(
        uid=entry.uid,
        start=entry.day,
        end=entry.day + timedelta(days=1),
        stamp=entry.stamp,
        summary=entry.summary,
        description=entry.description,
        url=entry.url,
        categories=entry.categories,
    )
    event.add("TRANSP", "TRANSPARENT")
    for trigger, text in entry.alarms:
        alarm = Alarm.new_display(text, trigger)
        # TRIGGER defaults to a DURATION: an absolute one must say so (RFC 5545, 3.8.6.3).
        alarm["TRIGGER"].params["VALUE"] = "DATE-TIME"
        event.add_component(alarm)
    return event


class _Texts:
    """The feed's texts, rendered by the macros of templates/feeds/event.txt."""

    TEMPLATE = "feeds/event.txt"

    def __init__(self) -> None:
        self.assignment = get_template_attribute(self.TEMPLATE, "assignment")
        self.task = get_template_attribute(self.TEMPLATE, "task")
        self.alarm = get_template_attribute(self.TEMPLATE, "alarm")
        self._categories = get_template_attribute(self.TEMPLATE, "categories")

    def categories(self, task: Task) -> list[str]:
        return [line for line in str(self._categories(task)).splitlines() if line]


def _alarms(
    title: str,
    due: date,
    rolls: bool,
    policy: ReminderPolicy,
    calendar: WorkCalendar,
    today: date,
    texts: _Texts,
    zone: ZoneInfo,
) -> list[tuple[datetime, str]]:
    """Return (UTC trigger, text) for each reminder day of ``due`` from ``today`` on, as
    the sweep sends them (from the effective deadline when ``rolls``)."""
    effective = effective_due(due, calendar, rolls)
    shown = deadline_text(due, effective)
    return [
        (
            datetime.combine(stage.day, ALARM_TIME, tzinfo=zone).astimezone(UTC),
            str(texts.alarm(title, stage.stage, shown)),
        )
        for stage in stage_schedule(due, policy, calendar, horizon=effective, rolls=rolls)
        if stage.audience == Audience.FOCAL
        and stage_kind(stage.stage) in ("before", DUE_STAGE)
        and stage.day >= today
    ]


def _assignment_entries(unit: Unit, today: date, settings: Settings) -> list[Entry]:
    """Return an event per open assignment of ``unit`` with a due date (one query)."""
    rows = db.session.scalars(
        select(A)
        .join(A.task)
        .options(contains_eager(A.task))
        .where(
            A.unit_id == unit.id,
            A.state.in_(OPEN),
            A.due_date.is_not(None),
            Task.closed_at.is_(None),
        )
        .order_by(A.due_date, A.id)
    ).all()
    if not rows:
        return []
    calendar, policies, texts = load_calendar(), _Policies(), _Texts()
    rule = days_off.load_rule(settings.day_off_rolls)
    soon = settings.due_soon_days
    host = _host(settings)
    entries = []
    for a in rows:
        task = a.task
        url = mail.link("assignments.detail", assignment_id=a.id)
        rolls = rule.rolls(a.task_id)
        status = time_status(
            S(a.state), a.due_date, a.submitted_on, today, calendar, soon, rolls=rolls
        )
        alarms = []
        if a.state in REMINDED:
            alarms = _alarms(
                task.title, a.due_date, rolls, policies.of(task), calendar, today, texts,
                settings.zone,
            )  # fmt: skip
        effective = effective_due(a.due_date, calendar, rolls)
        entries.append(
            Entry(
                uid=f"assignment-{a.id}@{host}",
                day=effective,  # when the unit's time runs out
                summary=task.title,
                description=str(
                    texts.assignment(a, unit, status, url, deadline_text(a.due_date, effective))
                ),
                url=url,
                categories=texts.categories(task),
                stamp=max(a.updated_at, task.updated_at),
                alarms=alarms,
            )
        )
    return entries


def _task_entries(owner_id: int | None, today: date, settings: Settings) -> list[Entry]:
    """Return an event per open task with a deadline and open assignments, of ``owner_id``
    (every such task for None), with its completion counts (one query)."""
    tasks = select(Task.id).where(Task.closed_at.is_(None), Task.deadline.is_not(None))
    if owner_id is not None:
        tasks = tasks.where(Task.owner_id == owner_id)

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    counts = (
        select(
            A.task_id.label("task_id"),
            count(A.state.in_(OPEN)).label("open"),
            count(A.state == S.COMPLETED.value).label("done"),
            count(A.state.not_in(NOT_COUNTED)).label("total"),
        )
        .where(A.task_id.in_(tasks))
        .group_by(A.task_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Task, counts.c.open, counts.c.done, counts.c.total)
        .join(counts, counts.c.task_id == Task.id)
        .where(counts.c.open > 0)
        .order_by(Task.deadline, Task.id)
    ).all()
    if not rows:
        return []
    calendar, policies, texts = load_calendar(), _Policies(), _Texts()
    host = _host(settings)
    entries = []
    for task, open_count, done, total in rows:
        url = mail.link("tasks.detail", task_id=task.id)
        rolls = task_rolls(task.deadline_day_off_rolls, settings.day_off_rolls)
        effective = effective_due(task.deadline, calendar, rolls)
        shown = deadline_text(task.deadline, effective)
        entries.append(
            Entry(
                uid=f"task-{task.id}@{host}",
                day=effective,
                summary=task.title,
                description=str(texts.task(task, done, total, open_count, url, shown)),
                url=url,
                categories=texts.categories(task),
                stamp=task.updated_at,
                alarms=_alarms(
                    task.title,
                    task.deadline,
                    rolls,
                    policies.of(task),
                    calendar,
                    today,
                    texts,
                    settings.zone,
                ),
            )
        )
    return entries
