"""Admin pages for user accounts."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker import clock, settings
from tracker.domain import two_factor as two_factor_rules
from tracker.forms.admin import ConfirmForm, NewUserForm, UserForm
from tracker.models import Role
from tracker.services.admin import users as admin_users
from tracker.services.errors import ServiceError
from tracker.services.notifications import preferences
from tracker.services.two_factor import enrolment
from tracker.views import context, filters
from tracker.views.admin.guard import actor, admins_only, int_arg

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")
bp.before_request(admins_only)

ACTIVE = {"yes": True, "no": False}


@bp.get("")
def index():
    active = filters.choice("active", ACTIVE)
    user_filters = admin_users.UserFilters(
        role=filters.choice("role", {r.value for r in Role}),
        unit_id=int_arg("unit_id"),
        unit=filters.text("unit"),
        active=ACTIVE.get(active or ""),
        q=filters.text("q"),
    )
    page = admin_users.user_page(user_filters, context.page_number(), context.per_page())
    return render_template("admin/users.html", page=page, filters=user_filters, active=active)


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = NewUserForm()
    form.set_units(admin_users.unit_options())
    if form.validate_on_submit():
        try:
            user = admin_users.create_user(
                actor(),
                clock.now(),
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                unit_id=form.unit_id.data,
                language=form.language.data,
                settings=settings.current(),
            )
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(_("The account of %(name)s has been created.", name=user.name), "success")
            flash(
                _(
                    "An email with a link to choose a password will be sent to the new user "
                    "in a moment (the email log shows when it has gone)."
                ),
                "success",
            )
            return redirect(url_for("admin_users.edit", user_id=user.id))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
def edit(user_id: int):
    user = admin_users.load_user(actor(), user_id)
    form = UserForm(obj=user)
    form.set_units(admin_users.unit_options(include_id=user.unit_id))
    if form.validate_on_submit():
        try:
            admin_users.update_user(
                actor(),
                clock.now(),
                user_id,
                name=form.name.data,
                role=form.role.data,
                unit_id=form.unit_id.data,
                language=form.language.data,
                languages=settings.current().languages,
            )
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(_l("The account has been saved."), "success")
            return redirect(url_for("admin_users.edit", user_id=user_id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        confirm=ConfirmForm(),
        notification_modes=preferences.modes_of(user),
        two_factor=enrolment.status_of(user),
        two_factor_required=two_factor_rules.required(
            user.role, current_app.config["TWO_FACTOR_ROLES"]
        ),
    ), status


def _set_active(user_id: int, active: bool, message):
    if ConfirmForm().validate_on_submit():
        try:
            admin_users.set_user_active(actor(), clock.now(), user_id, active)
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(message, "success")
    return redirect(url_for("admin_users.edit", user_id=user_id))


@bp.post("/<int:user_id>/deactivate")
def deactivate(user_id: int):
    return _set_active(
        user_id, False, _l("The account has been deactivated and its sessions ended.")
    )


@bp.post("/<int:user_id>/reactivate")
def reactivate(user_id: int):
    return _set_active(user_id, True, _l("The account has been reactivated."))


@bp.post("/<int:user_id>/send-reset")
def send_reset(user_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            admin_users.send_password_link(
                actor(), clock.now(), user_id, settings=settings.current()
            )
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(
                _(
                    "An email with a link to choose a new password will be sent in a moment "
                    "(the email log shows when it has gone)."
                ),
                "success",
            )
    return redirect(url_for("admin_users.edit", user_id=user_id))


@bp.post("/<int:user_id>/two-factor/reset")
def reset_two_factor(user_id: int):
    """Turn a user's two-factor sign-in off (lost phone and recovery codes); recorded."""
    if ConfirmForm().validate_on_submit():
        try:
            enrolment.reset(actor(), user_id, now=clock.now())
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(
                _l(
                    "Two-factor sign-in has been reset and the user signed out everywhere. "
                    "If their role requires it, they set it up again at their next sign-in."
                ),
                "success",
            )
    return redirect(url_for("admin_users.edit", user_id=user_id) + "#two-factor")
