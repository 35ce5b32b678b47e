"""The token user's own notifications (``/api/v1/notifications``): newest first, a page at a
time, filtered by kind or unread; marking one or all read needs the write permission."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint

from tracker import clock
from tracker.services.errors import NotFound
from tracker.services.notifications import centre
from tracker.services.notifications.kinds import KINDS
from tracker.views.api.common import (
    LINK_HEADER,
    Moment,
    NumberedPageArgs,
    numbered_page_link,
    problem,
)
from tracker.views.api.errors_doc import documented

notifications = Blueprint(
    "api_notifications",
    __name__,
    url_prefix="/api/v1/notifications",
    description="The token user's notifications",
)


class NotificationSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, metadata={"enum": sorted(KINDS)})
    created_at = Moment(required=True)
    read_at = Moment(allow_none=True)
    task_id = ma.fields.Integer(allow_none=True)
    task_title = ma.fields.String(required=True)
    assignment_id = ma.fields.Integer(allow_none=True)
    unit_name = ma.fields.String(required=True)
    actor_name = ma.fields.String(required=True)
    data = ma.fields.Dict(
        required=True, metadata={"description": "What happened: reason, dates..."}
    )


class NotificationPage(ma.Schema):
    count = ma.fields.Integer(required=True)
    items = ma.fields.List(ma.fields.Nested(NotificationSchema), required=True)


class NotificationArgs(NumberedPageArgs):
    kind = ma.fields.String(validate=ma.validate.OneOf(sorted(KINDS)))
    unread = ma.fields.Boolean()


class Marked(ma.Schema):
    marked = ma.fields.Integer(required=True)


@notifications.route("")
@notifications.arguments(NotificationArgs, location="query")
@notifications.response(200, NotificationPage, headers=LINK_HEADER)
@documented(notifications, 400, 401, 403, 422, 429)
def list_notifications(args):
    """The token user's notifications, newest first."""
    filters = centre.Filters(args.get("kind", ""), args.get("unread", False))
    found = centre.page(current_user.id, filters, number=args["page"], size=args["limit"])
    link = numbered_page_link("api_notifications.list_notifications", args, found.total)
    return {"count": found.total, "items": found.items}, 200, link


@notifications.route("/<int(max=2147483647):notification_id>/read", methods=["POST"])
@notifications.response(204)
@documented(notifications, 400, 401, 403, 404, 429)
def mark_read(notification_id: int):
    """Mark one of the token user's notifications read."""
    try:
        centre.mark_read(current_user.id, notification_id, now=clock.now())
    except NotFound:
        return problem(404)
    return None


@notifications.route("/read", methods=["POST"])
@notifications.response(200, Marked)
@documented(notifications, 400, 401, 403, 429)
def mark_all_read():
    """Mark every unread notification of the token user read."""
    return {"marked": centre.mark_all_read(current_user.id, now=clock.now())}
