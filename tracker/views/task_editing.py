"""Coordinators' task pages: create, edit (deadline checked before saving), assign, close."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker import clock
from tracker.auth import roles_required
from tracker.forms.tasks import DAY_OFF_RULE_LABELS, ActionForm, AssignForm, TaskForm
from tracker.models import Role, Task
from tracker.services.errors import NotAllowed, NotFound, ServiceError, StaleEdit
from tracker.services.tasks import assigning, editing, form_pages, removing
from tracker.services.tasks.listing import SeriesTemplate
from tracker.views import context

bp = Blueprint("task_editing", __name__, url_prefix="/tasks")
coordinators_only = roles_required(Role.COORDINATOR, Role.ADMIN)


def _to_series(template: SeriesTemplate):
    """Return the redirect to a recurring series' own form (its template is not a task)."""
    return redirect(url_for("recurring.edit", series_id=template.series_id))


def _closed(task_id: int):
    flash(editing.CLOSED_TASK, "warning")
    return redirect(url_for("tasks.detail", task_id=task_id))


@bp.route("/new", methods=["GET", "POST"])
@coordinators_only
def new():
    page = form_pages.task_form_page()
    form = TaskForm(owners=page.owners)
    if not form.is_submitted():
        form.owner_id.data = current_user.id
    return _check_or_save(form, page)


@bp.route("/<int:task_id>/edit", methods=["GET", "POST"])
@coordinators_only
def edit(task_id: int):
    page = form_pages.task_form_page(task_id)
    if isinstance(page, SeriesTemplate):
        return _to_series(page)
    if page.task.closed_at is not None:
        return _closed(page.task.id)
    form = TaskForm(obj=page.task, owners=page.owners)
    if not form.is_submitted():
        form.show_task(page.task)
    return _check_or_save(form, page)


def _check_or_save(form: TaskForm, page: form_pages.TaskFormPage):
    """Save when the shown deadline was checked; otherwise show the parsed deadline back."""
    task = page.task
    status = 200
    if form.validate_on_submit():
        if form.save.data and form.deadline_is_checked():
            try:
                return _save(form, task)
            except StaleEdit as error:
                flash(error.message, "danger")
                return redirect(url_for("task_editing.edit", task_id=task.id))
            except (NotFound, NotAllowed):
                raise
            except ServiceError as error:
                flash(error.message, "danger")
                status = 422
        elif form.save.data:
            flash(_("Check the deadline as read below, then save."), "warning")
        form.checked_deadline.data = form.deadline_signature()
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "tasks/form.html",
            form=form,
            task=task,
            shown=page.shown(form.deadline_to_show(task)),
            checked=form.shows_checked(task),
            movable=page.movable,
            day_off_rolls_default=context.day_off_rolls(),
            day_off_rules=DAY_OFF_RULE_LABELS,
        ),
        status,
    )


def _save(form: TaskForm, task: Task | None):
    data = form.task_input()
    if task is None:
        created = editing.create_task(data, actor=current_user, now=clock.now())
        flash(_("Task created. Now assign it to units."), "success")
        return redirect(url_for("task_editing.assign", task_id=created.id))
    result = editing.update_task(
        task.id,
        data,
        actor=current_user,
        now=clock.now(),
        version=form.version.data if form.version.data is not None else -1,
        move_due_dates=bool(form.move_due_dates.data),
    )
    if not result.changed:
        flash(_("Nothing was changed."), "info")
    else:
        flash(_("Task saved."), "success")
    if result.moved:
        flash(
            ngettext(
                "The due date of %(num)d unit was moved to the new deadline.",
                "The due date of %(num)d units was moved to the new deadline.",
                result.moved,
            ),
            "info",
        )
    return redirect(url_for("tasks.detail", task_id=task.id))


@bp.route("/<int:task_id>/assign", methods=["GET", "POST"])
@coordinators_only
def assign(task_id: int):
    page = form_pages.assign_page(task_id)
    if isinstance(page, SeriesTemplate):
        return _to_series(page)
    task = page.task
    if task.closed_at is not None:
        return _closed(task.id)
    form = AssignForm()
    preview = None
    status = 200
    if form.validate_on_submit():
        options = {"actor": current_user, "deadline": form.due.deadline}
        try:
            if form.assign.data and form.previewed.data == form.selection_signature():
                result = assigning.assign_units(
                    task.id, form.selection(), now=clock.now(), role=form.role.data, **options
                )
                _flash_assigned(result)
                return redirect(url_for("tasks.detail", task_id=task_id))
            if form.assign.data:
                flash(_("The choice changed since the preview: check it, then assign."), "warning")
            preview = assigning.preview_assignment(task.id, form.selection(), **options)
            form.previewed.data = form.selection_signature()
        except (NotFound, NotAllowed):
            raise
        except ServiceError as error:
            flash(error.message, "danger")
            status = 422
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "tasks/assign.html",
            form=form,
            task=task,
            units=page.units,
            preview=preview,
            due_shown=page.shown(preview.due) if preview else None,
        ),
        status,
    )


def _flash_assigned(result: assigning.AssignmentResult) -> None:
    flash(
        ngettext("Assigned to %(num)d unit.", "Assigned to %(num)d units.", result.created),
        "success",
    )
    if result.skipped:
        flash(
            ngettext(
                "%(num)d unit already had this task and was skipped.",
                "%(num)d units already had this task and were skipped.",
                len(result.skipped),
            ),
            "info",
        )


def _action(task_id: int, run):
    """Run a one-button action (CSRF-checked); flash what ``run`` returns, back to the task."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        flash(run(), "success")
    except (NotFound, NotAllowed):
        raise
    except ServiceError as error:
        flash(error.message, "warning")
    return redirect(url_for("tasks.detail", task_id=task_id))


@bp.post("/<int:task_id>/close")
@coordinators_only
def close(task_id: int):
    def run():
        editing.close_task(task_id, actor=current_user, now=clock.now())
        return _("Task closed. It can no longer be edited or assigned until it is reopened.")

    return _action(task_id, run)


@bp.post("/<int:task_id>/reopen")
@coordinators_only
def reopen(task_id: int):
    def run():
        editing.reopen_task(task_id, actor=current_user, now=clock.now())
        return _("Task reopened.")

    return _action(task_id, run)


@bp.post("/<int:task_id>/assignments/<int:assignment_id>/remove")
@coordinators_only
def remove_assignment(task_id: int, assignment_id: int):
    def run():
        unit = removing.remove_assignment(
            task_id, assignment_id, actor=current_user, now=clock.now()
        )
        return _("%(unit)s no longer has this task.", unit=unit.name)

    return _action(task_id, run)
