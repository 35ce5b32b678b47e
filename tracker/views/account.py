"""The signed-in user's own account, and the public password-reset pages."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from tracker import clock, settings
from tracker.auth import session_limits
from tracker.domain.devices import describe
from tracker.extensions import limiter
from tracker.forms.account import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    ResetPasswordForm,
)
from tracker.forms.notifications import preferences_form
from tracker.services import accounts, sessions
from tracker.services.errors import ServiceError
from tracker.services.feeds import addresses as feeds
from tracker.services.notifications import preferences
from tracker.services.notifications.kinds import ALWAYS_ON
from tracker.views.auth import email_key

bp = Blueprint("account", __name__)


def _page(password_form=None, language_form=None, status: int = 200):
    user = current_user._get_current_object()
    card = feeds.own_feed_card(user)
    live = sessions.active(user, now=clock.now(), limits=session_limits(current_app.config))
    return (
        render_template(
            "account/index.html",
            password_form=password_form or ChangePasswordForm(formdata=None),
            language_form=language_form or LanguageForm(formdata=None, language=user.language),
            feed=card.feed,
            feed_address=card.address,
            sessions=[(s, describe(s.user_agent)) for s in live],
            this_session=g.get("user_session_id"),
            two_factor_on=g.get("two_factor_on", False),
        ),
        status,
    )


@bp.get("/account")
def index():
    return _page()


@bp.post("/account/sessions/<int:session_id>/end")
def end_session(session_id: int):
    """Sign out one of the user's other sessions (another browser or device)."""
    user = current_user._get_current_object()
    if session_id == g.get("user_session_id"):
        flash(_l("To sign out of this browser, use Sign out."), "warning")
    elif sessions.end_one(user, session_id, now=clock.now()):
        flash(_l("That session has been signed out."), "success")
    else:
        flash(_l("That session had already ended."), "info")
    return redirect(url_for("account.index") + "#sessions")


@bp.post("/account/sessions/end-others")
def end_other_sessions():
    """Sign out every session of the user but this one."""
    user = current_user._get_current_object()
    ended = sessions.end_others(user, g.get("user_session_id"), now=clock.now())
    flash(
        ngettext(
            "%(num)s other session has been signed out.",
            "%(num)s other sessions have been signed out.",
            ended,
        )
        if ended
        else _l("There was no other session to sign out."),
        "success" if ended else "info",
    )
    return redirect(url_for("account.index") + "#sessions")


@bp.post("/account/password")
def change_password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _page(password_form=form, status=422)
    user = current_user._get_current_object()
    try:
        accounts.change_password(
            user,
            form.current.data,
            form.password.data,
            now=clock.now(),
            method=settings.current().password_method,
        )
    except ServiceError as error:
        form.current.errors = [*form.current.errors, error.message]
        return _page(password_form=form, status=422)
    # The session token changed, ending every session: start this one again, keeping
    # "keep me signed in".
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    sessions.start(
        user,
        now=clock.now(),
        ip=request.remote_addr or "",
        user_agent=request.user_agent.string,
        remember=remember,
    )
    login_user(user, remember=remember)
    flash(
        _l("Your password has been changed. Your other sessions have been signed out."), "success"
    )
    return redirect(url_for("account.index"))


@bp.post("/account/language")
def change_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        return _page(language_form=form, status=422)
    try:
        accounts.set_language(
            current_user._get_current_object(),
            form.language.data,
            now=clock.now(),
            languages=settings.current().languages,
        )
    except ServiceError as error:
        flash(error.message, "danger")
        return _page(language_form=form, status=422)
    flash(_l("Your language has been saved."), "success")
    return redirect(url_for("account.index"))


@bp.route("/account/notifications", methods=["GET", "POST"])
def notifications():
    """How the signed-in user is told of what happens, kind by kind (the address every
    email's List-Unsubscribe header points at)."""
    user = current_user._get_current_object()
    modes = preferences.modes_of(user)
    posted = request.method == "POST"
    form = preferences_form(list(modes), modes, **({} if posted else {"formdata": None}))
    status = 200
    if posted:
        if form.validate_on_submit():
            try:
                preferences.save(user, form.choices(), now=clock.now())
            except ServiceError as error:
                flash(error.message, "danger")
            else:
                flash(_l("Your notification settings have been saved."), "success")
                return redirect(url_for("account.notifications"))
        status = 422
    return render_template("account/notifications.html", form=form, always_on=ALWAYS_ON), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_PASSWORD_FORGOT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_PASSWORD_FORGOT_PER_EMAIL"],
    key_func=email_key,
    methods=["POST"],
)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        current = settings.current()
        started = time.perf_counter()
        accounts.request_password_reset(form.email.data, now=clock.now(), settings=current)
        # The same answer, and after the same time, whether or not the address has an
        # account: the work differs by a few milliseconds, which many tries would measure.
        floor = current_app.config["PASSWORD_FORGOT_SECONDS"]
        time.sleep(max(0.0, floor - (time.perf_counter() - started)))
        hours = current.password_reset_hours
        # The same answer whether or not the address has an account.
        flash(
            ngettext(
                "If an account uses this address, a link to choose a new password will be "
                "emailed to it in a moment. The link works for %(num)s hour.",
                "If an account uses this address, a link to choose a new password will be "
                "emailed to it in a moment. The link works for %(num)s hours.",
                hours,
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("account/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    now = clock.now()
    try:
        user = accounts.check_reset_token(token, now=now)
    except ServiceError as error:
        return _private(render_template("account/reset_invalid.html", message=error.message), 410)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(
                token, form.password.data, now=now, method=settings.current().password_method
            )
        except ServiceError as error:
            return _private(
                render_template("account/reset_invalid.html", message=error.message), 410
            )
        if current_user.is_authenticated:
            logout_user()
        flash(_l("Your password has been changed. Sign in with the new password."), "success")
        return redirect(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return _private(render_template("account/reset.html", form=form, user=user), status)


def _private(body: str, status: int):
    """Return a response no cache keeps and whose URL (the token) no link leaks."""
    response = current_app.make_response((body, status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
