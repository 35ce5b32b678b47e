"""The coordinators' review queue: reports to confirm or return, extension requests to decide."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker import clock
from tracker.forms import assignments as forms
from tracker.models import UnitGroup
from tracker.services import access
from tracker.services.assignments import due_dates, review
from tracker.services.assignments import workflow as assignments
from tracker.services.errors import NotAllowed, NotFound, ServiceError, StaleEdit
from tracker.views import assignments as assignment_views
from tracker.views import context, filters
from tracker.views.page_cache import kept

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.before_request
def _coordinators_only():
    access.require_coordinator(current_user)


def _task_filter() -> int | None:
    raw = request.args.get("task", "")
    return int(raw) if raw.isdigit() else None


def _queue(status: int = 200, bulk=None):
    as_of = context.as_of()
    queue_filters = review.QueueFilters(
        task_id=_task_filter(), group=filters.choice("group", {g.value for g in UnitGroup})
    )
    queue = review.report_queue(
        queue_filters,
        as_of=as_of,
        due_soon_days=context.due_soon_days(),
        page=context.page_number(),
        per_page=context.per_page(),
    )
    body = render_template(
        "review/index.html",
        page=queue.page,
        rows=queue.rows,
        evidence=queue.evidence,
        tasks=queue.tasks,
        counts=queue.counts,
        filters=queue_filters,
        bulk=bulk or forms.BulkConfirmForm(formdata=None),
        confirm_form=forms.ConfirmForm(formdata=None),
        return_form=forms.ReturnForm(formdata=None),
        as_of=as_of,
    )
    return body, status


@bp.get("/")
@kept()
def index():
    return _queue()


@bp.post("/confirm")
def bulk_confirm():
    form = forms.BulkConfirmForm()
    if not form.validate_on_submit():
        return _queue(422, bulk=form)
    selected = form.chosen()
    try:
        result = assignments.bulk_confirm(
            selected.keys(), current_user, clock.now(), versions=selected
        )
    except StaleEdit as error:
        flash(error.message, "warning")
    else:
        if result.confirmed:
            count = len(result.confirmed)
            flash(
                ngettext("%(num)d report was confirmed.", "%(num)d reports were confirmed.", count),
                "success",
            )
        if result.skipped:
            flash(
                ngettext(
                    "%(num)d report was not confirmed: it changed or no longer awaits "
                    "confirmation. Check it below.",
                    "%(num)d reports were not confirmed: they changed or no longer await "
                    "confirmation. Check them below.",
                    len(result.skipped),
                ),
                "warning",
            )
    back = assignment_views.safe_next(request.form.get("next"))
    return redirect(back or url_for("review.index"))


def _requests(status: int = 200, failed: int | None = None, failed_form=None):
    queue = review.request_queue(page=context.page_number(), per_page=context.per_page())
    body = render_template(
        "review/extensions.html",
        page=queue.page,
        counts=queue.counts,
        approve_form=forms.ApproveForm(formdata=None),
        reject_form=forms.RejectForm(formdata=None),
        failed=failed,
        failed_form=failed_form,
        as_of=context.as_of(),
    )
    return body, status


@bp.get("/extensions")
def extension_requests():
    return _requests()


def _decide(request_id: int, name: str, form, call, done: str):
    """Validate, decide, flash and go back; a refused form is shown again where it was sent."""
    origin = request.form.get("assignment", "")
    if not form.validate_on_submit():
        if origin.isdigit():
            return assignment_views.render(int(origin), 422, **{name: form})
        return _requests(422, failed=request_id, failed_form=form)
    try:
        call()
    except (NotFound, NotAllowed):
        raise
    except ServiceError as error:
        flash(error.message, "warning" if isinstance(error, StaleEdit) else "danger")
    else:
        flash(done, "success")
    back = assignment_views.safe_next(request.form.get("next"))
    return redirect(back or url_for("review.extension_requests"))


@bp.post("/extensions/<int:request_id>/approve")
def approve(request_id: int):
    form = forms.ApproveForm()
    return _decide(
        request_id,
        "approve",
        form,
        lambda: due_dates.approve(request_id, current_user, clock.now(), form.note.data),
        _("The extension was approved: the new due date is in force."),
    )


@bp.post("/extensions/<int:request_id>/reject")
def reject(request_id: int):
    form = forms.RejectForm()
    return _decide(
        request_id,
        "reject",
        form,
        lambda: due_dates.reject(request_id, current_user, clock.now(), form.reason.data),
        _("The extension was refused; the unit will see your reason."),
    )
