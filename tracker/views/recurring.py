"""Recurring tasks: the list of series, one series with its occurrences, and the
coordinators' form to create, edit, pause and resume them. Focal points never see series:
they see each period's task like any other."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker import clock
from tracker.auth import roles_required
from tracker.forms.recurring import SeriesForm
from tracker.forms.tasks import ActionForm
from tracker.models import Role, Task
from tracker.services.calendar import load_calendar
from tracker.services.errors import NotAllowed, NotFound, ServiceError, StaleEdit
from tracker.services.recurrence import pages as recurrence_pages
from tracker.services.recurrence import series as recurrence
from tracker.services.tasks import assigning as task_assignments
from tracker.services.tasks import editing as tasks
from tracker.views import context, recurring_words

bp = Blueprint("recurring", __name__, url_prefix="/recurring")
recurring_words.register(bp)

readers = roles_required(Role.COORDINATOR, Role.ADMIN, Role.VIEWER)
coordinators_only = roles_required(Role.COORDINATOR, Role.ADMIN)


def _series(series_id: int) -> Task:
    try:
        return recurrence.load_series(series_id)
    except NotFound:
        abort(404)


@bp.get("/")
@readers
def index():
    as_of = context.as_of()
    page = context.paginate(recurrence_pages.series_query())
    rows = recurrence_pages.series_rows(list(page.items), as_of, load_calendar())
    return render_template(
        "recurring/index.html",
        page=page,
        rows=rows,
        action_form=ActionForm() if current_user.is_coordinator else None,
        as_of=as_of,
    )


@bp.get("/<int:series_id>")
@readers
def detail(series_id: int):
    series = _series(series_id)
    as_of = context.as_of()
    page = context.paginate(recurrence_pages.occurrence_query(series.id))
    [row] = recurrence_pages.series_rows([series], as_of, load_calendar(), recent=0)
    settings = row.settings
    return render_template(
        "recurring/detail.html",
        series=series,
        row=row,
        settings=settings,
        unit_names=recurrence_pages.unit_names(settings.units.unit_ids) if settings else [],
        page=page,
        occurrences=recurrence_pages.occurrence_rows(list(page.items), as_of, load_calendar()),
        action_form=ActionForm() if current_user.is_coordinator else None,
        as_of=as_of,
    )


@bp.route("/new", methods=["GET", "POST"])
@coordinators_only
def new():
    form = SeriesForm(owners=tasks.owner_choices())
    if not form.is_submitted():
        form.owner_id.data = current_user.id
        form.start.process_data(clock.today())
    return _form(form, None)


@bp.route("/<int:series_id>/edit", methods=["GET", "POST"])
@coordinators_only
def edit(series_id: int):
    series = _series(series_id)
    form = SeriesForm(obj=series, owners=tasks.owner_choices(series.owner_id))
    settings = recurrence_pages.settings_of(series)
    if not form.is_submitted():
        form.version.data = series.version
        if settings is not None:
            form.load(settings.rule)
            form.groups.data = sorted(settings.units.groups)
            form.kinds.data = sorted(settings.units.kinds)
            form.unit_ids.data = sorted(settings.units.unit_ids)
            form.role.data = settings.role
    return _form(form, series)


def _input(form: SeriesForm) -> recurrence.SeriesInput:
    task = tasks.TaskInput(
        title=form.title.data or "",
        field=form.field.data,
        description=(form.description.data or "").strip(),
        source_document=(form.source_document.data or "").strip(),
        source_number=(form.source_number.data or "").strip() or None,
        source_date=form.source_date.day,
        priority=bool(form.priority.data),
        owner_id=form.owner_id.data,
    )
    units = task_assignments.UnitSelection(
        groups=frozenset(g for g in form.groups.data or () if g),
        kinds=frozenset(k for k in form.kinds.data or () if k),
        unit_ids=frozenset(form.unit_ids.data or ()),
    )
    return recurrence.SeriesInput(task, form.recurrence, units, form.role.data)


def _form(form: SeriesForm, series: Task | None):
    """Preview the rule, or save it and generate the periods already due."""
    status = 200
    preview = None
    if form.validate_on_submit():
        data = _input(form)
        try:
            if form.save.data:
                return _save(data, form, series)
            recurrence.check_input(data, current_owner_id=series.owner_id if series else None)
            settings = recurrence.SeriesSettings(data.rule, data.units, data.role)
            preview = recurrence_pages.preview(
                settings, clock.today(), load_calendar(), after=_last_end(series)
            )
        except StaleEdit as error:
            flash(error.message, "danger")
            return redirect(url_for("recurring.edit", series_id=series.id))
        except (NotFound, NotAllowed):
            raise
        except ServiceError as error:
            flash(error.message, "danger")
            status = 422
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "recurring/form.html",
            form=form,
            series=series,
            preview=preview,
            units=task_assignments.active_units(),
        ),
        status,
    )


def _last_end(series: Task | None):
    if series is None:
        return None
    return recurrence.last_period_end(series.id)


def _save(data: recurrence.SeriesInput, form: SeriesForm, series: Task | None):
    now = clock.now()
    if series is None:
        series = recurrence.create_series(data, actor=current_user, now=now)
        flash(_("Recurring task created."), "success")
    else:
        version = form.version.data if form.version.data is not None else -1
        _saved, changed = recurrence.update_series(
            series.id, data, actor=current_user, now=now, version=version
        )
        flash(_("Recurring task saved.") if changed else _("Nothing was changed."), "success")
    _generate([series.id])
    return redirect(url_for("recurring.detail", series_id=series.id))


def _generate(series_ids: list[int] | None) -> recurrence.GenerationReport:
    """Generate the periods already due, and say what was done."""
    report = recurrence.generate_due_occurrences(
        clock.today(), current_user, now=clock.now(), series_ids=series_ids
    )
    if report.occurrences:
        flash(
            ngettext(
                "%(num)d period's task was created and assigned.",
                "%(num)d periods' tasks were created and assigned.",
                len(report.occurrences),
            ),
            "info",
        )
    if report.without_units:
        flash(
            ngettext(
                "%(num)d period has no unit to assign it to: it was not created.",
                "%(num)d periods have no unit to assign them to: they were not created.",
                len(report.without_units),
            ),
            "warning",
        )
    return report


def _action(series_id: int | None, run):
    """Run a one-button action (CSRF-checked), then go back to the series (or the list)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        run()
    except (NotFound, NotAllowed):
        raise
    except ServiceError as error:
        flash(error.message, "warning")
    if series_id is None:
        return redirect(url_for("recurring.index"))
    return redirect(url_for("recurring.detail", series_id=series_id))


@bp.post("/<int:series_id>/pause")
@coordinators_only
def pause(series_id: int):
    def run():
        recurrence.set_paused(series_id, True, actor=current_user, now=clock.now())
        flash(_("Paused: no period's task will be created until it is resumed."), "success")

    return _action(series_id, run)


@bp.post("/<int:series_id>/resume")
@coordinators_only
def resume(series_id: int):
    def run():
        recurrence.set_paused(series_id, False, actor=current_user, now=clock.now())
        flash(_("Resumed: periods that ended while paused are skipped."), "success")
        _generate([series_id])

    return _action(series_id, run)


@bp.post("/generate")
@coordinators_only
def generate():
    def run():
        report = _generate(None)
        if not (report.occurrences or report.without_units):
            flash(_("Every period that has come already has its task."), "info")

    return _action(None, run)
