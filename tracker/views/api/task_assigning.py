"""Giving a task to units through ``/api/v1/tasks/{id}/assignments``, as the assign page
does and by its service (``services.tasks.assigning``): whole groups, kinds of unit and
single units, previewed first if the client wishes (who would get it, who has it already,
the due date they would get), then assigned (coordinators)."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user

from tracker import clock
from tracker.domain.deadlines import Deadline
from tracker.models import AssignmentRole, UnitGroup, UnitKind
from tracker.services import api_reads
from tracker.services.tasks import assigning
from tracker.views.api.acting import DUE_RANGE, FIRST_DUE, LAST_DUE, as_token, day_field
from tracker.views.api.common import IDEMPOTENCY_KEY, INT_MAX, idempotent, problem
from tracker.views.api.errors_doc import documented
from tracker.views.api.resources import tasks

UNITS_MAX = 1000  # more ids than the programme has units


class AssignArgs(ma.Schema):
    groups = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf([g.value for g in UnitGroup])),
        load_default=list,
        validate=ma.validate.Length(max=len(UnitGroup)),
        metadata={"description": "Every active unit of these groups."},
    )
    kinds = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf([k.value for k in UnitKind])),
        load_default=list,
        validate=ma.validate.Length(max=len(UnitKind)),
        metadata={"description": "Every active unit of these kinds."},
    )
    unit_ids = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.Range(1, INT_MAX)),
        load_default=list,
        validate=ma.validate.Length(max=UNITS_MAX),
        metadata={"description": "Single active units."},
    )
    role = ma.fields.String(
        load_default=AssignmentRole.LEAD.value,
        validate=ma.validate.OneOf([r.value for r in AssignmentRole]),
        metadata={"description": "Chủ trì (lead, the default) or phối hợp (support)."},
    )
    due_date = day_field(
        FIRST_DUE,
        LAST_DUE,
        DUE_RANGE,
        allow_none=True,
        metadata={"description": "The units' due date (default: the task's deadline)."},
    )


class UnitNameSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class PreviewSchema(ma.Schema):
    task_id = ma.fields.Integer(required=True)
    due_date = ma.fields.Date(allow_none=True)
    new = ma.fields.List(
        ma.fields.Nested(UnitNameSchema),
        required=True,
        metadata={"description": "The units that would get the task."},
    )
    existing = ma.fields.List(
        ma.fields.Nested(UnitNameSchema),
        required=True,
        metadata={"description": "The units that have it already (skipped)."},
    )


class AssignedSchema(ma.Schema):
    task_id = ma.fields.Integer(required=True)
    due_date = ma.fields.Date(allow_none=True)
    created = ma.fields.Integer(required=True)
    assigned = ma.fields.List(ma.fields.Nested(UnitNameSchema), required=True)
    skipped = ma.fields.List(
        ma.fields.Nested(UnitNameSchema),
        required=True,
        metadata={"description": "The units that had the task already."},
    )


def _selection(args: dict) -> assigning.UnitSelection:
    return assigning.UnitSelection(
        groups=frozenset(args["groups"]),
        kinds=frozenset(args["kinds"]),
        unit_ids=frozenset(args["unit_ids"]),
    )


def _due(args: dict) -> Deadline | None:
    due = args.get("due_date")
    return None if due is None else Deadline(due, "", "date")


def _names(units) -> list[dict]:
    return [{"id": u.id, "name": u.name} for u in units]


@tasks.route("/<int(max=2147483647):task_id>/assignments/preview", methods=["POST"])
@tasks.arguments(AssignArgs)
@tasks.response(200, PreviewSchema)
@documented(tasks, 400, 401, 403, 404, 409, 422, 429)
def preview_assignment(args, task_id: int):
    """Who would get the task (``new``), who has it already (``existing``) and the due
    date they would get, as the assign page previews it (coordinators); changes nothing."""
    if api_reads.task(current_user, task_id) is None:
        return problem(404)
    found = []
    refused = as_token(
        lambda: found.append(
            assigning.preview_assignment(
                task_id, _selection(args), actor=current_user, deadline=_due(args)
            )
        )
    )
    if refused is not None:
        return refused
    preview = found[0]
    return {
        "task_id": task_id,
        "due_date": preview.due,
        "new": _names(preview.new),
        "existing": _names(preview.existing),
    }


@tasks.route("/<int(max=2147483647):task_id>/assignments", methods=["POST"])
@idempotent
@tasks.doc(parameters=[IDEMPOTENCY_KEY])
@tasks.arguments(AssignArgs)
@tasks.response(201, AssignedSchema)
@documented(tasks, 400, 401, 403, 404, 409, 422, 429)
def assign_task(args, task_id: int):
    """Give the task to the units chosen (coordinators): whole groups, kinds and single
    units; those that have it already are skipped; each new one is told (and the
    ``assignment.assigned`` webhook sent). None new: 409."""
    task = api_reads.task(current_user, task_id)
    if task is None:
        return problem(404)
    done = []
    refused = as_token(
        lambda: done.append(
            assigning.assign_units(
                task_id,
                _selection(args),
                actor=current_user,
                now=clock.now(),
                role=args["role"],
                deadline=_due(args),
            )
        )
    )
    if refused is not None:
        return refused
    result = done[0]
    due = args.get("due_date") or task.deadline
    return {
        "task_id": task_id,
        "due_date": due,
        "created": result.created,
        "assigned": _names(result.assigned),
        "skipped": _names(result.skipped),
    }, 201
