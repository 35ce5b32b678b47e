"""The read endpoints of ``/api/v1``: units, tasks and assignments, as the token's user
may see them (a focal point: their own unit only; another unit's ids answer 404)."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint

from tracker import clock, settings
from tracker.domain.status import AssignmentState, TimeStatus
from tracker.models import UnitGroup
from tracker.services import api_reads
from tracker.services.assignments.pages import evidence_of
from tracker.views.api.acting import (
    ETAG_HEADER,
    digest_etag,
    etag,
)
from tracker.views.api.common import (
    INT_MAX,
    LINK_HEADER,
    Moment,
    PageArgs,
    link_header,
    parse_moment,
    problem,
)
from tracker.views.api.errors_doc import documented

ERRORS_LIST = (400, 401, 403, 422, 429)
ERRORS_ONE = (400, 401, 403, 404, 429)


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


# What an administrator may set on a unit (``services.admin.units.UnitFields``).
ADMIN_FIELDS = ("code", "name", "kind", "group", "short_name", "name_en", "head_email",
                "valid_from", "valid_to", "successor_id")  # fmt: skip


def unit_etag(unit) -> str:
    """Return a unit's ETag: units have no version column, so a digest of what an
    administrator may change on it (``PATCH`` sends it back)."""
    return digest_etag({name: getattr(unit, name) for name in (*ADMIN_FIELDS, "active", "id")})


def read_unit(unit_id: int):
    """Answer one unit with its ETag (``GET /units/{id}``, routed with its ``PATCH`` in
    ``unit_writes``: one URL rule per URL, or Werkzeug answers 405 for an id too large
    for its converter)."""
    found = api_reads.unit(current_user, unit_id)
    return (found, 200, {"ETag": unit_etag(found)}) if found is not None else problem(404)


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
    deadline_day_off_rolls = ma.fields.Boolean(allow_none=True)
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


def read_task(task_id: int):
    """Answer one task with its ETag (``GET /tasks/{id}``, routed with its ``PATCH`` in
    ``task_writes``, as ``read_unit``)."""
    found = api_reads.task(current_user, task_id)
    return (found, 200, {"ETag": etag(found)}) if found is not None else problem(404)


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


class EvidenceFileSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    filename = ma.fields.String(required=True)
    content_type = ma.fields.String(required=True)
    size = ma.fields.Integer(required=True)
    sha256 = ma.fields.String(required=True)
    url = ma.fields.Url(required=True, metadata={"description": "Its download."})


class EvidenceSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    doc_number = ma.fields.String(required=True, metadata={"description": "Số ký hiệu."})
    doc_date = ma.fields.Date(allow_none=True)
    signer = ma.fields.String(required=True)
    summary = ma.fields.String(required=True, metadata={"description": "Trích yếu."})
    uploaded_by_id = ma.fields.Integer(allow_none=True)
    uploaded_at = Moment(required=True)
    files = ma.fields.List(ma.fields.Nested(EvidenceFileSchema), required=True)


class AssignmentDetail(AssignmentSchema):
    evidence = ma.fields.List(
        ma.fields.Nested(EvidenceSchema),
        required=True,
        metadata={"description": "The completion reports' evidence, the newest first."},
    )


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


def as_of():
    config = settings.current()
    return api_reads.as_of_today(clock.today(), config.due_soon_days, config.day_off_rolls)


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
        current_user, filters, as_of(), after=args.get("after"), limit=args["limit"]
    )
    items = [_with_status(row) for row in page.items]
    return (
        {"items": items},
        200,
        link_header("api_assignments.list_assignments", page.next_after),
    )


@assignments.route("/<int(max=2147483647):assignment_id>")
@assignments.response(200, AssignmentDetail, headers=ETAG_HEADER)
@documented(assignments, *ERRORS_ONE)
def get_assignment(assignment_id: int):
    """One assignment, with its time status today; its ETag is what writes send back."""
    row = api_reads.assignment(current_user, assignment_id, as_of())
    if row is None:
        return problem(404)
    return detail(row)


def detail(row) -> tuple:
    """Answer one assignment (as ``api_reads.assignment`` read it) with its evidence, the
    newest first, and its ETag."""
    found = _with_status(row)
    found.evidence = [_evidence(e) for e in evidence_of([found.id])[found.id]]
    return found, 200, {"ETag": etag(found)}


def _evidence(document) -> dict:
    files = [
        {
            "id": f.id,
            "filename": f.filename,
            "content_type": f.content_type,
            "size": f.size,
            "sha256": f.sha256,
            "url": url_for(
                "api_assignments.download_evidence",
                assignment_id=document.assignment_id,
                file_id=f.id,
                _external=True,
            ),
        }
        for f in document.files
    ]
    fields = ("id", "doc_number", "doc_date", "signer", "summary", "uploaded_by_id", "uploaded_at")
    return {name: getattr(document, name) for name in fields} | {"files": files}


BLUEPRINTS = (units, tasks, assignments)
