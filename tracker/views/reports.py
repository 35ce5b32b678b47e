"""Report pages: the programme, one task, unit scorecards, the matrix and the narrative.

Every page takes ``as_of`` (dd/mm/yyyy, default today) and the task filters, renders in a
fixed number of queries, prints cleanly (``?print=1``) and exports (``?format=xlsx|csv``).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from tracker.auth import roles_required
from tracker.domain.aggregate import Buckets
from tracker.domain.reports import ProgrammeFigures
from tracker.exports import reports as sheets
from tracker.exports.files import file_stem
from tracker.exports.narrative import compose_narrative, group_split_text
from tracker.extensions import db
from tracker.labels import ageing_label
from tracker.models import Field, Role, Task
from tracker.services import reports
from tracker.services.paging import ListPage
from tracker.services.reports.figures import ageing, name_missing
from tracker.views import charts, filters
from tracker.views import report_args as args
from tracker.views.downloads import content_disposition, export_response

bp = Blueprint("reports", __name__, url_prefix="/reports")

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
        figures = ProgrammeFigures(scope.day, tuple(tasks), bands)
        return export_response(
            sheets.programme_sheets(figures, too_many=not_done > MISSING_ROWS),
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


TEXT_MAX = 500_000
LANGUAGES = ("vi", "en")


class NarrativeExportForm(FlaskForm):
    text = TextAreaField(
        _l("Text"),
        validators=[
            DataRequired(message=_l("The text is empty.")),
            Length(max=TEXT_MAX, message=_l("The text is too long.")),
        ],
    )
    day = HiddenField()
    download = SubmitField(_l("Download as text (.txt)"))
    print_page = SubmitField(_l("Printable page"))


@bp.get("/narrative")
@roles_required(*READERS)
def narrative():
    scope = args.scope()
    period_start = filters.day("period_start", _("From"))
    language = filters.choice("lang", LANGUAGES) or "vi"
    name_units = request.args.get("name_units") == "1"
    figures = reports.programme_figures(scope, with_missing=name_units)
    with force_locale(language):
        text = compose_narrative(figures, period_start=period_start, name_units=name_units)
    form = NarrativeExportForm(text=text, day=scope.day.isoformat())
    tasks = db.session.execute(
        select(Task.id, Task.title)
        .where(Task.recurrence.is_(None))
        .order_by(Task.deadline.is_(None), Task.deadline, Task.id)
        .limit(1000)
    ).all()
    return render_template(
        "reports/narrative.html",
        scope=scope,
        form=form,
        tasks=tasks,
        chosen=set(scope.task_ids or ()),
        period_start=period_start,
        language=language,
        name_units=name_units,
        printable=False,
    )


@bp.post("/narrative/export")
@roles_required(*READERS)
def narrative_export():
    form = NarrativeExportForm()
    if not form.validate_on_submit():
        return render_template("reports/narrative_invalid.html", form=form, printable=False), 400
    text = form.text.data.replace("\r\n", "\n")
    day = (form.day.data or "")[:10]
    if form.print_page.data:
        return render_template("reports/narrative_print.html", text=text, printable=True, day=day)
    name = f"{file_stem(_('progress-summary'))}-{day or 'report'}.txt"
    response = Response("\ufeff" + text, mimetype="text/plain")
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Cache-Control"] = "private, no-store"
    return response
