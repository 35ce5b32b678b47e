"""Report pages: the programme, one task, unit scorecards, the matrix and the narrative.

Every page takes ``as_of`` (dd/mm/yyyy, default today) and the task filters, renders in a
fixed number of queries, prints cleanly (``?print=1``) and exports (``?format=xlsx|csv``).
Pages and exports read through the reports engine (``on_reports_engine``): a replica or a
SELECT-only role in production, read-only transactions on the main database otherwise.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from tracker import clock, i18n, settings
from tracker.auth import roles_required
from tracker.exports import reports as sheets
from tracker.exports.files import file_stem
from tracker.exports.narrative import compose_narrative, group_split_text
from tracker.exports.official.reports import narrative_report, programme_report
from tracker.extensions import on_reports_engine
from tracker.forms.base import Form
from tracker.labels import ageing_label
from tracker.models import Field, Role
from tracker.services.reports import pages
from tracker.views import filters, report_args
from tracker.views.charts import bars, trend
from tracker.views.downloads import content_disposition, export_response, send_document
from tracker.views.page_cache import kept

bp = Blueprint("reports", __name__, url_prefix="/reports")

READERS = (Role.ADMIN, Role.COORDINATOR, Role.VIEWER)
TASKS_PER_PAGE = 50
UNITS_PER_PAGE = 100
MATRIX_TASKS = 20
EVERY_UNIT = 100_000  # a download holds the whole matrix, not one page of it


def _file_name(kind: str, day) -> str:
    return f"{kind}-{day.isoformat()}"


def _render(template: str, scope, **values):
    return render_template(
        template,
        scope=scope,
        printable=report_args.printable(),
        fields=list(Field),
        ageing_label=ageing_label,
        group_split_text=group_split_text,
        **values,
    )


@bp.get("/")
@roles_required(*READERS)
@kept(reports=True)
@on_reports_engine()
def index():
    params = report_args.params()
    fmt = report_args.export_format()
    if fmt == "docx":
        figures = pages.programme_document(params)
        return send_document(
            programme_report(figures),
            settings.current().letterhead(i18n.language()),
            _file_name(_("progress-report"), figures.as_of),
        )
    if fmt:
        export = pages.programme_export(params)
        return export_response(
            sheets.programme_sheets(export.figures, too_many=export.too_many),
            fmt,
            _file_name(_("progress-report"), export.scope.day),
        )
    data = pages.programme_page(params, page=report_args.page_arg(), per_page=TASKS_PER_PAGE)
    return _render(
        "reports/index.html",
        data.scope,
        figures=data.figures,
        page=data.page,
        total=data.figures.total,
        status_chart=bars.status_bars(
            [(t.title, t.total) for t in data.page.items], title=_("Status by task")
        ),
        group_chart=bars.group_split(
            data.by_group, title=_("Ministries and provinces"), units=False
        ),
        trend_chart=trend.completion_over_time(data.trend, title=_("Completion over time")),
    )


@bp.get("/tasks/<int:task_id>")
@roles_required(*READERS)
@kept(reports=True)
@on_reports_engine()
def task(task_id: int):
    params = report_args.params(task_ids=[task_id])
    only_missing = report_args.missing_only()
    fmt = report_args.export_format()
    if fmt:
        export = pages.task_export(params, task_id, only_missing=only_missing)
        return export_response(
            [sheets.task_units_sheet(export.rows)],
            fmt,
            _file_name(f"task-{task_id}", export.scope.day),
        )
    data = pages.task_page(
        params,
        task_id,
        only_missing=only_missing,
        page=report_args.page_arg(),
        per_page=UNITS_PER_PAGE,
    )
    fig = data.figures
    return _render(
        "reports/task.html",
        data.scope,
        task=data.task,
        fig=fig,
        page=data.page,
        only_missing=only_missing,
        group_chart=bars.group_split(fig.by_group, title=_("Completed by group")) if fig else None,
    )


@bp.get("/units")
@roles_required(*READERS)
@kept(reports=True)
@on_reports_engine()
def units():
    fmt = report_args.export_format()
    if fmt:
        scope, ranking = pages.units_ranking(report_args.params())
        return export_response(
            [sheets.units_sheet(ranking)], fmt, _file_name(_("unit-scorecards"), scope.day)
        )
    data = pages.units_page(
        report_args.params(), page=report_args.page_arg(), per_page=UNITS_PER_PAGE
    )
    return _render("reports/units.html", data.scope, page=data.page, count=data.count)


@bp.get("/matrix")
@roles_required(*READERS)
@kept(reports=True)
@on_reports_engine()
def matrix():
    fmt = report_args.export_format()
    data = pages.matrix_page(
        report_args.params(),
        unit_page=report_args.page_arg(),
        unit_size=EVERY_UNIT if fmt else UNITS_PER_PAGE,
        task_page=report_args.page_arg("tasks_page"),
        task_size=MATRIX_TASKS,
    )
    if fmt:
        return export_response(
            [sheets.matrix_sheet(data.matrix)], fmt, _file_name(_("matrix"), data.scope.day)
        )
    return _render(
        "reports/matrix.html",
        data.scope,
        data=data.matrix,
        page=data.page,
        task_page=data.task_page,
        task_pages=data.task_pages,
    )


TEXT_MAX = 500_000
LANGUAGES = ("vi", "en")


class NarrativeExportForm(Form):
    text = TextAreaField(
        _l("Text"),
        validators=[
            DataRequired(message=_l("The text is empty.")),
            Length(max=TEXT_MAX, message=_l("The text is too long.")),
        ],
    )
    day = HiddenField()
    lang = HiddenField()
    download = SubmitField(_l("Download as text (.txt)"))
    download_docx = SubmitField(_l("Download DOCX"))
    print_page = SubmitField(_l("Printable page"))


@bp.get("/narrative")
@roles_required(*READERS)
@kept(reports=True)
@on_reports_engine()
def narrative():
    params = report_args.params()
    period_start = filters.day("period_start", _("From"))
    language = filters.choice("lang", LANGUAGES) or "vi"
    name_units = request.args.get("name_units") == "1"
    data = pages.narrative_page(params, name_units=name_units)
    with force_locale(language):
        text = compose_narrative(data.figures, period_start=period_start, name_units=name_units)
    form = NarrativeExportForm(text=text, day=data.scope.day.isoformat(), lang=language)
    return render_template(
        "reports/narrative.html",
        scope=data.scope,
        form=form,
        tasks=data.tasks,
        chosen=set(data.scope.task_ids or ()),
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
    if form.download_docx.data:
        return _narrative_document(text, day, form.lang.data)
    stem = file_stem(_("progress-summary"))  # outside the f-string, for the extractor
    name = f"{stem}-{day or 'report'}.txt"
    response = Response("\ufeff" + text, mimetype="text/plain")
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _narrative_document(text: str, day: str, lang: str | None):
    """Send the edited narrative as an official report dated its as-of day (today when the
    form lost it), in the language it was written in."""
    try:
        dated = date.fromisoformat(day)
    except ValueError:
        dated = clock.today()
    lang = lang if lang in LANGUAGES else "vi"
    with force_locale(lang):
        stem = file_stem(_("progress-summary"))
        return send_document(
            narrative_report(text, dated),
            settings.current().letterhead(lang),
            f"{stem}-{dated.isoformat()}",
        )
