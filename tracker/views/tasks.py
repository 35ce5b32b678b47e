"""Task pages: the list with filters, and one task with every unit's assignment."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.domain.status import TimeStatus
from tracker.exports import lists
from tracker.extensions import db
from tracker.forms.tasks import ActionForm
from tracker.models import Assignment, Field, Task, Unit, UnitGroup
from tracker.services import paging
from tracker.services.assignments import listing
from tracker.services.calendar import load_calendar
from tracker.services.tasks import assigning as task_assignments
from tracker.services.tasks import listing as task_listing
from tracker.views import context, downloads, filters

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

TASK_STATUSES = ("open", "overdue", "done", "closed")
ASSIGNMENT_STATUSES = (
    "open",
    "awaiting",
    "completed",
    *(s.value for s in TimeStatus),
)


@bp.get("/")
def index():
    as_of = context.as_of()
    scope = context.unit_scope()
    task_filters = task_listing.TaskFilters(
        field=filters.choice("field", {f.value for f in Field}),
        status=filters.choice("status", TASK_STATUSES),
        deadline_from=filters.day("deadline_from", _("Deadline from")),
        deadline_to=filters.day("deadline_to", _("Deadline to")),
        q=filters.text("q"),
    )
    query = task_listing.task_query(scope, task_filters, as_of)
    if fmt := downloads.requested():
        rows = paging.export_rows(query)
        buckets = task_listing.task_buckets([t.id for t in rows], scope, as_of)
        return downloads.export_response([lists.tasks_sheet(rows, buckets)], fmt, "tasks")
    page = context.paginate(query)
    task_ids = [t.id for t in page.items]
    own = None
    if scope is not None:
        own = {
            row.assignment.task_id: row
            for row in listing.with_status(
                task_listing.unit_assignments(scope, task_ids),
                as_of,
                load_calendar(),
                context.due_soon_days(),
            )
        }
    return render_template(
        "tasks/index.html",
        page=page,
        buckets={} if own is not None else task_listing.task_buckets(task_ids, scope, as_of),
        own=own,
        filters=task_filters,
        statuses=TASK_STATUSES,
        as_of=as_of,
    )


@bp.get("/<int:task_id>")
def detail(task_id: int):
    scope = context.unit_scope()
    task = db.session.get(Task, task_id)
    if task is None:
        abort(404)
    if scope is not None and not db.session.scalar(
        select(Assignment.id).where(Assignment.task_id == task_id, Assignment.unit_id == scope)
    ):
        abort(404)
    if task.recurrence is not None:  # a recurring task's template: it has its own page
        return redirect(url_for("recurring.detail", series_id=task.id))
    as_of = context.as_of()
    status = filters.choice("status", ASSIGNMENT_STATUSES)
    group = filters.choice("group", {g.value for g in UnitGroup})
    where = [Assignment.task_id == task_id]
    if scope is not None:
        where.append(Assignment.unit_id == scope)
    query = listing.assignment_query(as_of, *where, status=status, group=group).order_by(
        Unit.group, Unit.sort_name
    )
    page = context.paginate(query)
    rows = listing.with_status(page.items, as_of, load_calendar(), context.due_soon_days())
    summary = task_listing.task_summary(task, scope, as_of)
    manage = current_user.is_coordinator
    removable = (
        task_assignments.removable_ids([a.id for a in page.items])
        if manage and task.closed_at is None
        else set()
    )
    return render_template(
        "tasks/detail.html",
        task=task,
        page=page,
        rows=rows,
        summary=summary,
        status=status,
        group=group,
        statuses=ASSIGNMENT_STATUSES,
        as_of=as_of,
        deadline_on_day_off=task.deadline is not None and load_calendar().is_day_off(task.deadline),
        manage=manage,
        removable=[row for row in rows if row.assignment.id in removable],
        action_form=ActionForm() if manage else None,
    )
