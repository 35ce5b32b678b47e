"""Reminder pages: the scheduler's status, the email log, policies, nudges."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock, settings
from tracker.auth import roles_required
from tracker.forms.reminders import NudgeForm, PolicyForm, TaskPolicyForm
from tracker.models import Role
from tracker.services.errors import NotFound, ServiceError
from tracker.services.reminders import email_log, nudges, policies
from tracker.services.reminders import status as scheduler_status
from tracker.services.reminders.email_log import EMAIL_STATES, EmailLogFilters
from tracker.views import context, filters

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
    target = request.form.get("next") or url_for("tasks.detail", task_id=task_id)
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")


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
    return render_template("reminders/email.html", message=detail.message, items=detail.items)
