"""Sign-in plumbing and the access rules every route and query goes through."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.extensions import db, login
from tracker.models import Role, User
from tracker.services.notifications import centre


def init_app(app: Flask) -> None:
    login.init_app(app)
    login.login_view = "auth.login"
    login.login_message = _l("Please sign in to continue.")
    login.login_message_category = "warning"
    require_login_everywhere(app)


@login.user_loader
def _load_user(session_token: str) -> User | None:
    """Load the signed-in user with their unit, and their unread count for the bell that
    every page shows, in one query."""
    row = db.session.execute(
        select(User, centre.unread_count_of(User.id))
        .options(joinedload(User.unit))
        .where(User.session_token == session_token)
    ).first()
    if row is None or not row[0].active:
        return None
    g.notifications_unread = row[1] or 0
    return row[0]


def roles_required(*roles: Role):
    """Refuse (403) signed-in users whose role is not one of ``roles``."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def visible_unit_id() -> int | None:
    """Return the only unit the current user may see, or None when they may see all.

    A focal point without a unit sees nothing: -1 matches no row.
    """
    if current_user.role == Role.FOCAL_POINT:
        return current_user.unit_id or -1
    return None


PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.login",
        "auth.set_language",
        "account.forgot_password",
        "account.reset_password",
        "feeds.feed",  # calendar clients cannot sign in: the secret token is the credential
        "static",
        "bootstrap.static",
    }
)


def require_login_everywhere(app: Flask) -> None:
    """Put every page behind sign-in, except the sign-in page and static assets."""
    from flask import request

    @app.before_request
    def _require_login():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return login.unauthorized()
        return None
