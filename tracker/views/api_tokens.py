"""My account's API tokens: make one (its secret shown once, on the answer to the form),
see one's tokens with their scopes, expiry and last use, and revoke them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker import clock
from tracker.forms.api_tokens import ApiTokenForm
from tracker.services import api_tokens
from tracker.services.errors import ServiceError

bp = Blueprint("api_tokens", __name__)


def _page(form: ApiTokenForm, *, secret: str = "", status: int = 200):
    user = current_user._get_current_object()
    return (
        render_template(
            "account/tokens.html",
            form=form,
            tokens=api_tokens.listed(user),
            admin_allowed=api_tokens.ADMIN in api_tokens.allowed_scopes(user),
            secret=secret,
            now=clock.now(),
        ),
        status,
    )


@bp.get("/account/tokens")
def index():
    return _page(ApiTokenForm(formdata=None))


@bp.post("/account/tokens")
def create():
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    user = current_user._get_current_object()
    scopes = form.scopes()
    try:
        _token, secret = api_tokens.create(
            user, name=form.name.data, scopes=scopes, days=int(form.days.data), now=clock.now()
        )
    except ServiceError as exc:
        flash(exc.message, "danger")
        return _page(form, status=422)
    # Answered here, never redirected: the secret is in this page only, not in the session.
    return _page(ApiTokenForm(formdata=None), secret=secret, status=201)


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke(token_id: int):
    user = current_user._get_current_object()
    if api_tokens.revoke(user, token_id, now=clock.now()):
        flash(_l("The token has been revoked: it no longer opens anything."), "success")
    else:
        flash(_l("That token had already been revoked."), "info")
    return redirect(url_for("api_tokens.index"))
