"""What the administration pages share: only administrators pass, and who is acting."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from tracker.models import Role


def admins_only():
    """Refuse (403) anyone but an administrator; sign-in is enforced app-wide before this."""
    if current_user.role != Role.ADMIN:
        abort(403)


def int_arg(name: str) -> int | None:
    """Return the query argument as a positive int, else None."""
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def actor():
    """Return the signed-in admin as a plain User (what services take)."""
    return current_user._get_current_object()
