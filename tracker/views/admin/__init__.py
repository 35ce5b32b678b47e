"""Administration: users, units, the working-day calendar and the audit log (admins only)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from tracker.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    # Sign-in is enforced app-wide before this runs; here only the role is checked.
    if current_user.role != Role.ADMIN:
        abort(403)


@bp.get("/")
def index():
    return redirect(url_for("admin.users"))


def int_arg(name: str) -> int | None:
    """Return the query argument as a positive int, else None."""
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def actor():
    """Return the signed-in admin as a plain User (what services take)."""
    return current_user._get_current_object()


# Imported for their routes, which register on ``bp``.
from tracker.views.admin import audit, calendar, reorganisation, units, users  # noqa: E402, F401
