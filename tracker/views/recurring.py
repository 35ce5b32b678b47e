"""Recurring tasks: the list of series, one series with its occurrences, and the
coordinators' form to create, edit, pause and resume them. Focal points never see series:
they see each period's task like any other."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker import clock, settings
from tracker.auth import roles_required
from tracker.forms.recurring import SeriesForm
from tracker.forms.tasks import ActionForm
from tracker.models import Role
from tracker.services.errors import NotAllowed, NotFound, ServiceError, StaleEdit
from tracker.services.recurrence import generation, series
from tracker.services.recurrence import pages as recurrence_pages
from tracker.services.recurrence.settings import SeriesInput
from tracker.services.tasks.assigning import UnitSelection
from tracker.services.tasks.editing import TaskInput
from tracker.views import context, recurring_words

bp = Blueprint("recurring", __name__, url_prefix="/recurring")
recurring_words.register(bp)

readers = roles_required(Role.COORDINATOR, Role.ADMIN, Role.VIEWER)
coordinators_only = roles_required(Role.COORDINATOR, Role.ADMIN)


def _action_form() -> ActionForm | None:
    return ActionForm() if current_user.is_coordinator else None


@bp.get("/")
@readers
def index():
    data = recurrence_pages.series_list(
        as_of=context.as_of(),
        page=context.page_number(),
        per_page=context.per_page(),
    )
    return render_template(
        "recurring/index.html",
        page=data.page,
        rows=data.rows,
        action_form=_action_form(),
        as_of=data.as_of,
    )


@bp.get("/<int:series_id>")
@readers
def detail(series_id: int):
    try:
        data = recurrence_pages.series_detail(
            series_id,
            as_of=context.as_of(),
            page=context.page_number(),
            per_page=context.per_page(),
        )
    except NotFound:
        abort(404)
    return render_template(
        "recurring/detail.html",
        series=data.series,
        row=data.row,
        settings=data.settings,
        unit_names=data.unit_names,
        page=data.page,
        occurrences=data.occurrences,
        action_form=_action_form(),
        as_of=data.as_of,
    )


def _form_page(series_id: int | None) -> recurrence_pages.SeriesFormPage:
    try:
        return recurrence_pages.series_form_page(series_id)
    except NotFound:
        abort(404)


@bp.route("/new", methods=["GET", "POST"])
@coordinators_only
def new():
    page = _form_page(None)
    form = SeriesForm(owners=page.owners)
    if not form.is_submitted():
        form.owner_id.data = current_user.id
        form.start.process_data(clock.today())
    return _form(form, page)


@bp.route("/<int:series_id>/edit", methods=["GET", "POST"])
@coordinators_only
def edit(series_id: int):
    page = _form_page(series_id)
    form = SeriesForm(obj=page.series, owners=page.owners)
    stored = page.settings
    if not form.is_submitted():
        form.version.data = page.series.version
        if stored is not None:
            form.load(stored.rule)
            form.groups.data = sorted(stored.units.groups)
            form.kinds.data = sorted(stored.units.kinds)
            form.unit_ids.data = sorted(stored.units.unit_ids)
            form.role.data = stored.role
    return _form(form, page)


def _input(form: SeriesForm) -> SeriesInput:
    task = TaskInput(
        title=form.title.data or "",
        field=form.field.data,
        description=(form.description.data or "").strip(),
        source_document=(form.source_document.data or "").strip(),
        source_number=(form.source_number.data or "").strip() or None,
        source_date=form.source_date.day,
        priority=bool(form.priority.data),
        owner_id=form.owner_id.data,
    )
    units = UnitSelection(
        groups=frozenset(g for g in form.groups.data or () if g),
        kinds=frozenset(k for k in form.kinds.data or () if k),
        unit_ids=frozenset(form.unit_ids.data or ()),
    )
    return SeriesInput(task, form.recurrence, units, form.role.data)


def _form(form: SeriesForm, page: recurrence_pages.SeriesFormPage):
    """Preview the rule, or save it and generate the periods already due."""
    series = page.series
    status = 200
    preview = None
    if form.validate_on_submit():
        data = _input(form)
        try:
            if form.save.data:
                return _save(data, form, series.id if series else None)
            preview = recurrence_pages.preview_series(
                data, series.id if series else None, today=clock.today()
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
            "recurring/form.html", form=form, series=series, preview=preview, units=page.units
        ),
        status,
    )


def _save(data: SeriesInput, form: SeriesForm, series_id: int | None):
    current = settings.current()
    saved = series.save_series(
        series_id,
        data,
        actor=current_user,
        now=clock.now(),
        zone=current.zone,
        version=form.version.data if form.version.data is not None else -1,
        language=current.default_language,
    )
    if saved.created:
        flash(_("Recurring task created."), "success")
    else:
        flash(_("Recurring task saved.") if saved.changed else _("Nothing was changed."), "success")
    _say_generated(saved.generated)
    return redirect(url_for("recurring.detail", series_id=saved.series.id))


def _say_generated(report: generation.GenerationReport) -> None:
    """Say what a generation did."""
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
        series.set_paused(series_id, True, actor=current_user, now=clock.now(), zone=clock.tz())
        flash(_("Paused: no period's task will be created until it is resumed."), "success")

    return _action(series_id, run)


@bp.post("/<int:series_id>/resume")
@coordinators_only
def resume(series_id: int):
    def run():
        current = settings.current()
        report = series.resume_series(
            series_id,
            actor=current_user,
            now=clock.now(),
            zone=current.zone,
            language=current.default_language,
        )
        flash(_("Resumed: periods that ended while paused are skipped."), "success")
        _say_generated(report)

    return _action(series_id, run)


@bp.post("/generate")
@coordinators_only
def generate():
    def run():
        now = clock.now()
        report = generation.generate_due_occurrences(
            clock.local_date(now),
            current_user,
            now=now,
            language=settings.current().default_language,
        )
        _say_generated(report)
        if not (report.occurrences or report.without_units):
            flash(_("Every period that has come already has its task."), "info")

    return _action(None, run)
