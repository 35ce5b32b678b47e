"""Admin pages for units."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from tracker import clock
from tracker.forms.admin import ConfirmForm, UnitForm
from tracker.models import UnitKind
from tracker.services.admin import units as admin_units
from tracker.services.errors import ServiceError
from tracker.views import context, filters
from tracker.views.admin.guard import actor, admins_only

bp = Blueprint("admin_units", __name__, url_prefix="/admin/units")
bp.before_request(admins_only)

ACTIVE = {"yes": True, "no": False}


@bp.get("")
def index():
    active = filters.choice("active", ACTIVE)
    kind = filters.choice("kind", {k.value for k in UnitKind})
    q = filters.text("q")
    former = filters.choice("former", {"1"}) is not None
    current_on = None if former else clock.today()
    page = admin_units.unit_page(
        q, kind, ACTIVE.get(active or ""), current_on, context.page_number(), context.per_page()
    )
    return render_template(
        "admin/units.html", page=page, q=q, kind=kind, active=active, former=former
    )


def _fields(form: UnitForm) -> admin_units.UnitFields:
    return admin_units.UnitFields(
        code=form.code.data,
        name=form.name.data,
        kind=form.kind.data,
        group=form.group.data or None,
        short_name=form.short_name.data,
        name_en=form.name_en.data,
        head_email=form.head_email.data,
        valid_from=form.valid_from.day,
        valid_to=form.valid_to.day,
        successor_id=form.successor_id.data,
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = UnitForm()
    form.set_successors(admin_units.successor_options())
    if form.validate_on_submit():
        try:
            unit = admin_units.create_unit(actor(), clock.now(), _fields(form))
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(_l("The unit has been created."), "success")
            return redirect(url_for("admin_units.edit", unit_id=unit.id))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/unit_form.html", form=form, unit=None), status


@bp.route("/<int:unit_id>", methods=["GET", "POST"])
def edit(unit_id: int):
    unit = admin_units.load_unit(actor(), unit_id)
    form = UnitForm(obj=unit)
    form.set_successors(admin_units.successor_options(unit.id, include_id=unit.successor_id))
    if form.validate_on_submit():
        try:
            admin_units.update_unit(actor(), clock.now(), unit_id, _fields(form))
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(_l("The unit has been saved."), "success")
            return redirect(url_for("admin_units.edit", unit_id=unit_id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "admin/unit_form.html", form=form, unit=unit, confirm=ConfirmForm()
    ), status


def _set_active(unit_id: int, active: bool, message):
    if ConfirmForm().validate_on_submit():
        try:
            admin_units.set_unit_active(actor(), clock.now(), unit_id, active)
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(message, "success")
    return redirect(url_for("admin_units.edit", unit_id=unit_id))


@bp.post("/<int:unit_id>/deactivate")
def deactivate(unit_id: int):
    return _set_active(unit_id, False, _l("The unit has been deactivated."))


@bp.post("/<int:unit_id>/reactivate")
def reactivate(unit_id: int):
    return _set_active(unit_id, True, _l("The unit has been reactivated."))
