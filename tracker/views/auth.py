"""Signing in and out, and choosing the interface language."""

from __future__ import annotations

from datetime import timedelta

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
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from tracker import clock, settings
from tracker.domain import two_factor as rules
from tracker.extensions import limiter
from tracker.forms.account import LoginForm
from tracker.forms.two_factor import CodeForm
from tracker.services import accounts, known_devices, sessions
from tracker.services.demo import accounts as demo_accounts
from tracker.services.two_factor import sign_in as second_step
from tracker.views import sso
from tracker.views.redirects import safe_next

bp = Blueprint("auth", __name__)


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
        user = accounts.check_credentials(
            form.email.data,
            form.password.data,
            method=settings.current().password_method,
            roles=sso.password_roles(),
        )
        if user is None:
            accounts.record_sign_in_refused(
                form.email.data, "wrong_password", ip=request.remote_addr or "", now=clock.now()
            )
            flash(_l("Wrong email or password."), "danger")
        else:
            next_url = safe_next(request.args.get("next"))
            if not second_step.is_on(user):
                return _signed_in(user, remember=form.remember.data, next_url=next_url)
            if _device_remembered(user):
                return _signed_in(
                    user,
                    remember=form.remember.data,
                    next_url=next_url,
                    details={"method": "password", "second_factor": "remembered_device"},
                )
            # Not signed in yet: the code step finishes it, in this browser, soon.
            session[_PENDING] = {
                "u": user.id,
                "g": second_step.generation_of(user),
                "r": bool(form.remember.data),
                "n": next_url or "",
                "t": clock.real_now().timestamp(),
            }
            return redirect(url_for("auth.code"))
    demo = demo_accounts.sign_in_accounts() if current_app.config["DEMO_SIGN_IN_HELP"] else []
    return render_template(
        "auth/login.html",
        form=form,
        demo_accounts=demo,
        demo_password=settings.current().demo_password,
    )


def _signed_in(user, *, remember: bool, next_url: str | None, details: dict | None = None):
    """Start the user's session (recorded with ``details``) and send them on."""
    now = clock.now()
    accounts.record_sign_in(user, now=now)
    sessions.start(
        user,
        now=now,
        ip=request.remote_addr or "",
        user_agent=request.user_agent.string,
        remember=remember,
        details=details,
    )
    login_user(user, remember=remember)
    session.pop("language", None)
    response = redirect(next_url or url_for("dashboard.index"))
    _remember_device(response, user)
    return response


# --- The second step: the code of an authenticator app, or a recovery code ---------------

# The sign-in waiting for its code, in the session cookie: the user's id and credentials'
# generation, "keep me signed in", where to go next, and when the password was right.
_PENDING = "two_factor_pending"
PENDING_FOR = timedelta(minutes=5)


def _pending():
    """Return (user, expired) of the sign-in waiting for its code in this browser, or
    (None, False) when there is none or the user's password or app changed meanwhile."""
    held = session.get(_PENDING)
    if not isinstance(held, dict):
        return None, False
    user = second_step.waiting(held.get("u"), held.get("g"))
    waited = clock.real_now().timestamp() - float(held.get("t") or 0)
    return user, waited > PENDING_FOR.total_seconds()


def _pending_key() -> str:
    """Return the rate-limit key of the account whose code is being typed."""
    held = session.get(_PENDING)
    return f"two_factor:{held.get('u') if isinstance(held, dict) else '-'}"


def _refused(user, reason: str) -> None:
    """Record a refused code in the audit log, named by what it looked like."""
    typed = rules.normalise(request.form.get("code", ""))
    accounts.record_sign_in_refused(
        user.email, reason, ip=request.remote_addr or "", now=clock.now(),
        second_factor="totp" if rules.is_app_code(typed) else "recovery_code",
    )  # fmt: skip


def _code_limited(_limit) -> None:
    """Record a code refused because the account's attempts are used up."""
    user, _expired = _pending()
    if user is not None:
        _refused(user, "limited")


def _remember_days() -> int:
    return int(current_app.config["TWO_FACTOR_REMEMBER_DAYS"])


def _device_remembered(user) -> bool:
    return second_step.remembers(
        request.cookies.get(second_step.REMEMBERED.name),
        user,
        current_app.config["SECRET_KEY"],
        _remember_days(),
    )


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"], deduct_when=_failed_sign_in
)
@limiter.limit(
    lambda: current_app.config["RATELIMIT_TWO_FACTOR"],
    key_func=_pending_key,
    methods=["POST"],
    deduct_when=_failed_sign_in,
    on_breach=_code_limited,
)
def code():
    """Ask for the second factor of a sign-in whose password was right; sign in once it is
    a current app code or an unused recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    user, expired = _pending()
    if user is None:
        session.pop(_PENDING, None)
        return redirect(url_for("auth.login"))
    if expired:
        session.pop(_PENDING, None)
        if request.method == "POST":
            _refused(user, "expired")
        flash(_l("Signing in took too long. Enter your password again."), "warning")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            used = second_step.use_code(
                user,
                form.code.data,
                now=clock.now(),
                unix_time=clock.real_now().timestamp(),
                secret_key=current_app.config["SECRET_KEY"],
            )
        except second_step.CodeRefused as refusal:
            _refused(user, refusal.reason)
            form.code.errors = [*form.code.errors, refusal.message]
        else:
            held = session.pop(_PENDING)
            details = {"method": "password", "second_factor": used.factor}
            if used.codes_left is not None:
                details["codes_left"] = used.codes_left
                flash(_recovery_code_used(used.codes_left), "warning")
            response = _signed_in(
                user, remember=bool(held.get("r")), next_url=held.get("n"), details=details
            )
            if form.remember_device.data and _remember_days() > 0:
                _remember_for_two_factor(response, user)
            return response
    return render_template("auth/code.html", form=form, remember_days=_remember_days())


def _recovery_code_used(left: int) -> str:
    return ngettext(
        "You signed in with a recovery code, which cannot be used again. %(num)s code is "
        "left: if you no longer have your authenticator app, set up a new one in My account.",
        "You signed in with a recovery code, which cannot be used again. %(num)s codes are "
        "left: if you no longer have your authenticator app, set up a new one in My account.",
        left,
    )


def _remember_for_two_factor(response, user) -> None:
    """Let this browser skip the code for ``TWO_FACTOR_REMEMBER_DAYS`` days."""
    token = second_step.remember_token(user, current_app.config["SECRET_KEY"])
    if token:
        response.set_cookie(
            second_step.REMEMBERED.name,
            token,
            max_age=_remember_days() * 86400,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )


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
