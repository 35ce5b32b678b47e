"""Admin page to merge units into a successor: check the counts, then apply."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from tracker import clock
from tracker.forms.reorganisation import NEW, MergeForm
from tracker.i18n import format_day, format_number
from tracker.services.errors import ServiceError
from tracker.services.reorganisation import merging, pages
from tracker.services.reorganisation.plan import Merger, NewUnit, Plan
from tracker.views.admin.guard import actor, admins_only

bp = Blueprint("admin_reorganisation", __name__, url_prefix="/admin/units/merge")
bp.before_request(admins_only)


def _plan(form: MergeForm) -> Plan:
    if form.successor_kind.data == NEW:
        successor = NewUnit(
            code=form.code.data or "", name=form.name.data or "", kind=form.kind.data or ""
        )
    else:
        successor = form.successor_id.data
    sources = tuple(uid for uid in form.sources.data or () if uid is not None)
    return Plan(form.effective.day, (Merger(sources, successor),))


@bp.route("", methods=["GET", "POST"])
def merge():
    form = MergeForm()
    form.set_units(pages.mergeable_units())
    preview = None
    if form.validate_on_submit():
        plan = _plan(form)
        try:
            if "apply" in request.form:
                result = merging.apply_plan(plan, actor=actor(), now=clock.now(), zone=clock.tz())
                merger = result.mergers[0]
                flash(
                    _(
                        "%(units)s merged into %(successor)s from %(day)s: %(moved)s open "
                        "assignments moved, %(merged)s merged into one of the same task, "
                        "%(users)s people moved.",
                        units=", ".join(s.name for s in merger.sources),
                        successor=merger.successor.name,
                        day=format_day(form.effective.day),
                        moved=format_number(merger.moved),
                        merged=format_number(merger.merged),
                        users=format_number(merger.users),
                    ),
                    "success",
                )
                if merger.reviews:
                    flash(
                        ngettext(
                            "%(num)d assignment the successor had settled went back for a "
                            "coordinator's decision: a merged unit still had it open.",
                            "%(num)d assignments the successor had settled went back for a "
                            "coordinator's decision: a merged unit still had them open.",
                            len(merger.reviews),
                        ),
                        "warning",
                    )
                return redirect(url_for("units.detail", unit_id=merger.successor.id))
            preview = merging.preview_plan(plan, actor=actor(), now=clock.now(), zone=clock.tz())
        except ServiceError as error:
            flash(error.message, "danger")
    status = 422 if form.is_submitted() and preview is None else 200
    return render_template("admin/merge.html", form=form, preview=preview), status
