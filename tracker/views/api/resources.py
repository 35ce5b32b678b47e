"""The read endpoints of ``/api/v1``: units, tasks and assignments, as the token's user
may see them (a focal point: their own unit only; another unit's ids answer 404)."""

from __future__ import annotations

import re

import marshmallow as ma
from flask import abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint

from tracker import clock, settings
from tracker.domain.status import AssignmentState, TimeStatus
from tracker.models import UnitGroup
from tracker.services import api_reads, events
from tracker.services.assignments import workflow
from tracker.services.errors import NotAllowed, NotFound, ServiceError, StaleEdit
from tracker.views.api.common import (
    IDEMPOTENCY_KEY,
    INT_MAX,
    LINK_HEADER,
    Moment,
    PageArgs,
    idempotent,
    link_header,
    parse_moment,
    problem,
)
from tracker.views.api.errors_doc import documented

ERRORS_LIST = (400, 401, 403, 422, 429)
ERRORS_ONE = (400, 401, 403, 404, 429)


ETAG_HEADER = {"ETag": {"description": "The version, for If-Match", "schema": {"type": "string"}}}


# ----------------------------------------------------------------------------- units

units = Blueprint("api_units", __name__, url_prefix="/api/v1/units", description="Units")


class UnitSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    name_en = ma.fields.String(allow_none=True)
    kind = ma.fields.String(required=True)
    group = ma.fields.String(required=True, metadata={"enum": [g.value for g in UnitGroup]})
    active = ma.fields.Boolean(required=True)
    valid_from = ma.fields.Date(allow_none=True)
    valid_to = ma.fields.Date(allow_none=True)
    successor_id = ma.fields.Integer(allow_none=True)


class UnitList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(UnitSchema), required=True)


class UnitArgs(PageArgs):
    group = ma.fields.String(validate=ma.validate.OneOf([g.value for g in UnitGroup]))


@units.route("")
@units.arguments(UnitArgs, location="query")
@units.response(200, UnitList, headers=LINK_HEADER)
@documented(units, *ERRORS_LIST)
def list_units(args):
    """The units the token may see, in id order, a page at a time."""
    page = api_reads.units(
        current_user, after=args.get("after"), limit=args["limit"], group=args.get("group")
    )
    return {"items": page.items}, 200, link_header("api_units.list_units", page.next_after)


@units.route("/<int(max=2147483647):unit_id>")
@units.response(200, UnitSchema)
@documented(units, *ERRORS_ONE)
def get_unit(unit_id: int):
    """One unit."""
    found = api_reads.unit(current_user, unit_id)
    return found if found is not None else problem(404)


# ----------------------------------------------------------------------------- tasks

tasks = Blueprint("api_tasks", __name__, url_prefix="/api/v1/tasks", description="Tasks")


class TaskSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    source_document = ma.fields.String(required=True)
    source_number = ma.fields.String(allow_none=True)
    source_date = ma.fields.Date(allow_none=True)
    field = ma.fields.String(required=True)
    priority = ma.fields.Boolean(required=True)
    deadline = ma.fields.Date(allow_none=True)
    deadline_wording = ma.fields.String(required=True)
    owner_id = ma.fields.Integer(allow_none=True)
    created_at = Moment(required=True)
    updated_at = Moment(required=True)
    closed_at = Moment(allow_none=True)
    version = ma.fields.Integer(required=True)


class TaskList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TaskSchema), required=True)


class TaskArgs(PageArgs):
    open = ma.fields.Boolean(metadata={"description": "Only tasks not closed."})


@tasks.route("")
@tasks.arguments(TaskArgs, location="query")
@tasks.response(200, TaskList, headers=LINK_HEADER)
@documented(tasks, *ERRORS_LIST)
def list_tasks(args):
    """The tasks the token may see (a focal point's: those given to its unit)."""
    page = api_reads.tasks(
        current_user,
        after=args.get("after"),
        limit=args["limit"],
        open_only=args.get("open", False),
    )
    return {"items": page.items}, 200, link_header("api_tasks.list_tasks", page.next_after)


@tasks.route("/<int(max=2147483647):task_id>")
@tasks.response(200, TaskSchema)
@documented(tasks, *ERRORS_ONE)
def get_task(task_id: int):
    """One task."""
    found = api_reads.task(current_user, task_id)
    return found if found is not None else problem(404)


# ----------------------------------------------------------------------------- assignments

assignments = Blueprint(
    "api_assignments", __name__, url_prefix="/api/v1/assignments", description="Assignments"
)


class AssignmentSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    task_id = ma.fields.Integer(required=True)
    unit_id = ma.fields.Integer(required=True)
    role = ma.fields.String(required=True)
    state = ma.fields.String(required=True, metadata={"enum": [s.value for s in AssignmentState]})
    status = ma.fields.String(
        required=True,
        metadata={
            "enum": [s.value for s in TimeStatus],
            "description": "How it stands against its deadline today.",
        },
    )
    due_date = ma.fields.Date(allow_none=True)
    original_due_date = ma.fields.Date(allow_none=True)
    submitted_on = ma.fields.Date(allow_none=True)
    completed_at = Moment(allow_none=True)
    returned_at = Moment(allow_none=True)
    transferred_to_id = ma.fields.Integer(allow_none=True)
    created_at = Moment(required=True)
    updated_at = Moment(required=True)
    version = ma.fields.Integer(required=True)


class AssignmentList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AssignmentSchema), required=True)


class AssignmentArgs(PageArgs):
    task = ma.fields.Integer(validate=ma.validate.Range(0, INT_MAX))
    unit = ma.fields.Integer(validate=ma.validate.Range(0, INT_MAX))
    group = ma.fields.String(validate=ma.validate.OneOf([g.value for g in UnitGroup]))
    state = ma.fields.String(validate=ma.validate.OneOf([s.value for s in AssignmentState]))
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in TimeStatus]))
    due_from = ma.fields.Date()
    due_to = ma.fields.Date()
    updated_since = ma.fields.AwareDateTime(default_timezone=None, format="iso")


class _WithStatus:
    """An assignment read with its time status, for ``AssignmentSchema``."""

    def __init__(self, row) -> None:
        self._assignment, self.status = row

    def __getattr__(self, name):
        return getattr(self._assignment, name)


def _with_status(row) -> _WithStatus:
    return _WithStatus(row)


def _as_of():
    config = settings.current()
    return api_reads.as_of_today(clock.today(), config.due_soon_days)


@assignments.route("")
@assignments.arguments(AssignmentArgs, location="query")
@assignments.response(200, AssignmentList, headers=LINK_HEADER)
@documented(assignments, *ERRORS_LIST)
def list_assignments(args):
    """The assignments the token may see, filtered, in id order, a page at a time."""
    since = args.get("updated_since")
    filters = api_reads.AssignmentFilters(
        task_id=args.get("task"),
        unit_id=args.get("unit"),
        group=args.get("group"),
        state=args.get("state"),
        status=args.get("status"),
        due_from=args.get("due_from"),
        due_to=args.get("due_to"),
        updated_since=parse_moment(since) if since is not None else None,
    )
    page = api_reads.assignments(
        current_user, filters, _as_of(), after=args.get("after"), limit=args["limit"]
    )
    items = [_with_status(row) for row in page.items]
    return (
        {"items": items},
        200,
        link_header("api_assignments.list_assignments", page.next_after),
    )


@assignments.route("/<int(max=2147483647):assignment_id>")
@assignments.response(200, AssignmentSchema, headers=ETAG_HEADER)
@documented(assignments, *ERRORS_ONE)
def get_assignment(assignment_id: int):
    """One assignment, with its time status today; its ETag is what writes send back."""
    row = api_reads.assignment(current_user, assignment_id, _as_of())
    if row is None:
        return problem(404)
    found = _with_status(row)
    return found, 200, {"ETag": etag(found)}


# ----------------------------------------------------------------------------- actions
#
# Writes check the version the client read: send the assignment's ETag back in If-Match.
# None (428), or an older one (412: someone changed it meanwhile), changes nothing.

ERRORS_WRITE = (400, 401, 403, 404, 409, 412, 422, 428, 429)
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string", "pattern": r'^(\*|(W/)?"v[0-9]{1,9}")$'},
    "description": 'The ETag the assignment was read with (or "*": whatever its version).',
}


def etag(assignment) -> str:
    return f'"v{assignment.version}"'


ANY = -1  # If-Match: * (whatever the version)


def _version_asked() -> int | None:
    """Return the version If-Match names (``ANY`` for "*"), None when the header is
    missing; abort 412 on one that names no version of ours."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    if header.strip() == "*":
        return ANY
    match = re.fullmatch(r'\s*(?:W/)?"v(\d{1,9})"\s*', header)
    if match is None:
        abort(412)
    return int(match.group(1))


def _as_token(run):
    """Run a service call as a change made through the request's token; return the
    problem its refusal answers, or None when it was done."""
    try:
        with events.through_token(g.api_token.name):
            run()
    except StaleEdit:
        return problem(412, _l("The assignment changed since it was read: read it again."))
    except NotFound:
        return problem(404)
    except NotAllowed:
        return problem(403, _l("The token's user may not do this."))
    except ServiceError as error:
        return problem(409, error.message)
    return None


def _act(assignment_id: int, action) -> tuple:
    """Run a version-checked action; answer the assignment as it now stands. Another
    unit's assignment answers 404 whatever the action, as reading it would."""
    as_of = _as_of()
    if api_reads.assignment(current_user, assignment_id, as_of) is None:
        return problem(404)
    version = _version_asked()
    if version is None:
        return problem(428, _l("Send the assignment's ETag in If-Match."))
    if version == ANY:
        version = None  # the services check no version then
    refused = _as_token(lambda: action(version))
    if refused is not None:
        return refused
    found = _with_status(api_reads.assignment(current_user, assignment_id, as_of))
    return found, 200, {"ETag": etag(found)}


# Text a database can store: no control characters (tab and line breaks aside), and not
# only spaces. The same pattern is in the OpenAPI description, so clients see the rule.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
# (Spaces spelled out: a regex's \s matches other characters in Python than in JSON Schema.)
STORABLE_TEXT = rf"^[^{_CONTROL}]*[^ \t\n\r{_CONTROL}][^{_CONTROL}]*$"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(text: str) -> None:
    if _SURROGATE.search(text):
        raise ma.ValidationError(str(_l("The text holds characters that cannot be stored.")))


def _text_field() -> ma.fields.String:
    message = str(_l("Write a text without control characters."))
    return ma.fields.String(
        required=True,
        validate=[
            ma.validate.Length(min=1, max=5000),
            ma.validate.Regexp(STORABLE_TEXT, error=message),
            _no_surrogates,
        ],
    )


class ReasonArgs(ma.Schema):
    reason = _text_field()


class NoteArgs(ma.Schema):
    note = _text_field()


@assignments.route("/<int(max=2147483647):assignment_id>/start", methods=["POST"])
@assignments.doc(parameters=[IF_MATCH])
@assignments.response(200, AssignmentSchema, headers=ETAG_HEADER)
@documented(assignments, *ERRORS_WRITE)
def start_assignment(assignment_id: int):
    """Start work (the unit's focal point)."""
    return _act(
        assignment_id,
        lambda version: workflow.start(assignment_id, current_user, clock.now(), version),
    )


@assignments.route("/<int(max=2147483647):assignment_id>/confirm", methods=["POST"])
@assignments.doc(parameters=[IF_MATCH])
@assignments.response(200, AssignmentSchema, headers=ETAG_HEADER)
@documented(assignments, *ERRORS_WRITE)
def confirm_assignment(assignment_id: int):
    """Confirm a submitted report (coordinators)."""
    return _act(
        assignment_id,
        lambda version: workflow.confirm(assignment_id, current_user, clock.now(), version),
    )


@assignments.route("/<int(max=2147483647):assignment_id>/return", methods=["POST"])
@assignments.doc(parameters=[IF_MATCH])
@assignments.arguments(ReasonArgs)
@assignments.response(200, AssignmentSchema, headers=ETAG_HEADER)
@documented(assignments, *ERRORS_WRITE)
def return_assignment(args, assignment_id: int):
    """Send a submitted report back to the unit, with the reason it will see (coordinators)."""
    return _act(
        assignment_id,
        lambda version: workflow.return_submission(
            assignment_id, current_user, clock.now(), version, args["reason"]
        ),
    )


@assignments.route("/<int(max=2147483647):assignment_id>/notes", methods=["POST"])
@idempotent
@assignments.doc(parameters=[IDEMPOTENCY_KEY])
@assignments.arguments(NoteArgs)
@assignments.response(204)
@documented(assignments, 400, 401, 403, 404, 409, 422, 429)
def add_note(args, assignment_id: int):
    """Add a progress note to the assignment's timeline (its focal point or a coordinator)."""
    if api_reads.assignment(current_user, assignment_id, _as_of()) is None:
        return problem(404)
    return _as_token(
        lambda: workflow.add_note(assignment_id, current_user, clock.now(), args["note"])
    )


BLUEPRINTS = (units, tasks, assignments)
