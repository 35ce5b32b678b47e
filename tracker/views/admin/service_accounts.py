"""Administration → Service accounts: accounts for other systems, and their API tokens
(each shown once, on the answer to the form that made it)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker import clock
from tracker.forms.admin import ConfirmForm, ServiceAccountForm
from tracker.forms.api_tokens import ApiTokenForm
from tracker.services import api_tokens, service_accounts
from tracker.services.admin import users as admin_users
from tracker.services.errors import ServiceError
from tracker.views.admin.guard import actor, admins_only

bp = Blueprint("admin_service_accounts", __name__, url_prefix="/admin/service-accounts")
bp.before_request(admins_only)


def _index(form: ServiceAccountForm, status: int = 200):
    return render_template(
        "admin/service_accounts.html",
        form=form,
        accounts=service_accounts.listed(actor()),
    ), status


def _new_form(formdata=None) -> ServiceAccountForm:
    form = ServiceAccountForm(formdata=formdata) if formdata is None else ServiceAccountForm()
    form.set_units(admin_users.unit_options())
    return form


@bp.get("")
def index():
    return _index(_new_form())


@bp.post("")
def create():
    form = _new_form(formdata=True)
    if not form.validate_on_submit():
        return _index(form, 422)
    try:
        account = service_accounts.create(
            actor(), clock.now(), name=form.name.data, role=form.role.data,
            unit_id=form.unit_id.data,
        )  # fmt: skip
    except ServiceError as error:
        flash(error.message, "danger")
        return _index(form, 422)
    flash(_("The service account %(name)s has been created: give it a token.", name=account.name),
          "success")  # fmt: skip
    return redirect(url_for("admin_service_accounts.show", account_id=account.id))


def _show(account_id: int, form: ApiTokenForm, *, secret: str = "", status: int = 200):
    account = service_accounts.load(actor(), account_id)
    return render_template(
        "admin/service_account.html",
        account=account,
        form=form,
        confirm=ConfirmForm(),
        tokens=api_tokens.listed(account),
        admin_allowed=api_tokens.ADMIN in api_tokens.allowed_scopes(account),
        secret=secret,
        now=clock.now(),
    ), status


@bp.get("/<int:account_id>")
def show(account_id: int):
    return _show(account_id, ApiTokenForm(formdata=None))


@bp.post("/<int:account_id>/tokens")
def create_token(account_id: int):
    account = service_accounts.load(actor(), account_id)
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _show(account_id, form, status=422)
    scopes = form.scopes()
    try:
        _token, secret = service_accounts.create_token(
            actor(), clock.now(), account, name=form.name.data, scopes=scopes,
            days=int(form.days.data),
        )  # fmt: skip
    except ServiceError as error:
        flash(error.message, "danger")
        return _show(account_id, form, status=422)
    # Answered here, never redirected: the secret is in this page only, not in the session.
    return _show(account_id, ApiTokenForm(formdata=None), secret=secret, status=201)


@bp.post("/<int:account_id>/tokens/<int:token_id>/revoke")
def revoke_token(account_id: int, token_id: int):
    account = service_accounts.load(actor(), account_id)
    if ConfirmForm().validate_on_submit():
        if service_accounts.revoke_token(actor(), clock.now(), account, token_id):
            flash(_l("The token has been revoked: it no longer opens anything."), "success")
        else:
            flash(_l("That token had already been revoked."), "info")
    return redirect(url_for("admin_service_accounts.show", account_id=account_id))


def _set_active(account_id: int, active: bool, message):
    account = service_accounts.load(actor(), account_id)
    if ConfirmForm().validate_on_submit():
        service_accounts.set_active(actor(), clock.now(), account, active)
        flash(message, "success")
    return redirect(url_for("admin_service_accounts.show", account_id=account_id))


@bp.post("/<int:account_id>/deactivate")
def deactivate(account_id: int):
    return _set_active(
        account_id, False, _l("The service account is off: none of its tokens opens anything.")
    )


@bp.post("/<int:account_id>/activate")
def activate(account_id: int):
    return _set_active(account_id, True, _l("The service account is on again."))
