"""The administration's address: /admin/ leads to the user accounts."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for

from tracker.views.admin.guard import admins_only

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(admins_only)


@bp.get("/")
def index():
    return redirect(url_for("admin_users.index"))
