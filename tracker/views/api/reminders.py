"""The reminder ledger through the API (``/api/v1/reminders``): every reminder written, one
row per assignment, recipient, stage and day, with its state (queued, sent, failed,
cancelled when it no longer applied): the proof that a unit was reminded. Administrators
and coordinators read all of it, as the email log; the others the reminders of the
assignments they may see, as the assignment page shows them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app
from flask_login import current_user
from flask_smorest import Blueprint

from tracker.services import api_reads
from tracker.views.api.acting import DUE_RANGE, FIRST_DUE, LAST_DUE, day_field
from tracker.views.api.common import INT_MAX, LINK_HEADER, Moment, NewestFirstArgs, older_page_link
from tracker.views.api.errors_doc import documented

STATES = ("queued", "sent", "failed", "cancelled")

reminders = Blueprint(
    "api_reminders", __name__, url_prefix="/api/v1/reminders", description="Reminder ledger"
)


class ReminderSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(
        required=True, metadata={"description": "assignment, digest, weekly or nudge."}
    )
    assignment_id = ma.fields.Integer(allow_none=True)
    task_id = ma.fields.Integer(allow_none=True)
    unit_id = ma.fields.Integer(allow_none=True)
    recipient = ma.fields.String(required=True)
    copy = ma.fields.Boolean(required=True, metadata={"description": "In Cc of the email."})
    stage = ma.fields.String(
        required=True, metadata={"description": "before_7, due, overdue_3, escalation..."}
    )
    day = ma.fields.Date(
        required=True, metadata={"description": "The due date in force it reminds of."}
    )
    state = ma.fields.String(required=True, metadata={"enum": list(STATES)})
    last_error = ma.fields.String(required=True)
    claimed_at = Moment(required=True, metadata={"description": "When it was written."})
    sent_at = Moment(allow_none=True)
    email_id = ma.fields.Integer(allow_none=True)


class ReminderList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ReminderSchema), required=True)


class ReminderArgs(NewestFirstArgs):
    task = ma.fields.Integer(validate=ma.validate.Range(0, INT_MAX))
    unit = ma.fields.Integer(validate=ma.validate.Range(0, INT_MAX))
    assignment = ma.fields.Integer(validate=ma.validate.Range(0, INT_MAX))
    state = ma.fields.String(validate=ma.validate.OneOf(STATES))
    stage = ma.fields.String(validate=ma.validate.Length(max=30))
    date_from = day_field(
        FIRST_DUE, LAST_DUE, DUE_RANGE, metadata={"description": "Written on this day or later."}
    )
    date_to = day_field(
        FIRST_DUE, LAST_DUE, DUE_RANGE, metadata={"description": "Written on this day or before."}
    )


@reminders.route("")
@reminders.arguments(ReminderArgs, location="query")
@reminders.response(200, ReminderList, headers=LINK_HEADER)
@documented(reminders, 400, 401, 403, 422, 429)
def list_reminders(args):
    """The reminder ledger, newest first, filtered by task, unit, assignment, state, stage
    and the days the reminders were written."""
    filters = api_reads.ReminderFilters(
        task_id=args.get("task"),
        unit_id=args.get("unit"),
        assignment_id=args.get("assignment"),
        state=args.get("state"),
        stage=args.get("stage") or None,
        day_from=args.get("date_from"),
        day_to=args.get("date_to"),
    )
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    page = api_reads.reminders(
        current_user, filters, zone, before=args.get("before"), limit=args["limit"]
    )
    link = older_page_link("api_reminders.list_reminders", page.next_after)
    return {"items": page.items}, 200, link
