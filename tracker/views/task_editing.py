"""Coordinators' task pages: create, edit (deadline checked before saving), assign, close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock
from tracker.auth import roles_required
from tracker.domain.deadlines import Deadline
from tracker.forms.tasks import ActionForm, AssignForm, TaskForm
from tracker.i18n import language
from tracker.models import Role, Task
from tracker.services.calendar import load_calendar
from tracker.services.errors import NotAllowed, NotFound, ServiceError, StaleEdit
from tracker.services.tasks import assigning as task_assignments
from tracker.services.tasks import editing as tasks

bp = Blueprint("task_editing", __name__, url_prefix="/tasks")
coordinators_only = roles_required(Role.COORDINATOR, Role.ADMIN)


@dataclass(frozen=True)
class DeadlineShown:
    """A parsed deadline as shown back before saving."""

    due: date | None
    weekday: str
    day_off: bool
    holiday: str | None


def _shown(deadline: Deadline | None) -> DeadlineShown | None:
    if deadline is None:
        return None
    if deadline.due is None:
        return DeadlineShown(None, "", False, None)
    calendar = load_calendar()
    return DeadlineShown(
        deadline.due,
        format_date(deadline.due, "EEEE"),
        calendar.is_day_off(deadline.due),
        calendar.holiday_name(deadline.due, language()),
    )


def _task(task_id: int) -> Task:
    try:
        task = tasks.load_task(task_id)
    except NotFound:
        abort(404)
    if task.recurrence is not None:  # a recurring task is edited on its own page
        abort(redirect(url_for("recurring.edit", series_id=task.id)))
    return task


def _task_input(form: TaskForm) -> tasks.TaskInput:
    deadline = form.deadline.deadline
    return tasks.TaskInput(
        title=form.title.data or "",
        field=form.field.data,
        description=(form.description.data or "").strip(),
        source_document=(form.source_document.data or "").strip(),
        source_number=(form.source_number.data or "").strip() or None,
        source_date=form.source_date.day,
        priority=bool(form.priority.data),
        deadline=deadline.due if deadline else None,
        deadline_wording=deadline.wording if deadline else "",
        owner_id=form.owner_id.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@coordinators_only
def new():
    form = TaskForm(owners=tasks.owner_choices())
    if not form.is_submitted():
        form.owner_id.data = current_user.id
    return _check_or_save(form, None)


@bp.route("/<int:task_id>/edit", methods=["GET", "POST"])
@coordinators_only
def edit(task_id: int):
    task = _task(task_id)
    if task.closed_at is not None:
        flash(tasks.CLOSED_TASK, "warning")
        return redirect(url_for("tasks.detail", task_id=task.id))
    form = TaskForm(obj=task, owners=tasks.owner_choices(task.owner_id))
    if not form.is_submitted():
        form.deadline.data = task.deadline_wording or (
            task.deadline.strftime("%d/%m/%Y") if task.deadline else ""
        )
        form.version.data = task.version
        # The saved deadline is shown on the page already: saving it unchanged needs no check.
        saved = task.deadline.isoformat() if task.deadline else "-"
        form.checked_deadline.data = f"{saved} {form.deadline.data}"
    return _check_or_save(form, task)


def _check_or_save(form: TaskForm, task: Task | None):
    """Save when the shown deadline was checked; otherwise show the parsed deadline back."""
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
    if task is not None and not form.is_submitted():
        deadline = Deadline(task.deadline, form.deadline.data, "date")
    else:
        deadline = form.deadline.deadline if not form.deadline.errors else None
    return (
        render_template(
            "tasks/form.html",
            form=form,
            task=task,
            shown=_shown(deadline),
            checked=(
                task is not None
                if not form.is_submitted()
                else form.deadline_is_checked() and not form.errors
            ),
            movable=tasks.movable_due_count(task) if task is not None else 0,
        ),
        status,
    )


def _save(form: TaskForm, task: Task | None):
    data = _task_input(form)
    if task is None:
        created = tasks.create_task(data, actor=current_user, now=clock.now())
        flash(_("Task created. Now assign it to units."), "success")
        return redirect(url_for("task_editing.assign", task_id=created.id))
    result = tasks.update_task(
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
    task = _task(task_id)
    if task.closed_at is not None:
        flash(tasks.CLOSED_TASK, "warning")
        return redirect(url_for("tasks.detail", task_id=task.id))
    form = AssignForm()
    preview = None
    status = 200
    if form.validate_on_submit():
        selection = task_assignments.UnitSelection(
            groups=frozenset(form.groups.data or ()),
            kinds=frozenset(form.kinds.data or ()),
            unit_ids=frozenset(form.unit_ids.data or ()),
        )
        options = {"actor": current_user, "deadline": form.due.deadline}
        try:
            if form.assign.data and form.previewed.data == form.selection_signature():
                result = task_assignments.assign_units(
                    task.id, selection, now=clock.now(), role=form.role.data, **options
                )
                _flash_assigned(result)
                return redirect(url_for("tasks.detail", task_id=task_id))
            if form.assign.data:
                flash(_("The choice changed since the preview: check it, then assign."), "warning")
            preview = task_assignments.preview_assignment(task.id, selection, **options)
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
            units=task_assignments.active_units(),
            preview=preview,
            due_shown=_shown(Deadline(preview.due, "", "date")) if preview else None,
        ),
        status,
    )


def _flash_assigned(result: task_assignments.AssignmentResult) -> None:
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
        tasks.close_task(task_id, actor=current_user, now=clock.now())
        return _("Task closed. It can no longer be edited or assigned until it is reopened.")

    return _action(task_id, run)


@bp.post("/<int:task_id>/reopen")
@coordinators_only
def reopen(task_id: int):
    def run():
        tasks.reopen_task(task_id, actor=current_user, now=clock.now())
        return _("Task reopened.")

    return _action(task_id, run)


@bp.post("/<int:task_id>/assignments/<int:assignment_id>/remove")
@coordinators_only
def remove_assignment(task_id: int, assignment_id: int):
    def run():
        unit = task_assignments.remove_assignment(
            task_id, assignment_id, actor=current_user, now=clock.now()
        )
        return _("%(unit)s no longer has this task.", unit=unit.name)

    return _action(task_id, run)
