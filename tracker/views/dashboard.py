"""The dashboard: the official buckets, late units, what is due and what awaits review."""

from __future__ import annotations

from flask import Blueprint, render_template

from tracker.services import overview
from tracker.views import context

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    as_of = context.as_of()
    data = overview.dashboard(context.unit_scope(), as_of)
    return render_template("dashboard.html", data=data, as_of=as_of)
