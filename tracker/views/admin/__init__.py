"""Administration: users, units, the working-day calendar, reorganisations and the audit
log, each page in a module of its own (admins only)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from tracker.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admins_only():
    """Refuse (403) anyone but an administrator; sign-in is enforced app-wide before this."""
    if current_user.role != Role.ADMIN:
        abort(403)


bp.before_request(admins_only)


@bp.get("/")
def index():
    return redirect(url_for("admin_users.index"))


def int_arg(name: str) -> int | None:
    """Return the query argument as a positive int, else None."""
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def actor():
    """Return the signed-in admin as a plain User (what services take)."""
    return current_user._get_current_object()
