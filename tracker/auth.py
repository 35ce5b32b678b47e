"""Sign-in plumbing and the access rules every route and query goes through."""

from __future__ import annotations

import functools
from datetime import timedelta
from functools import wraps

from flask import Flask, abort, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker.extensions import db, login
from tracker.models import Role, User
from tracker.services import access, data_version, sessions
from tracker.services.notifications import centre
from tracker.services.two_factor import sign_in as second_step


def init_app(app: Flask) -> None:
    login.init_app(app)
    login.login_view = "auth.login"
    login.login_message = _l("Please sign in to continue.")
    login.login_message_category = "warning"
    require_login_everywhere(app)


@login.user_loader
def _load_user(token: str) -> User | None:
    """Load the user of the live session with this token (``tracker.services.sessions``),
    with their unit, their unread count for the bell every page shows and whether they use
    two-factor sign-in (``views.two_factor``'s policy), in one query."""
    from flask import current_app, request

    from tracker import clock

    also = _read_with_user(db.engine.dialect.name)
    found = sessions.load(
        token,
        now=clock.now(),
        limits=session_limits(current_app.config),
        ip=request.remote_addr or "" if request else "",
        also=also,
    )
    if found is None:
        return None
    g.notifications_unread = found.also[0] or 0
    g.two_factor_on = bool(found.also[1])
    g.data_version = found.also[2] if len(also) > 2 else None
    g.user_session_id = found.session_id
    return found.user


@functools.cache
def _read_with_user(dialect: str) -> tuple:
    """Return what every request reads with its user, built once per database kind (the
    statement is then kept: ``sessions.load``): the unread count, whether two-factor
    sign-in is on, and the data version where the database has one."""
    del dialect  # the key: ``data_version.column`` depends on it
    version = data_version.column()
    also = (centre.unread_count_of(User.id), second_step.enabled_of(User.id))
    return also + ((version,) if version is not None else ())


def session_limits(config) -> sessions.Limits:
    """Return how long sessions last, from the configuration."""
    return sessions.Limits(
        idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        absolute=timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]),
        remembered=timedelta(seconds=config["REMEMBER_COOKIE_DURATION"]),
    )


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
    return access.unit_scope_of(current_user)


# The integration API's blueprints (and its description's): no cookie, a bearer token.
API_BLUEPRINTS = frozenset(
    {
        "api_units",
        "api_tasks",
        "api_assignments",
        "api_extensions",
        "api_reports",
        "api_notifications",
        "api_audit",
        "api_emails",
        "api_reminders",
        "api_users",
        "api-docs",
    }
)
PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.login",
        "auth.code",  # the second step of signing in: not signed in until it passes
        "auth.set_language",
        "sso.login",
        "sso.callback",
        "account.forgot_password",
        "account.reset_password",
        "feeds.feed",  # calendar clients cannot sign in: the secret token is the credential
        "health.healthz",  # probes and monitors: no internals in the answers
        "health.readyz",
        "health.prometheus",  # its own bearer token
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
        if request.blueprint in API_BLUEPRINTS:
            return None  # the API signs each request in with its bearer token
        if not current_user.is_authenticated:
            return login.unauthorized()
        return None
