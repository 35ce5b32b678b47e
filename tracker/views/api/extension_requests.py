"""Extensions (gia hạn) through the API, as the pages handle them and by the same services:
a unit's focal point asks for a later due date (``POST /assignments/{id}/extensions``);
coordinators approve (the due date moves) or reject it with the reason the unit sees;
everyone reads the requests of the assignments they may see (``/extensions``)."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint

from tracker import clock
from tracker.services import api_reads
from tracker.services.assignments import due_dates
from tracker.views.api.acting import (
    ANY,
    DUE_RANGE,
    ETAG_HEADER,
    FIRST_DUE,
    LAST_DUE,
    as_token,
    day_field,
    etag,
    if_match,
    text_field,
    version_asked,
)
from tracker.views.api.common import (
    IDEMPOTENCY_KEY,
    INT_MAX,
    LINK_HEADER,
    Moment,
    PageArgs,
    idempotent,
    link_header,
    problem,
)
from tracker.views.api.errors_doc import documented
from tracker.views.api.resources import as_of, assignments

STATES = (due_dates.PENDING, due_dates.APPROVED, due_dates.REJECTED, "closed")
ERRORS_DECIDE = (400, 401, 403, 404, 409, 412, 422, 428, 429)
# A request's ETag is its assignment's version: a decision on a request read before the
# assignment changed (its due date moved, its report sent) would decide on stale facts.
IF_MATCH_REQUEST = if_match("the extension request (its assignment's version)")
NO_REQUEST_ETAG = _l("Send the extension request's ETag in If-Match.")

extensions = Blueprint(
    "api_extensions", __name__, url_prefix="/api/v1/extensions", description="Extensions"
)


class ExtensionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    assignment_id = ma.fields.Integer(required=True)
    task_id = ma.fields.Integer(required=True)
    unit_id = ma.fields.Integer(required=True)
    state = ma.fields.String(
        required=True,
        metadata={
            "enum": list(STATES),
            "description": "closed: the unit merged into another before a decision.",
        },
    )
    requested_by_id = ma.fields.Integer(required=True)
    requested_at = Moment(required=True)
    current_due = ma.fields.Date(allow_none=True, metadata={"description": "When asked."})
    requested_due = ma.fields.Date(required=True)
    reason = ma.fields.String(required=True)
    decided_by_id = ma.fields.Integer(allow_none=True)
    decided_at = Moment(allow_none=True)
    decision_note = ma.fields.String(required=True)


class ExtensionList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ExtensionSchema), required=True)


class ExtensionArgs(PageArgs):
    state = ma.fields.String(validate=ma.validate.OneOf(STATES))
    task = ma.fields.Integer(validate=ma.validate.Range(0, INT_MAX))
    unit = ma.fields.Integer(validate=ma.validate.Range(0, INT_MAX))
    assignment = ma.fields.Integer(validate=ma.validate.Range(0, INT_MAX))


class RequestArgs(ma.Schema):
    due_date = day_field(
        FIRST_DUE, LAST_DUE, DUE_RANGE, required=True, metadata={"description": "Asked for."}
    )
    reason = text_field()


class ApproveArgs(ma.Schema):
    note = text_field(required=False)


class RejectArgs(ma.Schema):
    reason = text_field()


_FIELDS = tuple(ExtensionSchema().fields)


def _answer(row) -> dict:
    request, task_id, unit_id = row
    values = {name: getattr(request, name, None) for name in _FIELDS}
    return values | {"task_id": task_id, "unit_id": unit_id}


@extensions.route("")
@extensions.arguments(ExtensionArgs, location="query")
@extensions.response(200, ExtensionList, headers=LINK_HEADER)
@documented(extensions, 400, 401, 403, 422, 429)
def list_extensions(args):
    """The extension requests of the assignments the token may see, in id order
    (``state=pending``: those waiting for a decision)."""
    filters = api_reads.ExtensionFilters(
        state=args.get("state"),
        task_id=args.get("task"),
        unit_id=args.get("unit"),
        assignment_id=args.get("assignment"),
    )
    page = api_reads.extension_requests(
        current_user, filters, after=args.get("after"), limit=args["limit"]
    )
    items = [_answer(row) for row in page.items]
    return {"items": items}, 200, link_header("api_extensions.list_extensions", page.next_after)


def _tagged(row) -> tuple:
    return _answer(row), 200, {"ETag": etag(row[0].assignment)}


@extensions.route("/<int(max=2147483647):request_id>")
@extensions.response(200, ExtensionSchema, headers=ETAG_HEADER)
@documented(extensions, 400, 401, 403, 404, 429)
def get_extension(request_id: int):
    """One extension request; its ETag (its assignment's version) is what a decision
    sends back."""
    row = api_reads.extension_request(current_user, request_id)
    return _tagged(row) if row is not None else problem(404)


def _decide(request_id: int, decision):
    """Decide a request the token may see at the version read, then answer it as it now
    stands; one already decided (or no longer open to the decision) is a conflict, not a
    change; one whose assignment changed since it was read is stale (412)."""
    if api_reads.extension_request(current_user, request_id) is None:
        return problem(404)
    version = version_asked()
    if version is None:
        return problem(428, NO_REQUEST_ETAG)
    refused = as_token(
        lambda: decision(None if version == ANY else version),
        conflicts=(due_dates.AlreadyDecided,),
    )
    if refused is not None:
        return refused
    return _tagged(api_reads.extension_request(current_user, request_id))


@extensions.route("/<int(max=2147483647):request_id>/approve", methods=["POST"])
@extensions.doc(parameters=[IF_MATCH_REQUEST])
@extensions.arguments(ApproveArgs, required=False)
@extensions.response(200, ExtensionSchema, headers=ETAG_HEADER)
@documented(extensions, *ERRORS_DECIDE)
def approve_extension(args, request_id: int):
    """Approve a pending request (coordinators): the requested date becomes the due date in
    force; an optional note."""
    return _decide(
        request_id,
        lambda version: due_dates.approve(
            request_id, current_user, clock.now(), args.get("note", ""), version=version
        ),
    )


@extensions.route("/<int(max=2147483647):request_id>/reject", methods=["POST"])
@extensions.doc(parameters=[IF_MATCH_REQUEST])
@extensions.arguments(RejectArgs)
@extensions.response(200, ExtensionSchema, headers=ETAG_HEADER)
@documented(extensions, *ERRORS_DECIDE)
def reject_extension(args, request_id: int):
    """Refuse a pending request with the reason the unit will see (coordinators)."""
    return _decide(
        request_id,
        lambda version: due_dates.reject(
            request_id, current_user, clock.now(), args["reason"], version=version
        ),
    )


@assignments.route("/<int(max=2147483647):assignment_id>/extensions", methods=["POST"])
@idempotent
@assignments.doc(parameters=[IDEMPOTENCY_KEY])
@assignments.arguments(RequestArgs)
@assignments.response(
    201,
    ExtensionSchema,
    headers={"Location": {"description": "The request", "schema": {"type": "string"}}},
)
@documented(assignments, 400, 401, 403, 404, 409, 422, 429)
def request_extension(args, assignment_id: int):
    """Ask for a later due date, with the reason (the unit's focal point); one request waits
    for a decision at a time."""
    if api_reads.assignment(current_user, assignment_id, as_of()) is None:
        return problem(404)
    now = clock.now()
    made = []
    refused = as_token(
        lambda: made.append(
            due_dates.request_extension(
                assignment_id,
                current_user,
                now,
                args["due_date"],
                args["reason"],
                today=clock.local_date(now),
            )
        )
    )
    if refused is not None:
        return refused
    location = url_for("api_extensions.get_extension", request_id=made[0].id, _external=True)
    return (
        _answer(api_reads.extension_request(current_user, made[0].id)),
        201,
        {"Location": location},
    )
