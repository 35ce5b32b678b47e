"""Task pages: the list with filters, and one task with every unit's assignment."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.exports import lists
from tracker.forms.tasks import ActionForm
from tracker.models import Field, UnitGroup
from tracker.services.assignments.listing import STATUSES as ASSIGNMENT_STATUSES
from tracker.services.tasks import listing as task_listing
from tracker.views import context, deadlines, downloads, filters
from tracker.views.page_cache import kept

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


@bp.get("/")
@kept()
def index():
    as_of = context.as_of()
    scope = context.unit_scope()
    task_filters = task_listing.TaskFilters(
        field=filters.choice("field", {f.value for f in Field}),
        status=filters.choice("status", task_listing.TASK_STATUSES),
        deadline_from=filters.day("deadline_from", _("Deadline from")),
        deadline_to=filters.day("deadline_to", _("Deadline to")),
        q=filters.text("q"),
    )
    if fmt := downloads.requested():
        rows = task_listing.tasks_to_export(task_filters, unit_scope=scope, as_of=as_of)
        return downloads.export_response(
            [lists.tasks_sheet(rows.tasks, rows.buckets, deadlines.effective_deadline)],
            fmt,
            "tasks",
        )
    found = task_listing.task_list(
        task_filters,
        unit_scope=scope,
        as_of=as_of,
        due_soon_days=context.due_soon_days(),
        page=context.page_number(),
        per_page=context.per_page(),
    )
    return render_template(
        "tasks/index.html",
        page=found.page,
        buckets=found.buckets,
        own=found.own,
        filters=task_filters,
        statuses=task_listing.TASK_STATUSES,
        as_of=as_of,
    )


@bp.get("/<int:task_id>")
@kept()
def detail(task_id: int):
    as_of = context.as_of()
    status = filters.choice("status", ASSIGNMENT_STATUSES)
    group = filters.choice("group", {g.value for g in UnitGroup})
    shown = task_listing.task_page(
        task_id,
        actor=current_user,
        unit_scope=context.unit_scope(),
        as_of=as_of,
        due_soon_days=context.due_soon_days(),
        status=status,
        group=group,
        page=context.page_number(),
        per_page=context.per_page(),
    )
    if isinstance(shown, task_listing.SeriesTemplate):  # it has its own page
        return redirect(url_for("recurring.detail", series_id=shown.series_id))
    return render_template(
        "tasks/detail.html",
        task=shown.task,
        page=shown.page,
        rows=shown.rows,
        summary=shown.summary,
        status=status,
        group=group,
        statuses=ASSIGNMENT_STATUSES,
        as_of=as_of,
        deadline_on_day_off=shown.deadline_on_day_off,
        manage=shown.manage,
        removable=shown.removable,
        action_form=ActionForm() if shown.manage else None,
    )
