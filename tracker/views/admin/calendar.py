"""Admin page for the working-day calendar's official overrides."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from tracker import clock
from tracker.forms.admin import ConfirmForm, OverrideForm
from tracker.services.admin import calendar as admin_calendar
from tracker.services.errors import ServiceError
from tracker.views.admin.guard import actor, admins_only, int_arg

bp = Blueprint("admin_calendar", __name__, url_prefix="/admin/calendar")
bp.before_request(admins_only)


def _year() -> int:
    return int_arg("year") or clock.today().year


def _page(form: OverrideForm, year: int, status: int = 200):
    return render_template(
        "admin/calendar.html",
        form=form,
        year=year,
        days=admin_calendar.year_days(actor(), year),
        confirm=ConfirmForm(),
    ), status


@bp.get("")
def index():
    return _page(OverrideForm(formdata=None), _year())


@bp.post("")
def add():
    form = OverrideForm()
    year = _year()
    if form.validate_on_submit():
        try:
            override = admin_calendar.add_override(
                actor(),
                clock.now(),
                day=form.day.day,
                is_working=form.is_working.data == "1",
                note=form.note.data,
            )
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(_("The change of %(day)s has been saved.", day=form.day.data.strip()), "success")
            return redirect(url_for("admin_calendar.index", year=override.day.year))
    return _page(form, year, 422)


@bp.post("/<int:override_id>/delete")
def delete(override_id: int):
    year = _year()
    if ConfirmForm().validate_on_submit():
        try:
            day = admin_calendar.delete_override(actor(), clock.now(), override_id)
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(
                _("The change of %(day)s has been removed.", day=day.strftime("%d/%m/%Y")), "info"
            )
            year = day.year
    return redirect(url_for("admin_calendar.index", year=year))
