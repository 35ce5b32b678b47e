"""The narrative summary: generated from the figures, edited in the page, then exported."""

from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from tracker.auth import roles_required
from tracker.extensions import db
from tracker.models import Task
from tracker.services import reports
from tracker.services.narrative import compose_narrative
from tracker.views import filters
from tracker.views.export import content_disposition, file_stem
from tracker.views.reports import bp
from tracker.views.reports import request as args
from tracker.views.reports.pages import READERS

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
