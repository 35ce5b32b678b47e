"""The dashboard: the official buckets, late units, what is due and what awaits review."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user

from tracker.services import dashboard
from tracker.services.assignments import todo
from tracker.views import context
from tracker.views.charts import bars, donut
from tracker.views.page_cache import kept

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@kept()
def index():
    scope = context.unit_scope()  # a focal point's unit: their home is its to-do list
    data = dashboard.dashboard(scope, context.as_of(), lists=scope is None)
    pictures, todo_list = {}, None
    if scope is not None:
        todo_list = todo.unit_todo(scope, data.as_of, context.due_soon_days())
    if not current_user.is_focal_point:
        pictures = {
            "donut": donut.status_donut(data.buckets, title=_("All assignments")),
            "tasks": bars.status_bars(
                [(task.title, b) for task, b in data.tasks], title=_("Status by task")
            )
            if data.tasks
            else None,
        }
    return render_template(
        "dashboard.html", data=data, as_of=data.as_of, charts=pictures, todo=todo_list
    )
