"""Unit pages: the list with each unit's standing, and one unit's scorecard."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from tracker.models import Assignment, Task, UnitGroup, UnitKind
from tracker.services import overview
from tracker.services.calendar import load_calendar
from tracker.services.stats import count_buckets
from tracker.views import context, filters
from tracker.views.tasks import ASSIGNMENT_STATUSES

bp = Blueprint("units", __name__, url_prefix="/units")


@bp.get("/")
def index():
    scope = context.unit_scope()
    if scope is not None:
        return redirect(url_for("units.detail", unit_id=scope))
    as_of = context.as_of()
    group = filters.choice("group", {g.value for g in UnitGroup})
    kind = filters.choice("kind", {k.value for k in UnitKind})
    q = filters.text("q")
    page = context.paginate(overview.unit_query(scope, group, kind, q))
    ids = [u.id for u in page.items]
    return render_template(
        "units/index.html",
        page=page,
        buckets=overview.unit_buckets(ids, as_of),
        focal_points=overview.focal_points(ids),
        group=group,
        kind=kind,
        q=q,
        as_of=as_of,
    )


@bp.get("/<int:unit_id>")
def detail(unit_id: int):
    scope = context.unit_scope()
    if scope is not None and scope != unit_id:
        abort(404)
    unit = overview.load_unit(unit_id)
    if unit is None:
        abort(404)
    as_of = context.as_of()
    status = filters.choice("status", ASSIGNMENT_STATUSES)
    query = overview.assignment_query(as_of, Assignment.unit_id == unit_id, status=status)
    page = context.paginate(query.order_by(Assignment.due_date.asc().nulls_last(), Task.id))
    return render_template(
        "units/detail.html",
        unit=unit,
        page=page,
        rows=overview.with_status(page.items, as_of, load_calendar(), context.due_soon_days()),
        buckets=count_buckets(as_of, Assignment.unit_id == unit_id),
        focal_points=overview.focal_points([unit_id])[unit_id],
        status=status,
        statuses=ASSIGNMENT_STATUSES,
        as_of=as_of,
    )
