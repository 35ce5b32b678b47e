"""The email log through the API (``/api/v1/emails``), for administrators and coordinators as
on the Reminders pages: every outgoing email with its state, attempts and the server's
reply, newest first."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint

from tracker.models import Role
from tracker.models.reminders import EMAIL_STATES
from tracker.services import api_reads
from tracker.views.api.common import (
    INT_MAX,
    LINK_HEADER,
    Moment,
    NewestFirstArgs,
    older_page_link,
    problem,
)
from tracker.views.api.errors_doc import documented

STAFF = frozenset({Role.ADMIN, Role.COORDINATOR})

emails = Blueprint("api_emails", __name__, url_prefix="/api/v1/emails", description="Email log")


class EmailSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    message_id = ma.fields.String(required=True)
    to = ma.fields.String(required=True)
    to_name = ma.fields.String(required=True)
    cc = ma.fields.String(required=True)
    subject = ma.fields.String(required=True)
    language = ma.fields.String(required=True)
    unit_id = ma.fields.Integer(allow_none=True)
    state = ma.fields.String(required=True, metadata={"enum": list(EMAIL_STATES)})
    attempts = ma.fields.Integer(required=True)
    created_at = Moment(required=True)
    sent_at = Moment(allow_none=True)
    next_attempt_at = Moment(allow_none=True)
    reply = ma.fields.String(required=True, metadata={"description": "The server's answer."})
    error = ma.fields.String(required=True)


class EmailList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EmailSchema), required=True)


class EmailArgs(NewestFirstArgs):
    state = ma.fields.String(validate=ma.validate.OneOf(EMAIL_STATES))
    unit = ma.fields.Integer(validate=ma.validate.Range(0, INT_MAX))


@emails.route("")
@emails.arguments(EmailArgs, location="query")
@emails.response(200, EmailList, headers=LINK_HEADER)
@documented(emails, 400, 401, 403, 422, 429)
def list_emails(args):
    """The email log, newest first (administrators and coordinators)."""
    if current_user.role not in STAFF:
        return problem(403)
    page = api_reads.emails(
        state=args.get("state"), unit_id=args.get("unit"), before=args.get("before"),
        limit=args["limit"],
    )  # fmt: skip
    link = older_page_link("api_emails.list_emails", page.next_after)
    return {"items": page.items}, 200, link
