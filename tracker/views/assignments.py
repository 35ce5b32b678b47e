"""One assignment: its page, the actions its unit and the coordinators take, its files."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock, settings
from tracker.forms import assignments as forms
from tracker.services import access
from tracker.services.assignments import due_dates, evidence
from tracker.services.assignments import pages as assignment_pages
from tracker.services.assignments import workflow as assignments
from tracker.services.errors import NotAllowed, NotFound, ServiceError, StaleEdit
from tracker.views import context, downloads, timeline
from tracker.views.redirects import safe_next

bp = Blueprint("assignments", __name__, url_prefix="/assignments")

# The forms of the page, by the action name ``assignment_pages.actions_for`` gives.
FORMS = {
    "start": forms.StartForm,
    "note": forms.NoteForm,
    "submit": forms.SubmitForm,
    "confirm": forms.ConfirmForm,
    "return": forms.ReturnForm,
    "mark_not_applicable": forms.NotApplicableForm,
    "reopen": forms.ReopenForm,
    "change_due": forms.DueDateForm,
    "request_extension": forms.ExtensionRequestForm,
    "approve": forms.ApproveForm,
    "reject": forms.RejectForm,
}


def render(assignment_id: int, status: int = 200, **posted):
    """Render the page; ``posted`` holds a refused form to show again with its messages."""
    as_of = context.as_of()
    page = assignment_pages.assignment_page(
        current_user, assignment_id, as_of=as_of, settings=settings.current()
    )
    version = page.assignment.version
    page_forms = {}
    for name, form_class in FORMS.items():
        if name in posted:
            page_forms[name] = posted[name]
        elif issubclass(form_class, forms.VersionedForm):
            page_forms[name] = form_class(formdata=None, version=version)
        else:
            page_forms[name] = form_class(formdata=None)
    body = render_template(
        "assignments/detail.html",
        page=page,
        a=page.assignment,
        forms=page_forms,
        timeline=timeline.items(page.timeline),
        accept=page.upload.accept,
        types=page.upload.types,
        max_mb=page.upload.max_mb,
        as_of=as_of,
    )
    return body, status


@bp.get("/<int:assignment_id>")
def detail(assignment_id: int):
    return render(assignment_id)


def act(assignment_id: int, name: str, form, call: Callable[[], object], done: str):
    """Validate ``form``, run one service call, flash the outcome and redirect; a refusal
    changes nothing and shows the page again with the message."""
    if not form.validate_on_submit():
        return render(assignment_id, 422, **{name: form})
    try:
        call()
    except (NotFound, NotAllowed):
        raise
    except StaleEdit as error:
        flash(error.message, "warning")
        return redirect(url_for("assignments.detail", assignment_id=assignment_id))
    except ServiceError as error:
        flash(error.message, "danger")
        return render(assignment_id, 422, **{name: form})
    flash(done, "success")
    back = safe_next(request.form.get("next"))
    return redirect(back or url_for("assignments.detail", assignment_id=assignment_id))


def focal_points_only() -> None:
    if not current_user.is_focal_point:
        abort(403)


@bp.post("/<int:assignment_id>/start")
def start(assignment_id: int):
    focal_points_only()
    form = forms.StartForm()
    return act(
        assignment_id,
        "start",
        form,
        lambda: assignments.start(assignment_id, current_user, clock.now(), form.version.data),
        _("The assignment is now in progress."),
    )


@bp.post("/<int:assignment_id>/notes")
def add_note(assignment_id: int):
    form = forms.NoteForm()
    return act(
        assignment_id,
        "note",
        form,
        lambda: assignments.add_note(assignment_id, current_user, clock.now(), form.note.data),
        _("The note was added."),
    )


@bp.post("/<int:assignment_id>/submit")
def submit(assignment_id: int):
    focal_points_only()
    form = forms.SubmitForm()
    return act(
        assignment_id,
        "submit",
        form,
        lambda: assignments.submit_completion(
            assignment_id,
            current_user,
            clock.now(),
            form.version.data,
            doc_number=form.doc_number.data,
            doc_date=form.doc_date.day,
            signer=form.signer.data,
            summary=form.summary.data,
            files=form.uploads(),
            settings=settings.current(),
        ),
        _("Completion was reported. The coordinator will confirm it or return it."),
    )


@bp.post("/<int:assignment_id>/confirm")
def confirm(assignment_id: int):
    access.require_coordinator(current_user)
    form = forms.ConfirmForm()
    return act(
        assignment_id,
        "confirm",
        form,
        lambda: assignments.confirm(assignment_id, current_user, clock.now(), form.version.data),
        _("Completion was confirmed."),
    )


@bp.post("/<int:assignment_id>/return")
def return_submission(assignment_id: int):
    access.require_coordinator(current_user)
    form = forms.ReturnForm()
    return act(
        assignment_id,
        "return",
        form,
        lambda: assignments.return_submission(
            assignment_id, current_user, clock.now(), form.version.data, form.reason.data
        ),
        _("The report was returned to the unit with your reason."),
    )


@bp.post("/<int:assignment_id>/not-applicable")
def mark_not_applicable(assignment_id: int):
    access.require_coordinator(current_user)
    form = forms.NotApplicableForm()
    return act(
        assignment_id,
        "mark_not_applicable",
        form,
        lambda: assignments.mark_not_applicable(
            assignment_id, current_user, clock.now(), form.version.data, form.reason.data
        ),
        _("The assignment was marked not applicable."),
    )


@bp.post("/<int:assignment_id>/reopen")
def reopen(assignment_id: int):
    access.require_coordinator(current_user)
    form = forms.ReopenForm()
    return act(
        assignment_id,
        "reopen",
        form,
        lambda: assignments.reopen(
            assignment_id, current_user, clock.now(), form.version.data, form.reason.data
        ),
        _("The assignment was reopened."),
    )


@bp.post("/<int:assignment_id>/due-date")
def change_due_date(assignment_id: int):
    access.require_coordinator(current_user)
    form = forms.DueDateForm()
    return act(
        assignment_id,
        "change_due",
        form,
        lambda: due_dates.change_due_date(
            assignment_id,
            current_user,
            clock.now(),
            form.version.data,
            form.new_due.due,
            form.reason.data,
        ),
        _("The due date was changed."),
    )


@bp.post("/<int:assignment_id>/extension")
def request_extension(assignment_id: int):
    focal_points_only()
    now = clock.now()
    form = forms.ExtensionRequestForm()
    return act(
        assignment_id,
        "request_extension",
        form,
        lambda: due_dates.request_extension(
            assignment_id,
            current_user,
            now,
            form.new_due.due,
            form.reason.data,
            today=clock.local_date(now),
        ),
        _("Your extension request was sent to the coordinators."),
    )


@bp.get("/<int:assignment_id>/files/<int:file_id>")
def download(assignment_id: int, file_id: int):
    """Send an evidence file as a download, only to users who may see its assignment."""
    stored = evidence.download(
        current_user, assignment_id, file_id, settings.current().upload_folder
    )
    return downloads.evidence_file(stored)
