"""Read models of the report pages: one function per page (or per download), each returning
everything the page shows in a fixed number of queries whatever the size of the programme.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from tracker.domain.aggregate import Buckets
from tracker.domain.reports import ProgrammeFigures, TaskFigures
from tracker.extensions import db
from tracker.models import Task
from tracker.services import access
from tracker.services.errors import NotFound
from tracker.services.paging import ListPage
from tracker.services.reports import figures, matrix, units
from tracker.services.reports.base import ReportScope, report_scope

# Above this many (task, unit) pairs not done, a download would take minutes: the programme
# export then points to each task's export (or `tracker report`) instead of listing them.
MISSING_ROWS = 20_000
NARRATIVE_TASKS = 1000  # tasks offered as choices on the narrative page


@dataclass(frozen=True)
class ReportParams:
    """What a report is asked for: its ``day``, the real ``today`` (days before it are rebuilt
    from the history), the due-soon window and the task filters."""

    day: date
    today: date
    due_soon_days: int
    task_ids: tuple[int, ...] | None = None
    day_off_rolls: bool = True  # the configured rule for deadlines on days off
    field: str | None = None
    priority_only: bool = False
    group: str | None = None


def scope_of(params: ReportParams) -> ReportScope:
    """Return the report scope ``params`` ask for (see ``report_scope``)."""
    return report_scope(
        params.day,
        params.due_soon_days,
        today=params.today,
        task_ids=list(params.task_ids) if params.task_ids else None,
        field=params.field,
        priority_only=params.priority_only,
        group=params.group,
        day_off_rolls=params.day_off_rolls,
    )


TREND_POINTS = 12  # points of the progress chart


def trend_start(day: date) -> date:
    """Return where the progress chart starts: 1 January of the report's year, or six months
    back early in a year."""
    first = date(day.year, 1, 1)
    return first if (day - first).days >= 60 else date(day.year - 1, 7, 1)


def chart_days(day: date) -> list[date]:
    """Return the closed days before ``day`` that the progress chart of a report as of
    ``day`` reads (its points), so that their figures can be kept ahead of the first read."""
    return [d for d in figures.spread_days(trend_start(day), day, TREND_POINTS) if d < day]


@dataclass(frozen=True)
class ProgrammePage:
    """The programme report: every task's figures, one page of them, the split by group and
    the progress over time."""

    scope: ReportScope
    figures: ProgrammeFigures
    page: ListPage  # of TaskFigures
    by_group: dict[str, Buckets]
    trend: list[tuple[date, Buckets]]


def programme_page(params: ReportParams, *, page: int, per_page: int) -> ProgrammePage:
    """Return the programme report as of the day."""
    scope = scope_of(params)
    tasks = figures.task_figures(scope)
    by_group: dict[str, Buckets] = {}
    for task in tasks:
        for group, b in task.by_group.items():
            by_group[group] = by_group.get(group, Buckets()) + b
    return ProgrammePage(
        scope=scope,
        figures=ProgrammeFigures(scope.day, tuple(tasks), figures.ageing(scope)),
        page=ListPage.of(tasks, page, per_page),
        by_group=by_group,
        trend=figures.completion_over_time(
            scope, trend_start(scope.day), TREND_POINTS, last=Buckets.sum(by_group.values())
        ),
    )


@dataclass(frozen=True)
class ProgrammeExport:
    """The programme report to download; ``too_many``: the units not done are too many to
    list, so the figures do not name them."""

    scope: ReportScope
    figures: ProgrammeFigures
    too_many: bool


def programme_export(params: ReportParams) -> ProgrammeExport:
    """Return the programme report with the units not done named, unless there are more than
    ``MISSING_ROWS`` of them."""
    scope = scope_of(params)
    tasks = figures.task_figures(scope)
    bands = figures.ageing(scope)
    not_done = sum(t.total.applicable - t.total.completed for t in tasks)
    if not_done <= MISSING_ROWS:
        tasks = figures.name_missing(scope, tasks)
    return ProgrammeExport(
        scope, ProgrammeFigures(scope.day, tuple(tasks), bands), too_many=not_done > MISSING_ROWS
    )


def programme_document(params: ReportParams) -> ProgrammeFigures:
    """Return the figures of the programme report as an official document states them:
    every task and the overdue ageing, without naming units (four queries)."""
    return figures.programme_figures(scope_of(params))


def _report_task(task_id: int) -> Task:
    """Return the task, or raise NotFound for a missing task or a series template."""
    task = db.session.get(Task, task_id)
    if task is None or task.recurrence is not None:
        raise NotFound(access.NOT_FOUND)
    return task


@dataclass(frozen=True)
class TaskPage:
    """One task's report: its figures (None before it was assigned) and a page of its units."""

    scope: ReportScope
    task: Task
    figures: TaskFigures | None
    page: ListPage  # of UnitStatus
    only_missing: bool


def task_page(
    params: ReportParams, task_id: int, *, only_missing: bool, page: int, per_page: int
) -> TaskPage:
    """Return one task's report as of the day; NotFound for a missing task."""
    task = _report_task(task_id)
    scope = scope_of(params)
    rows = figures.task_units(scope, task_id, only_missing=only_missing)
    found = figures.task_figures(scope)
    return TaskPage(
        scope=scope,
        task=task,
        figures=found[0] if found else None,
        page=ListPage.of(rows, page, per_page),
        only_missing=only_missing,
    )


@dataclass(frozen=True)
class TaskExport:
    """One task's units as of the day, to download."""

    scope: ReportScope
    rows: list[figures.UnitStatus]


def task_export(params: ReportParams, task_id: int, *, only_missing: bool) -> TaskExport:
    """Return every unit of one task with its status on the day; NotFound for a missing
    task."""
    _report_task(task_id)
    scope = scope_of(params)
    return TaskExport(scope, figures.task_units(scope, task_id, only_missing=only_missing))


@dataclass(frozen=True)
class UnitsPage:
    """One page of the unit scorecards as (rank, score) pairs, and how many are ranked."""

    scope: ReportScope
    page: ListPage
    count: int


def units_page(params: ReportParams, *, page: int, per_page: int) -> UnitsPage:
    """Return a page of the unit scorecards as of the day: ranked in the database from the
    maintained counts when they serve, else every unit's scorecard ranked here."""
    scope = scope_of(params)
    found = units.scores_page(scope, page, per_page)
    if found is not None:
        rows, count = found
        return UnitsPage(scope, ListPage(rows, max(page, 1), per_page, count), count)
    ranked = list(enumerate(units.unit_scores(scope).scores, start=1))
    return UnitsPage(scope, ListPage.of(ranked, page, per_page), len(ranked))


def units_ranking(params: ReportParams) -> tuple[ReportScope, units.UnitRanking]:
    """Return every unit's scorecard, ranked, for a download."""
    scope = scope_of(params)
    return scope, units.unit_scores(scope)


@dataclass(frozen=True)
class MatrixPage:
    """One page of units against one page of tasks, and how many pages of tasks there are."""

    scope: ReportScope
    matrix: matrix.Matrix
    page: ListPage  # of the units shown
    task_page: int
    task_pages: int


def matrix_page(
    params: ReportParams, *, unit_page: int, unit_size: int, task_page: int, task_size: int
) -> MatrixPage:
    """Return one page of the task x unit matrix as of the day."""
    scope = scope_of(params)
    data = matrix.matrix(
        scope, unit_page=unit_page, unit_size=unit_size, task_page=task_page, task_size=task_size
    )
    return MatrixPage(
        scope=scope,
        matrix=data,
        page=ListPage(data.units, unit_page, unit_size, data.unit_total),
        task_page=task_page,
        task_pages=max(1, -(-data.task_total // task_size)),
    )


@dataclass(frozen=True)
class NarrativePage:
    """The figures the narrative states, and the tasks one may choose to narrate."""

    scope: ReportScope
    figures: ProgrammeFigures
    tasks: list[tuple[int, str]]  # (id, title), in deadline order


def narrative_page(params: ReportParams, *, name_units: bool) -> NarrativePage:
    """Return the figures of the chosen tasks as of the day, naming the units not done when
    ``name_units``."""
    scope = scope_of(params)
    programme = figures.programme_figures(scope, with_missing=name_units)
    tasks = db.session.execute(
        select(Task.id, Task.title)
        .where(Task.recurrence.is_(None))
        .order_by(Task.deadline.is_(None), Task.deadline, Task.id)
        .limit(NARRATIVE_TASKS)
    ).all()
    return NarrativePage(scope, programme, [tuple(row) for row in tasks])
