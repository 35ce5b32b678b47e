"""The notification centre: the signed-in user's notifications, newest first, marked read
one by one or all at once; each opens the assignment or task it is about."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import clock
from tracker.forms.notifications import ButtonForm
from tracker.services.notifications import centre
from tracker.services.notifications.kinds import KINDS, LABEL
from tracker.views import context

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def _filters() -> centre.Filters:
    return centre.Filters.parse(request.args.get("kind"), request.args.get("unread"))


def _back(form) -> str:
    """Return the centre's URL with the filters and page the posting form was on."""
    values = {
        "kind": form.get("kind") if form.get("kind") in KINDS else None,
        "unread": "1" if form.get("unread") == "1" else None,
        "page": form.get("page") if (form.get("page") or "").isdigit() else None,
    }
    return url_for("notifications.index", **{k: v for k, v in values.items() if v})


@bp.get("")
def index():
    filters = _filters()
    page = centre.page(
        current_user.id, filters, number=context.page_number(), size=context.per_page()
    )
    return render_template(
        "notifications/index.html",
        page=page,
        filters=filters,
        kinds=KINDS,
        kind_labels=LABEL,
        button=ButtonForm(formdata=None),
    )


@bp.post("/<int:notification_id>/read")
def mark_read(notification_id: int):
    if not ButtonForm().validate_on_submit():
        abort(400)
    centre.mark_read(current_user.id, notification_id, now=clock.now())
    return redirect(_back(request.form))


@bp.post("/read")
def mark_all_read():
    if not ButtonForm().validate_on_submit():
        abort(400)
    centre.mark_all_read(current_user.id, now=clock.now())
    return redirect(_back(request.form))


@bp.get("/<int:notification_id>")
def open(notification_id: int):
    """Mark the notification read and go to the page it is about."""
    found = centre.mark_read(current_user.id, notification_id, now=clock.now())
    endpoint, values = centre.target_of(found)
    if endpoint == "assignments.detail" and not centre.assignment_exists(found.assignment_id):
        endpoint, values = "tasks.detail", {"task_id": found.task_id}
    return redirect(url_for(endpoint, **values))


def bell() -> str:
    """Return the bell's count for the signed-in user (read along with the user)."""
    if not current_user.is_authenticated:
        return ""
    if "notification_bell" not in g:
        unread = g.get("notifications_unread")  # read with the user (tracker.auth)
        if unread is None:
            unread = centre.unread_count(current_user.id)
        g.notification_bell = centre.bell_label(unread)
    return g.notification_bell
