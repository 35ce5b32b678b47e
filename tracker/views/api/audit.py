"""The audit log through the API (``/api/v1/audit``): administrators' tokens with the
administration permission, newest first, filtered as the Administration page filters it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app, g
from flask_login import current_user
from flask_smorest import Blueprint

from tracker.models import Role
from tracker.services import api_tokens
from tracker.services.admin import audit as audit_service
from tracker.views.api.common import (
    INT_MAX,
    LINK_HEADER,
    Moment,
    NumberedPageArgs,
    numbered_page_link,
    problem,
)
from tracker.views.api.errors_doc import documented

audit = Blueprint("api_audit", __name__, url_prefix="/api/v1/audit", description="Audit log")


class EventSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    at = Moment(required=True)
    actor_id = ma.fields.Integer(allow_none=True)
    assignment_id = ma.fields.Integer(allow_none=True)
    task_id = ma.fields.Integer(allow_none=True)
    unit_id = ma.fields.Integer(allow_none=True)
    target = ma.fields.String(allow_none=True)
    from_state = ma.fields.String(allow_none=True)
    to_state = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    data = ma.fields.Dict(allow_none=True)


class EventPage(ma.Schema):
    count = ma.fields.Integer(required=True)
    items = ma.fields.List(ma.fields.Nested(EventSchema), required=True)


class AuditArgs(NumberedPageArgs):
    kind = ma.fields.String(validate=ma.validate.Length(max=30))
    actor = ma.fields.Integer(validate=ma.validate.Range(0, INT_MAX))
    unit = ma.fields.Integer(validate=ma.validate.Range(0, INT_MAX))
    task = ma.fields.Integer(validate=ma.validate.Range(0, INT_MAX))
    date_from = ma.fields.Date()
    date_to = ma.fields.Date()


@audit.route("")
@audit.arguments(AuditArgs, location="query")
@audit.response(200, EventPage, headers=LINK_HEADER)
@documented(audit, 400, 401, 403, 422, 429)
def list_events(args):
    """The audit log, newest first (administrators, with the administration permission)."""
    if current_user.role != Role.ADMIN or api_tokens.ADMIN not in g.api_token.scope_list:
        return problem(403)
    filters = audit_service.AuditFilters(
        actor_id=args.get("actor"),
        unit_id=args.get("unit"),
        task_id=args.get("task"),
        kind=args.get("kind") or None,
        date_from=args.get("date_from"),
        date_to=args.get("date_to"),
    )
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    found = audit_service.audit_page(current_user, filters, zone, args["page"], args["limit"])
    page = found.page
    link = numbered_page_link("api_audit.list_events", args, page.total)
    return {"count": page.total, "items": page.items}, 200, link
