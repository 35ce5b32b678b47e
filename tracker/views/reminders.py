"""Reminder pages: the scheduler's status, the email log, policies, nudges."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, exists, select

from tracker import clock
from tracker.auth import roles_required
from tracker.extensions import db
from tracker.forms.reminders import NudgeForm, PolicyForm, TaskPolicyForm
from tracker.models import EmailMessage, Reminder, Role, Task, Unit
from tracker.services.errors import ServiceError
from tracker.services.reminders import load, manage
from tracker.views import context, filters

bp = Blueprint("reminders", __name__, url_prefix="/reminders")
STAFF = (Role.ADMIN, Role.COORDINATOR)


@bp.get("/")
@roles_required(*STAFF)
def status():
    return render_template("reminders/status.html", status=manage.status(clock.now()))


@bp.route("/policy", methods=["GET", "POST"])
@roles_required(*STAFF)
def policy():
    form = PolicyForm()
    if request.method == "GET":
        form.fill(load.default_policy())
    elif form.validate_on_submit():
        try:
            manage.save_policy(form.policy(), actor=current_user, now=clock.now())
        except ServiceError as error:
            flash(str(error.message), "danger")
        else:
            flash(_("The default reminder policy was saved."), "success")
            return redirect(url_for("reminders.policy"))
    return render_template("reminders/policy.html", form=form, task=None)


@bp.route("/tasks/<int:task_id>/policy", methods=["GET", "POST"])
@roles_required(*STAFF)
def task_policy(task_id: int):
    task = db.session.get(Task, task_id) or abort(404)
    form = TaskPolicyForm()
    if request.method == "GET":
        default = load.default_policy()
        own = load.task_policies(default).get(task_id)
        form.fill(own or default)
        form.use_default.data = own is None
    elif form.validate_on_submit():
        chosen = None if form.use_default.data else form.policy()
        try:
            manage.save_policy(chosen, actor=current_user, now=clock.now(), task_id=task_id)
        except ServiceError as error:
            flash(str(error.message), "danger")
        else:
            flash(_("The task's reminder policy was saved."), "success")
            return redirect(url_for("tasks.detail", task_id=task_id))
    return render_template("reminders/policy.html", form=form, task=task)


@bp.post("/tasks/<int:task_id>/nudge")
@roles_required(*STAFF)
def nudge(task_id: int):
    form = NudgeForm()
    if not form.validate_on_submit():
        abort(400)
    unit_id = request.form.get("unit_id", type=int)
    try:
        result = manage.nudge(task_id, actor=current_user, now=clock.now(), unit_id=unit_id)
    except ServiceError as error:
        flash(str(error.message), "warning")
    else:
        flash(
            _(
                "Reminders sent now: %(sent)s; skipped (already reminded today or no focal "
                "point): %(skipped)s; failed: %(failed)s.",
                sent=result.sent,
                skipped=result.skipped,
                failed=result.failed,
            ),
            "success" if not result.failed else "warning",
        )
    target = request.form.get("next") or url_for("tasks.detail", task_id=task_id)
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")


EMAIL_STATES = ("sent", "failed", "pending")


@bp.get("/log")
@roles_required(Role.ADMIN)
def log():
    state = filters.choice("state", EMAIL_STATES)
    unit_id = request.args.get("unit", type=int)
    task_id = request.args.get("task", type=int)
    day_from = filters.day("from", _("From"))
    day_to = filters.day("to", _("To"))
    query = select(EmailMessage)
    if state:
        query = query.where(EmailMessage.state == state)
    if unit_id:
        query = query.where(EmailMessage.unit_id == unit_id)
    if task_id:
        query = query.where(
            exists().where(Reminder.email_id == EmailMessage.id, Reminder.task_id == task_id)
        )
    if day_from:
        query = query.where(EmailMessage.created_at >= clock.start_of_day(day_from))
    if day_to:
        query = query.where(EmailMessage.created_at <= clock.end_of_day(day_to))
    failures_first = case((EmailMessage.state == "failed", 0), else_=1)
    page = context.paginate(query.order_by(failures_first, EmailMessage.created_at.desc()))
    units = db.session.execute(select(Unit.id, Unit.name).order_by(Unit.group, Unit.sort_name))
    tasks = db.session.execute(select(Task.id, Task.title).order_by(Task.id.desc()))
    return render_template(
        "reminders/log.html",
        page=page,
        state=state,
        states=EMAIL_STATES,
        unit_id=unit_id,
        task_id=task_id,
        day_from=day_from,
        day_to=day_to,
        units=units.all(),
        tasks=tasks.all(),
    )


@bp.get("/log/<int:email_id>")
@roles_required(Role.ADMIN)
def email(email_id: int):
    message = db.session.get(EmailMessage, email_id) or abort(404)
    items = db.session.scalars(select(Reminder).where(Reminder.email_id == email_id)).all()
    return render_template("reminders/email.html", message=message, items=items)
