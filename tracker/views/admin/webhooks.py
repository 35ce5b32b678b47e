"""Administration → Webhooks: the endpoints other systems gave (made with their secret shown
once, enabled or disabled), each one's latest deliveries with the receiver's answers, and
sending an event again."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from tracker import clock
from tracker.forms.admin import ConfirmForm, WebhookForm
from tracker.labels import WEBHOOK_EVENT
from tracker.services import webhooks
from tracker.services.errors import ServiceError
from tracker.views.admin.guard import actor, admins_only

bp = Blueprint("admin_webhooks", __name__, url_prefix="/admin/webhooks")
bp.before_request(admins_only)


def _form(**kwargs) -> WebhookForm:
    form = WebhookForm(**kwargs)
    form.kinds.choices = [(kind, WEBHOOK_EVENT[kind]) for kind in webhooks.TYPES]
    return form


def _page(form: WebhookForm, *, secret: str = "", status: int = 200):
    return render_template(
        "admin/webhooks.html",
        form=form,
        endpoints=webhooks.endpoints(actor()),
        events=WEBHOOK_EVENT,
        secret=secret,
        confirm=ConfirmForm(),
    ), status


@bp.get("")
def index():
    return _page(_form(formdata=None))


@bp.post("")
def create():
    form = _form()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        _endpoint, secret = webhooks.create_endpoint(
            actor(), url=form.url.data, kinds=form.kinds.data,
            description=form.description.data or "", now=clock.now(),
        )  # fmt: skip
    except ServiceError as error:
        flash(error.message, "danger")
        return _page(form, status=422)
    # Answered here, never redirected: the secret is on this page only.
    return _page(_form(formdata=None), secret=secret, status=201)


@bp.post("/<int:endpoint_id>/enable")
def enable(endpoint_id: int):
    return _set(endpoint_id, True)


@bp.post("/<int:endpoint_id>/disable")
def disable(endpoint_id: int):
    return _set(endpoint_id, False)


def _set(endpoint_id: int, active: bool):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        webhooks.set_active(actor(), endpoint_id, active, now=clock.now())
    except ServiceError:
        abort(404)
    flash(_("The webhook is enabled.") if active else _("The webhook is disabled."), "success")
    return redirect(url_for("admin_webhooks.index"))


@bp.get("/<int:endpoint_id>")
def deliveries(endpoint_id: int):
    try:
        endpoint, rows = webhooks.deliveries(actor(), endpoint_id)
    except ServiceError:
        abort(404)
    return render_template(
        "admin/webhook.html", endpoint=endpoint, deliveries=rows, events=WEBHOOK_EVENT,
        confirm=ConfirmForm(),
    )  # fmt: skip


@bp.post("/deliveries/<int:delivery_id>/redeliver")
def redeliver(delivery_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        again = webhooks.redeliver(actor(), delivery_id, now=clock.now())
    except ServiceError:
        abort(404)
    flash(_("The event will be sent again in a moment."), "success")
    return redirect(url_for("admin_webhooks.deliveries", endpoint_id=again.endpoint_id))
