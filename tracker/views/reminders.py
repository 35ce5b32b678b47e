"""Reminder pages: the scheduler's and the outbox's status, the email log and retrying
failed emails, policies, nudges."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker import clock, i18n, settings
from tracker.auth import roles_required
from tracker.forms.reminders import NudgeForm, PolicyForm, RetryForm, TaskPolicyForm
from tracker.models import Role
from tracker.models.reminders import EMAIL_STATES, FAILED
from tracker.services.errors import NotFound, ServiceError
from tracker.services.outbox import admin as outbox
from tracker.services.reminders import email_log, nudges, policies
from tracker.services.reminders import status as scheduler_status
from tracker.services.reminders.email_log import EmailLogFilters
from tracker.views import context, filters
from tracker.views.redirects import safe_next

bp = Blueprint("reminders", __name__, url_prefix="/reminders")
STAFF = (Role.ADMIN, Role.COORDINATOR)


@bp.get("/")
@roles_required(*STAFF)
def status():
    shown = scheduler_status.status(clock.now(), settings.current())
    return render_template("reminders/status.html", status=shown)


@bp.route("/policy", methods=["GET", "POST"])
@roles_required(*STAFF)
def policy():
    form = PolicyForm()
    if request.method == "GET":
        form.fill(policies.default_policy())
    elif form.validate_on_submit():
        try:
            policies.save_policy(form.policy(), actor=current_user, now=clock.now())
        except ServiceError as error:
            flash(str(error.message), "danger")
        else:
            flash(_("The default reminder policy was saved."), "success")
            return redirect(url_for("reminders.policy"))
    return render_template("reminders/policy.html", form=form, task=None)


@bp.route("/tasks/<int:task_id>/policy", methods=["GET", "POST"])
@roles_required(*STAFF)
def task_policy(task_id: int):
    try:
        page = policies.task_policy_page(task_id)
    except NotFound:
        abort(404)
    form = TaskPolicyForm()
    if request.method == "GET":
        form.fill(page.policy)
        form.use_default.data = page.follows_default
    elif form.validate_on_submit():
        chosen = None if form.use_default.data else form.policy()
        try:
            policies.save_policy(chosen, actor=current_user, now=clock.now(), task_id=task_id)
        except ServiceError as error:
            flash(str(error.message), "danger")
        else:
            flash(_("The task's reminder policy was saved."), "success")
            return redirect(url_for("tasks.detail", task_id=task_id))
    return render_template("reminders/policy.html", form=form, task=page.task)


@bp.post("/tasks/<int:task_id>/nudge")
@roles_required(*STAFF)
def nudge(task_id: int):
    form = NudgeForm()
    if not form.validate_on_submit():
        abort(400)
    unit_id = request.form.get("unit_id", type=int)
    try:
        result = nudges.nudge(
            task_id,
            actor=current_user,
            now=clock.now(),
            settings=settings.current(),
            unit_id=unit_id,
        )
    except ServiceError as error:
        flash(str(error.message), "warning")
    else:
        flash(
            _(
                "Reminders queued: %(queued)s, they will be emailed in a moment; skipped "
                "(already reminded today or no focal point): %(skipped)s.",
                queued=result.queued,
                skipped=result.skipped,
            ),
            "success",
        )
    return redirect(safe_next(request.form.get("next")) or url_for("tasks.detail", task_id=task_id))


@bp.get("/log")
@roles_required(Role.ADMIN)
def log():
    shown = EmailLogFilters(
        state=filters.choice("state", EMAIL_STATES),
        unit_id=request.args.get("unit", type=int),
        task_id=request.args.get("task", type=int),
        day_from=filters.day("from", _("From")),
        day_to=filters.day("to", _("To")),
    )
    found = email_log.email_log(
        shown, page=context.page_number(), per_page=context.per_page(), zone=clock.tz()
    )
    return render_template(
        "reminders/log.html",
        page=found.page,
        failed=found.failed,
        form=RetryForm(),
        state=shown.state,
        states=EMAIL_STATES,
        unit_id=shown.unit_id,
        task_id=shown.task_id,
        day_from=shown.day_from,
        day_to=shown.day_to,
        units=found.units,
        tasks=found.tasks,
    )


@bp.get("/log/<int:email_id>")
@roles_required(Role.ADMIN)
def email(email_id: int):
    try:
        detail = email_log.email_detail(email_id)
    except NotFound:
        abort(404)
    return render_template(
        "reminders/email.html",
        message=detail.message,
        items=detail.items,
        form=RetryForm(),
        FAILED=FAILED,
    )


@bp.post("/log/<int:email_id>/retry")
@roles_required(Role.ADMIN)
def retry_email(email_id: int):
    if not RetryForm().validate_on_submit():
        abort(400)
    if outbox.retry_failed(clock.now(), actor=current_user, ids=[email_id]):
        flash(_("The email is back in the queue: it will be sent again shortly."), "success")
    else:
        flash(_("This email has not failed: there was nothing to retry."), "warning")
    return redirect(
        safe_next(request.form.get("next")) or url_for("reminders.email", email_id=email_id)
    )


@bp.post("/log/retry")
@roles_required(Role.ADMIN)
def retry_all():
    if not RetryForm().validate_on_submit():
        abort(400)
    count = outbox.retry_failed(clock.now(), actor=current_user)
    if count:
        flash(
            ngettext(
                "%(count)s failed email is back in the queue: it will be sent again shortly.",
                "%(count)s failed emails are back in the queue: they will be sent again shortly.",
                count,
                count=i18n.format_number(count),
            ),
            "success",
        )
    else:
        flash(_("No email has failed: there was nothing to retry."), "info")
    return redirect(url_for("reminders.log"))
