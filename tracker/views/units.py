"""Unit pages: the list with each unit's standing, and one unit's scorecard."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from tracker import clock
from tracker.models import Assignment, Task, UnitGroup, UnitKind
from tracker.services import feeds, overview
from tracker.services.calendar import load_calendar
from tracker.services.reorganisation import pages as reorganisation
from tracker.services.stats import count_buckets
from tracker.views import context, filters, list_exports
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
    former = filters.choice("former", {"1"}) is not None
    current_on = None if former else clock.today()
    query = overview.unit_query(scope, group, kind, q, current_on)
    if fmt := list_exports.requested():
        return list_exports.units(query, lambda ids: overview.unit_buckets(ids, as_of), fmt)
    page = context.paginate(query)
    ids = [u.id for u in page.items]
    return render_template(
        "units/index.html",
        page=page,
        buckets=overview.unit_buckets(ids, as_of),
        focal_points=overview.focal_points(ids),
        group=group,
        kind=kind,
        q=q,
        former=former,
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
    feed = feeds.unit_feed(unit_id, actor=current_user)
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
        manage_feed=feeds.can_manage_unit_feed(current_user, unit_id),
        feed=feed,
        feed_address=feeds.feed_url(feed) if feed else None,
        merged_on=reorganisation.merged_on(unit),
        predecessors=reorganisation.predecessors(unit),
    )
