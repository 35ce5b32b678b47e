"""Unit pages: the list with each unit's standing, and one unit's scorecard."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from tracker import clock
from tracker.exports import lists
from tracker.models import UnitGroup, UnitKind
from tracker.services import units
from tracker.services.assignments.listing import STATUSES as ASSIGNMENT_STATUSES
from tracker.views import context, downloads, filters
from tracker.views.page_cache import kept

bp = Blueprint("units", __name__, url_prefix="/units")


@bp.get("/")
def index():
    scope = context.unit_scope()
    if scope is not None:
        return redirect(url_for("units.detail", unit_id=scope))
    as_of = context.as_of()
    former = filters.choice("former", {"1"}) is not None
    unit_filters = units.UnitFilters(
        group=filters.choice("group", {g.value for g in UnitGroup}),
        kind=filters.choice("kind", {k.value for k in UnitKind}),
        q=filters.text("q"),
        current_on=None if former else clock.today(),
    )
    if fmt := downloads.requested():
        rows = units.units_to_export(unit_filters, as_of=as_of)
        return downloads.export_response(
            [lists.units_sheet(rows.units, rows.buckets)], fmt, "units"
        )
    found = units.unit_list(
        unit_filters, as_of=as_of, page=context.page_number(), per_page=context.per_page()
    )
    return render_template(
        "units/index.html",
        page=found.page,
        buckets=found.buckets,
        focal_points=found.focal_points,
        group=unit_filters.group,
        kind=unit_filters.kind,
        q=unit_filters.q,
        former=former,
        as_of=as_of,
    )


@bp.get("/<int:unit_id>")
@kept()
def detail(unit_id: int):
    as_of = context.as_of()
    status = filters.choice("status", ASSIGNMENT_STATUSES)
    shown = units.unit_page(
        unit_id,
        actor=current_user,
        unit_scope=context.unit_scope(),
        as_of=as_of,
        due_soon_days=context.due_soon_days(),
        status=status,
        page=context.page_number(),
        per_page=context.per_page(),
    )
    return render_template(
        "units/detail.html",
        unit=shown.unit,
        page=shown.page,
        rows=shown.rows,
        buckets=shown.buckets,
        focal_points=shown.focal_points,
        status=status,
        statuses=ASSIGNMENT_STATUSES,
        as_of=as_of,
        manage_feed=shown.manage_feed,
        feed=shown.feed,
        feed_address=shown.feed_address,
        merged_on=shown.merged_on,
        predecessors=shown.predecessors,
    )
