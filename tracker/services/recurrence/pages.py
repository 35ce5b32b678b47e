"""Read models for the recurring-task pages: each function runs a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import Select, select

from tracker.domain.aggregate import Buckets
from tracker.domain.calendar import WorkCalendar
from tracker.domain.recurrence import Period, RecurrenceError, classify
from tracker.extensions import db
from tracker.models import Task, Unit
from tracker.services.recurrence import units as recurrence_units
from tracker.services.recurrence.series import SeriesSettings
from tracker.services.reorganisation import succession
from tracker.services.status_sql import AsOf
from tracker.services.tasks import listing as task_listing

RECENT = 3  # occurrences shown per series in the list


@dataclass(frozen=True)
class OccurrenceRow:
    """A generated occurrence with its period and completion counts."""

    task: Task
    period: Period
    buckets: Buckets
    day_off: bool = False  # the deadline falls on a day off (flagged, never moved silently)


@dataclass
class SeriesRow:
    """A series as listed: its settings (None if unreadable), what comes next, how it went."""

    series: Task
    settings: SeriesSettings | None
    next_period: Period | None = None
    next_period_due: date | None = None
    next_deadline: date | None = None  # the earliest deadline from today, generated or not
    count: int = 0
    recent: list[OccurrenceRow] = field(default_factory=list)


def series_query() -> Select:
    """Return every series, running ones first, by title."""
    return select(Task).where(Task.recurrence.is_not(None)).order_by(Task.title, Task.id)


def settings_of(series: Task) -> SeriesSettings | None:
    """Return the series' settings, or None when the stored rule cannot be read."""
    try:
        return SeriesSettings.from_json(series.recurrence)
    except RecurrenceError:
        return None


def series_rows(
    series_list: list[Task], as_of: AsOf, calendar: WorkCalendar, recent: int = RECENT
) -> list[SeriesRow]:
    """Return a row per series with its next period and latest occurrences (two queries)."""
    ids = [s.id for s in series_list]
    occurrences: dict[int, list[Task]] = defaultdict(list)
    if ids:
        query = (
            select(Task)
            .where(Task.series_id.in_(ids))
            .order_by(Task.series_id, Task.period_start.desc())
        )
        for task in db.session.scalars(query):
            occurrences[task.series_id].append(task)
    shown = [t.id for s in ids for t in occurrences[s][:recent]]
    buckets = task_listing.task_buckets(shown, None, as_of) if shown else {}
    rows = []
    for series in series_list:
        own = occurrences[series.id]
        row = SeriesRow(series, settings_of(series), count=len(own))
        row.recent = [_occurrence_row(t, buckets) for t in own[:recent]]
        if row.settings is not None:
            _fill_next(row, own, as_of.day, calendar)
        rows.append(row)
    return rows


def _occurrence_row(task: Task, buckets: dict[int, Buckets]) -> OccurrenceRow:
    period = classify(task.period_start, task.period_end)
    return OccurrenceRow(task, period, buckets.get(task.id, Buckets()))


def _fill_next(row: SeriesRow, own: list[Task], today: date, calendar: WorkCalendar) -> None:
    settings = row.settings
    last_end = max((t.period_end for t in own), default=None)
    if not settings.paused and row.series.closed_at is None:
        upcoming = settings.rule.upcoming(1, after=last_end, not_before=settings.resumed_on)
        if upcoming:
            row.next_period = upcoming[0]
            row.next_period_due = settings.rule.deadline(upcoming[0], calendar)
    deadlines = [t.deadline for t in own if t.deadline is not None and t.deadline >= today]
    if row.next_period_due is not None:
        deadlines.append(row.next_period_due)
    row.next_deadline = min(deadlines, default=None)


def occurrence_query(series_id: int) -> Select:
    """Return the series' occurrences, latest period first."""
    return select(Task).where(Task.series_id == series_id).order_by(Task.period_start.desc())


def occurrence_rows(tasks: list[Task], as_of: AsOf, calendar: WorkCalendar) -> list[OccurrenceRow]:
    """Return the occurrences with their completion counts (one query)."""
    buckets = task_listing.task_buckets([t.id for t in tasks], None, as_of) if tasks else {}
    rows = [_occurrence_row(t, buckets) for t in tasks]
    return [
        replace(
            row, day_off=row.task.deadline is not None and calendar.is_day_off(row.task.deadline)
        )
        for row in rows
    ]


@dataclass(frozen=True)
class PreviewPeriod:
    period: Period
    deadline: date
    day_off: bool
    cutoff: date | None


@dataclass(frozen=True)
class SeriesPreview:
    """What a rule gives before saving: the next periods, what saving would generate at
    once (``now``: periods already started) and how many units the selection means today."""

    periods: list[PreviewPeriod]
    now: list[PreviewPeriod]
    units: int


def preview(
    settings: SeriesSettings, today: date, calendar: WorkCalendar, *, after: date | None = None
) -> SeriesPreview:
    """Return the preview of ``settings`` as of ``today`` (one query: the units)."""
    rule = settings.rule

    def shown(period: Period) -> PreviewPeriod:
        deadline = rule.deadline(period, calendar)
        return PreviewPeriod(
            period, deadline, calendar.is_day_off(deadline), rule.cutoff_date(period)
        )

    due_now = rule.due_periods(today, after=after, not_before=settings.resumed_on)
    current = max(today, settings.resumed_on or today)
    later = rule.upcoming(4, after=after, not_before=current)
    units = recurrence_units.resolve(settings.units, succession.load_units(), today)
    return SeriesPreview([shown(p) for p in later], [shown(p) for p in due_now], len(units))


def unit_names(unit_ids: frozenset[int]) -> list[str]:
    """Return the names of the chosen single units, by name (one query)."""
    if not unit_ids:
        return []
    query = select(Unit.name).where(Unit.id.in_(unit_ids)).order_by(Unit.group, Unit.sort_name)
    return list(db.session.scalars(query))
