"""My account → Two-factor sign-in: setting up an authenticator app (QR code), recovery
codes, turning it off; and the policy that sends users of the roles in TWO_FACTOR_ROLES to
set it up before anything else."""

from __future__ import annotations

import segno
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker import clock
from tracker.auth import API_BLUEPRINTS, PUBLIC_ENDPOINTS
from tracker.domain import two_factor as rules
from tracker.extensions import limiter
from tracker.forms.two_factor import ConfirmSetupForm, ProofForm
from tracker.services.errors import ServiceError
from tracker.services.two_factor import enrolment
from tracker.views import sso

bp = Blueprint("two_factor", __name__, url_prefix="/account/two-factor")

# What a user whose role requires two-factor sign-in may open before setting it up.
OPEN_BEFORE_SET_UP = frozenset(
    {
        "two_factor.index",
        "two_factor.start",
        "two_factor.setup",
        "two_factor.confirm",
        "auth.logout",
        "auth.set_language",
    }
)


def _roles():
    return current_app.config["TWO_FACTOR_ROLES"]


def must_set_up() -> bool:
    """Whether the signed-in user's role requires two-factor sign-in and they have not set
    it up. A single sign-on is exempt: the provider does its own second factor."""
    if not current_user.is_authenticated or g.get("two_factor_on"):
        return False
    return rules.required(current_user.role, _roles()) and not sso.started_by_sso()


@bp.app_context_processor
def _templates():
    # The header hides the menu while nothing but setting it up opens.
    return {"must_set_up_two_factor": must_set_up}


@bp.before_app_request
def _require_set_up():
    """Send a signed-in user who must set up two-factor sign-in to do so: nothing else
    opens until then but signing out and the language (nor do the API, tokens, and public
    pages wait for it)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS or endpoint in OPEN_BEFORE_SET_UP:
        return None
    if request.blueprint in API_BLUEPRINTS or not must_set_up():
        return None
    flash(
        _l("Your role must use two-factor sign-in. Set it up to continue: it takes a minute."),
        "warning",
    )
    return redirect(url_for("two_factor.index"))


def _user():
    return current_user._get_current_object()


def _secret_key() -> str:
    return current_app.config["SECRET_KEY"]


def _page(codes_form=None, disable_form=None, status: int = 200):
    user = _user()
    return render_template(
        "account/two_factor.html",
        status=enrolment.status_of(user),
        required=rules.required(user.role, _roles()),
        by_sso=sso.started_by_sso(),
        codes_form=codes_form or ProofForm(prefix="codes", formdata=None),
        disable_form=disable_form or ProofForm(prefix="disable", formdata=None),
        remember_days=current_app.config["TWO_FACTOR_REMEMBER_DAYS"],
    ), status


@bp.get("")
def index():
    return _page()


@bp.post("/start")
def start():
    """Make the secret of a new app to set up (the one in use, if any, keeps working until
    the new one is confirmed). The form is the button: CSRFProtect checks its token."""
    enrolment.start(_user(), now=clock.now(), secret_key=_secret_key())
    return redirect(url_for("two_factor.setup"))


def _setup_page(form, status: int = 200):
    setup = enrolment.setup_of(
        _user(), secret_key=_secret_key(), issuer=current_app.config["SITE_NAME"]
    )
    if setup is None:
        return redirect(url_for("two_factor.index"))
    qr = segno.make(setup.uri, error="m")
    return render_template(
        "account/two_factor_setup.html",
        form=form,
        secret=" ".join(setup.secret[i : i + 4] for i in range(0, len(setup.secret), 4)),
        qr_svg=qr.svg_inline(scale=5, border=2, title=str(_l("QR code to scan"))),
        status=enrolment.status_of(_user()),
    ), status


@bp.get("/setup")
def setup():
    return _setup_page(ConfirmSetupForm(formdata=None))


@bp.post("/setup")
def confirm():
    """Put the app being set up in use once its first code is right; show the recovery
    codes, once."""
    form = ConfirmSetupForm()
    if not form.validate_on_submit():
        return _setup_page(form, 422)
    try:
        codes = enrolment.confirm(
            _user(),
            form.code.data,
            now=clock.now(),
            unix_time=clock.real_now().timestamp(),
            secret_key=_secret_key(),
            keep_session_id=g.get("user_session_id"),
        )
    except ServiceError as error:
        form.code.errors = [*form.code.errors, error.message]
        return _setup_page(form, 422)
    flash(
        _l(
            "Two-factor sign-in is on. Your other sessions have been signed out: they began "
            "without a code."
        ),
        "success",
    )
    return _codes_page(codes)


def _codes_page(codes: list[str]):
    """The recovery codes, shown this once: kept out of every cache."""
    response = current_app.make_response(
        render_template("account/recovery_codes.html", codes=codes)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _own_key() -> str:
    """Return the rate-limit key of the signed-in user's codes (the sign-in step's key)."""
    return f"two_factor:{current_user.id if current_user.is_authenticated else '-'}"


def _refused(response) -> bool:
    return response.status_code == 422


# Guessing codes with a stolen session is held by the same limit as at sign-in.
_limit = limiter.limit(
    lambda: current_app.config["RATELIMIT_TWO_FACTOR"],
    key_func=_own_key,
    methods=["POST"],
    deduct_when=_refused,
)


@bp.post("/recovery-codes")
@_limit
def regenerate_codes():
    """Void the recovery codes and show new ones, after the password or an app code."""
    form = ProofForm(prefix="codes")
    if not form.validate_on_submit():
        return _page(codes_form=form, status=422)
    try:
        codes = enrolment.regenerate_codes(
            _user(),
            form.proof.data,
            now=clock.now(),
            unix_time=clock.real_now().timestamp(),
            secret_key=_secret_key(),
        )
    except ServiceError as error:
        form.proof.errors = [*form.proof.errors, error.message]
        return _page(codes_form=form, status=422)
    flash(_l("New recovery codes have been made: the earlier ones no longer work."), "success")
    return _codes_page(codes)


@bp.post("/disable")
@_limit
def disable():
    """Turn two-factor sign-in off, after the password or an app code (not when the
    user's role requires it)."""
    form = ProofForm(prefix="disable")
    if not form.validate_on_submit():
        return _page(disable_form=form, status=422)
    try:
        enrolment.disable(
            _user(),
            form.proof.data,
            now=clock.now(),
            unix_time=clock.real_now().timestamp(),
            secret_key=_secret_key(),
            roles=_roles(),
        )
    except ServiceError as error:
        form.proof.errors = [*form.proof.errors, error.message]
        return _page(disable_form=form, status=422)
    flash(_l("Two-factor sign-in is off. Your password alone now signs you in."), "success")
    return redirect(url_for("two_factor.index"))
