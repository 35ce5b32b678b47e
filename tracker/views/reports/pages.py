"""The report pages that read figures: programme, task, units and matrix."""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import gettext as _

from tracker.auth import roles_required
from tracker.domain.aggregate import Buckets
from tracker.domain.reports import ProgrammeFigures
from tracker.extensions import db
from tracker.models import Field, Role, Task
from tracker.services import reports
from tracker.services.reports.figures import ageing, name_missing
from tracker.views import charts
from tracker.views.export import export_response
from tracker.views.reports import bp, sheets
from tracker.views.reports import request as args
from tracker.views.reports.paging import ListPage
from tracker.views.reports.words import ageing_label, group_split_text

READERS = (Role.ADMIN, Role.COORDINATOR, Role.VIEWER)
TASKS_PER_PAGE = 50
UNITS_PER_PAGE = 100
MATRIX_TASKS = 20
# Above this many (task, unit) pairs not done, a download would take minutes: the programme
# export then points to each task's export (or `tracker report`) instead of listing them.
MISSING_ROWS = 20_000


def _file_name(kind: str, day) -> str:
    return f"{kind}-{day.isoformat()}"


def _render(template: str, scope, **values):
    return render_template(
        template,
        scope=scope,
        printable=args.printable(),
        fields=list(Field),
        ageing_label=ageing_label,
        group_split_text=group_split_text,
        **values,
    )


@bp.get("/")
@roles_required(*READERS)
def index():
    scope = args.scope()
    tasks = reports.task_figures(scope)
    bands = ageing(scope)
    figures = ProgrammeFigures(scope.day, tuple(tasks), bands)
    fmt = args.export_format()
    if fmt:
        not_done = sum(t.total.applicable - t.total.completed for t in tasks)
        if not_done <= MISSING_ROWS:
            tasks = name_missing(scope, tasks)
        return export_response(
            [
                sheets.tasks_sheet(tasks),
                sheets.missing_sheet(tasks, too_many=not_done > MISSING_ROWS),
                sheets.ageing_sheet(figures),
            ],
            fmt,
            _file_name(_("progress-report"), scope.day),
        )
    by_group: dict[str, Buckets] = {}
    for task in tasks:
        for group, b in task.by_group.items():
            by_group[group] = by_group.get(group, Buckets()) + b
    page = ListPage.of(tasks, args.page_arg(), TASKS_PER_PAGE)
    trend = reports.completion_over_time(scope, args.start_of_trend(scope.day))
    return _render(
        "reports/index.html",
        scope,
        figures=figures,
        page=page,
        total=figures.total,
        status_chart=charts.status_bars(
            [(t.title, t.total) for t in page.items], title=_("Status by task")
        ),
        group_chart=charts.group_split(by_group, title=_("Ministries and provinces"), units=False),
        trend_chart=charts.completion_over_time(trend, title=_("Completion over time")),
    )


@bp.get("/tasks/<int:task_id>")
@roles_required(*READERS)
def task(task_id: int):
    task = db.session.get(Task, task_id)
    if task is None or task.recurrence is not None:
        abort(404)
    scope = args.scope(task_ids=[task_id])
    only_missing = args.missing_only()
    rows = reports.task_units(scope, task_id, only_missing=only_missing)
    fmt = args.export_format()
    if fmt:
        return export_response(
            [sheets.task_units_sheet(rows)], fmt, _file_name(f"task-{task_id}", scope.day)
        )
    figures = reports.task_figures(scope)
    fig = figures[0] if figures else None
    return _render(
        "reports/task.html",
        scope,
        task=task,
        fig=fig,
        page=ListPage.of(rows, args.page_arg(), UNITS_PER_PAGE),
        only_missing=only_missing,
        group_chart=charts.group_split(fig.by_group, title=_("Completed by group"))
        if fig
        else None,
    )


@bp.get("/units")
@roles_required(*READERS)
def units():
    scope = args.scope()
    ranking = reports.unit_scores(scope)
    fmt = args.export_format()
    if fmt:
        return export_response(
            [sheets.units_sheet(ranking)], fmt, _file_name(_("unit-scorecards"), scope.day)
        )
    ranked = list(enumerate(ranking.scores, start=1))
    return _render(
        "reports/units.html",
        scope,
        page=ListPage.of(ranked, args.page_arg(), UNITS_PER_PAGE),
        count=len(ranked),
    )


@bp.get("/matrix")
@roles_required(*READERS)
def matrix():
    scope = args.scope()
    fmt = args.export_format()
    unit_page, task_page = args.page_arg(), args.page_arg("tasks_page")
    size = 100_000 if fmt else UNITS_PER_PAGE
    data = reports.matrix(
        scope, unit_page=unit_page, unit_size=size, task_page=task_page, task_size=MATRIX_TASKS
    )
    if fmt:
        return export_response([sheets.matrix_sheet(data)], fmt, _file_name(_("matrix"), scope.day))
    return _render(
        "reports/matrix.html",
        scope,
        data=data,
        page=ListPage(data.units, unit_page, UNITS_PER_PAGE, data.unit_total),
        task_page=task_page,
        task_pages=max(1, -(-data.task_total // MATRIX_TASKS)),
    )
