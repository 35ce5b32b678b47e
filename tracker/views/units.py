"""Unit pages: the list with each unit's standing, and one unit's scorecard."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from tracker import clock
from tracker.exports import lists
from tracker.models import Assignment, Task, UnitGroup, UnitKind
from tracker.services import paging, units
from tracker.services.assignments import listing
from tracker.services.calendar import load_calendar
from tracker.services.feeds import addresses as feeds
from tracker.services.reorganisation import pages as reorganisation
from tracker.services.status_sql import count_buckets
from tracker.views import context, downloads, filters
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
    query = units.unit_query(scope, group, kind, q, current_on)
    if fmt := downloads.requested():
        rows = paging.export_rows(query)
        sheet = lists.units_sheet(rows, units.unit_buckets([u.id for u in rows], as_of))
        return downloads.export_response([sheet], fmt, "units")
    page = context.paginate(query)
    ids = [u.id for u in page.items]
    return render_template(
        "units/index.html",
        page=page,
        buckets=units.unit_buckets(ids, as_of),
        focal_points=units.focal_points(ids),
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
    unit = units.load_unit(unit_id)
    if unit is None:
        abort(404)
    as_of = context.as_of()
    status = filters.choice("status", ASSIGNMENT_STATUSES)
    query = listing.assignment_query(as_of, Assignment.unit_id == unit_id, status=status)
    page = context.paginate(query.order_by(Assignment.due_date.asc().nulls_last(), Task.id))
    feed = feeds.unit_feed(unit_id, actor=current_user)
    return render_template(
        "units/detail.html",
        unit=unit,
        page=page,
        rows=listing.with_status(page.items, as_of, load_calendar(), context.due_soon_days()),
        buckets=count_buckets(as_of, Assignment.unit_id == unit_id),
        focal_points=units.focal_points([unit_id])[unit_id],
        status=status,
        statuses=ASSIGNMENT_STATUSES,
        as_of=as_of,
        manage_feed=feeds.can_manage_unit_feed(current_user, unit_id),
        feed=feed,
        feed_address=feeds.feed_url(feed) if feed else None,
        merged_on=reorganisation.merged_on(unit),
        predecessors=reorganisation.predecessors(unit),
    )
