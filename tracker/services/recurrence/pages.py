"""Read models for the recurring-task pages (the list, one series, the form and its preview):
each function runs a fixed number of queries whatever the number of series and units."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select

from tracker.domain.aggregate import Buckets
from tracker.domain.calendar import WorkCalendar
from tracker.domain.recurrence import Period, RecurrenceError, classify
from tracker.extensions import db
from tracker.models import Task, Unit, User
from tracker.services.calendar import load_calendar
from tracker.services.paging import page_of
from tracker.services.recurrence import units as recurrence_units
from tracker.services.recurrence.series import check_input, last_period_end, load_series
from tracker.services.recurrence.settings import SeriesInput, SeriesSettings
from tracker.services.reorganisation import succession
from tracker.services.status_sql import AsOf
from tracker.services.tasks import assigning as task_assigning
from tracker.services.tasks import editing as task_editing
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


@dataclass(frozen=True)
class SeriesList:
    """One page of the series, each with its next period and latest occurrences."""

    as_of: AsOf
    page: Pagination
    rows: list[SeriesRow]


def series_list(*, as_of: AsOf, page: int, per_page: int) -> SeriesList:
    """Return page ``page`` of the series as of ``as_of.day``."""
    found = page_of(series_query(), page, per_page)
    return SeriesList(as_of, found, series_rows(list(found.items), as_of, load_calendar()))


@dataclass(frozen=True)
class SeriesDetail:
    """One series: its settings (None if unreadable), the single units it names, and one
    page of its occurrences with their completion counts."""

    series: Task
    row: SeriesRow
    settings: SeriesSettings | None
    unit_names: list[str]
    as_of: AsOf
    page: Pagination
    occurrences: list[OccurrenceRow]


def series_detail(series_id: int, *, as_of: AsOf, page: int, per_page: int) -> SeriesDetail:
    """Return the series as of ``as_of.day`` with page ``page`` of its occurrences; NotFound
    if there is no such series."""
    series = load_series(series_id)
    calendar = load_calendar()
    found = page_of(occurrence_query(series.id), page, per_page)
    [row] = series_rows([series], as_of, calendar, recent=0)
    settings = row.settings
    return SeriesDetail(
        series=series,
        row=row,
        settings=settings,
        unit_names=unit_names(settings.units.unit_ids) if settings else [],
        as_of=as_of,
        page=found,
        occurrences=occurrence_rows(list(found.items), as_of, calendar),
    )


@dataclass(frozen=True)
class SeriesFormPage:
    """What the series form offers: the series edited (None for a new one) and its settings
    (None if unreadable), the possible owners and the active units to choose from."""

    series: Task | None
    settings: SeriesSettings | None
    owners: list[User]
    units: list[Unit]


def series_form_page(series_id: int | None) -> SeriesFormPage:
    """Return the form's choices for a new series or for editing ``series_id`` (NotFound if
    there is no such series)."""
    series = load_series(series_id) if series_id is not None else None
    return SeriesFormPage(
        series=series,
        settings=settings_of(series) if series is not None else None,
        owners=task_editing.owner_choices(series.owner_id if series is not None else None),
        units=task_assigning.active_units(),
    )


def preview_series(data: SeriesInput, series_id: int | None, *, today: date) -> SeriesPreview:
    """Return what the rule of ``data`` gives as of ``today`` for a new series or for
    ``series_id`` (after its periods already generated); ServiceError for what could not be
    saved. Changes nothing."""
    series = load_series(series_id) if series_id is not None else None
    check_input(data, current_owner_id=series.owner_id if series is not None else None)
    settings = SeriesSettings(data.rule, data.units, data.role)
    after = last_period_end(series.id) if series is not None else None
    return preview(settings, today, load_calendar(), after=after)
