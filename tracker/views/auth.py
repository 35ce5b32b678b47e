"""Signing in and out, and choosing the interface language."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email

from tracker import clock, settings
from tracker.extensions import limiter
from tracker.services import accounts, known_devices, sessions
from tracker.views import sso
from tracker.views.redirects import safe_next

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            Email(message=_l("Enter a valid email address.")),
        ],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(message=_l("Enter your password."))]
    )
    remember = BooleanField(_l("Keep me signed in"))


def _failed_sign_in(response) -> bool:
    """Count only failed attempts against the limits: a successful sign-in redirects."""
    return response.status_code != 302


def _known_device() -> bool:
    """Whether this browser signed in to the posted account before: its owner is not held
    by the account's limit, which others' guesses may have reached (the address's still
    holds)."""
    return known_devices.recognises(
        request.cookies.get(known_devices.COOKIE),
        request.form.get("email", ""),
        current_app.config["SECRET_KEY"],
    )


def _limited(_limit) -> None:
    """Record a sign-in refused because the account's attempts are used up."""
    accounts.record_sign_in_refused(
        request.form.get("email", ""), "limited", ip=request.remote_addr or "", now=clock.now()
    )


def _remember_device(response, user) -> None:
    """Mark this browser as one ``user`` signs in from (see ``_known_device``)."""
    response.set_cookie(
        known_devices.COOKIE,
        known_devices.token_for(user, current_app.config["SECRET_KEY"]),
        max_age=int(known_devices.LIFETIME.total_seconds()),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def email_key() -> str:
    """Return the rate-limit key of the email address a form was posted with."""
    return "email:" + accounts.normalise_email(request.form.get("email", ""))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"], deduct_when=_failed_sign_in
)
@limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN_PER_EMAIL"],
    key_func=email_key,
    methods=["POST"],
    deduct_when=_failed_sign_in,
    exempt_when=_known_device,
    on_breach=_limited,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(
            form.email.data,
            form.password.data,
            now=clock.now(),
            method=settings.current().password_method,
            roles=sso.password_roles(),
        )
        if user is None:
            accounts.record_sign_in_refused(
                form.email.data, "wrong_password", ip=request.remote_addr or "", now=clock.now()
            )
            flash(_l("Wrong email or password."), "danger")
        else:
            sessions.start(
                user,
                now=clock.now(),
                ip=request.remote_addr or "",
                user_agent=request.user_agent.string,
                remember=form.remember.data,
            )
            login_user(user, remember=form.remember.data)
            session.pop("language", None)
            response = redirect(safe_next(request.args.get("next")) or url_for("dashboard.index"))
            _remember_device(response, user)
            return response
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    # The session ends on the server: a copy of its cookie opens nothing afterwards.
    sessions.end(current_user.get_id(), current_user._get_current_object(), now=clock.now())
    logout_user()
    flash(_l("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language/<code>")
def set_language(code: str):
    """Switch the language; a signed-in user's choice is saved on their account."""
    if code in settings.current().languages:
        if current_user.is_authenticated:
            accounts.remember_language(current_user._get_current_object(), code)
        else:
            session["language"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("dashboard.index"))
