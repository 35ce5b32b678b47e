"""Generating recurring tasks: each period that has come becomes an ordinary task with its
own assignments. Only which periods already have a task matters, never how they went: a
missed period never blocks the next."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from tracker.domain.deadlines import format_date
from tracker.domain.recurrence import Period, RecurrenceError
from tracker.extensions import db
from tracker.models import Task, User
from tracker.services import events
from tracker.services.calendar import load_calendar
from tracker.services.recurrence import units as recurrence_units
from tracker.services.recurrence.settings import SeriesSettings, period_label
from tracker.services.reorganisation import succession
from tracker.services.tasks.assigning import NewAssignment, insert_assignments
from tracker.services.tasks.editing import tell_created

ADVISORY_LOCK_KEY = 0x7472_6372  # "trcr": serialises generations on PostgreSQL


@dataclass(frozen=True)
class Occurrence:
    """An occurrence generated (``task_id`` set) or that would be (dry run)."""

    series_id: int
    series_title: str
    period: Period
    title: str
    deadline: date
    units: int
    task_id: int | None = None


@dataclass
class GenerationReport:
    """What one generation did; ``without_units``: periods left for lack of any unit."""

    today: date
    dry_run: bool = False
    occurrences: list[Occurrence] = field(default_factory=list)
    without_units: list[Occurrence] = field(default_factory=list)
    broken: list[int] = field(default_factory=list)  # series whose stored rule is unusable
    raced: bool = False  # another process generated the same periods meanwhile


def generate_due_occurrences(
    today: date,
    actor: User | None = None,
    *,
    now: datetime,
    language: str | None = None,
    dry_run: bool = False,
    series_ids: list[int] | None = None,
) -> GenerationReport:
    """Return the occurrences created (or, with ``dry_run``, that would be) as of ``today``,
    stamped ``now``; titles and descriptions are written in ``language`` (the programme's
    default language; None keeps the active one, which outside a request is the default).

    Idempotent: a period that has an occurrence is never generated again (unique key plus
    a check), and concurrent runs are serialised. Runs a bounded number of statements
    whatever the number of units. Units are resolved when the occurrence is generated.
    """
    report = GenerationReport(today=today, dry_run=dry_run)
    if not dry_run and db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
    plans = _plan(today, series_ids, report)
    if not plans:
        return report
    units = succession.load_units()
    work_calendar = load_calendar()
    planned: list[tuple[Task, SeriesSettings, Period, list[int], Occurrence]] = []
    with force_locale(language) if language else nullcontext():
        for series, settings, period in plans:
            deadline = settings.rule.deadline(period, work_calendar)
            unit_ids = recurrence_units.resolve(settings.units, units, max(today, period.start))
            title = f"{series.title} — {period_label(period)}"[:500]
            item = Occurrence(series.id, series.title, period, title, deadline, len(unit_ids))
            if not unit_ids:
                report.without_units.append(item)
            else:
                planned.append((series, settings, period, unit_ids, item))
        if dry_run:
            report.occurrences = [p[-1] for p in planned]
            return report
        created = _create(planned, actor=actor, now=now)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        report.raced = True
        return report
    report.occurrences = created
    return report


def _plan(today: date, series_ids: list[int] | None, report: GenerationReport):
    """Return (series, settings, period) for every period to generate (two queries)."""
    query = select(Task).where(Task.recurrence.is_not(None), Task.closed_at.is_(None))
    if series_ids is not None:
        query = query.where(Task.id.in_(series_ids))
    series_list = list(db.session.scalars(query.order_by(Task.id)))
    if not series_list:
        return []
    last_end = dict(
        db.session.execute(
            select(Task.series_id, func.max(Task.period_end))
            .where(Task.series_id.in_([s.id for s in series_list]))
            .group_by(Task.series_id)
        ).all()
    )
    plans = []
    for series in series_list:
        try:
            settings = SeriesSettings.from_json(series.recurrence)
        except RecurrenceError:
            report.broken.append(series.id)
            continue
        if settings.paused:
            continue
        periods = settings.rule.due_periods(
            today, after=last_end.get(series.id), not_before=settings.resumed_on
        )
        plans.extend((series, settings, period) for period in periods)
    return plans


def _create(planned, *, actor: User | None, now: datetime) -> list[Occurrence]:
    """Insert the occurrences, their events and assignments (not committed)."""
    occurrences = [
        Task(
            title=item.title,
            description=_description(series, settings, period),
            source_document=series.source_document,
            source_number=series.source_number,
            source_date=series.source_date,
            field=series.field,
            priority=series.priority,
            deadline=item.deadline,
            deadline_wording=format_date(item.deadline),
            reminder_policy=series.reminder_policy,
            owner_id=series.owner_id,
            created_by_id=actor.id if actor is not None else None,
            created_at=now,
            updated_at=now,
            series_id=series.id,
            period_start=period.start,
            period_end=period.end,
        )
        for series, settings, period, _units, item in planned
    ]
    db.session.add_all(occurrences)
    db.session.flush()
    new = []
    created = []
    for task, (series, settings, period, unit_ids, item) in zip(occurrences, planned, strict=True):
        events.record(
            "task_created",
            actor=actor,
            now=now,
            task_id=task.id,
            target=f"task:{task.id}",
            data={"title": task.title, "deadline": task.deadline.isoformat()},
        )
        events.record(
            "occurrence_generated",
            actor=actor,
            now=now,
            task_id=series.id,
            target=f"task:{task.id}",
            data={"start": period.start.isoformat(), "end": period.end.isoformat()},
        )
        new.extend(NewAssignment(task.id, uid, settings.role, task.deadline) for uid in unit_ids)
        created.append(replace(item, task_id=task.id))
    tell_created(occurrences, now=now)
    insert_assignments(new, actor=actor, now=now)
    return created


def _description(series: Task, settings: SeriesSettings, period: Period) -> str:
    cutoff = settings.rule.cutoff_date(period)
    if cutoff is None:
        return series.description
    line = _("Data as of %(day)s.", day=format_date(cutoff))
    return f"{series.description}\n\n{line}" if series.description else line
