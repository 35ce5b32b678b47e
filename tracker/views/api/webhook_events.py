"""The webhooks' bodies in the OpenAPI description (3.1's ``webhooks``): the envelope every
event shares (``WebhookEvent``) and, per event type, what its ``data`` holds, so that a
receiver can check what it is sent (the tests check what a real receiver got against it)."""

from __future__ import annotations

import marshmallow as ma

from tracker.models import AssignmentRole
from tracker.services import webhooks

ID = ma.fields.Integer
DAY = ma.fields.Date


def _nullable_id(description: str = "") -> ma.fields.Integer:
    return ID(required=True, allow_none=True, metadata={"description": description})


class WebhookEventData(ma.Schema):
    task_id = _nullable_id("null for an event about no one task (unit.merged).")
    unit_id = _nullable_id("null for an event about a whole task (task.*, assignment.overdue).")
    assignment_id = _nullable_id("null for an event about several assignments or none.")

    class Meta:
        unknown = ma.INCLUDE  # and what the event adds: a reason, dates, changed fields


class WebhookEvent(ma.Schema):
    id = ma.fields.UUID(required=True, metadata={"description": "Same on a redelivery."})
    type = ma.fields.String(required=True, metadata={"enum": list(webhooks.TYPES)})
    occurred_at = ma.fields.DateTime(required=True)
    data = ma.fields.Nested(WebhookEventData, required=True)


# ------------------------------------------------------------------ each type's data


class AssignedData(WebhookEventData):
    role = ma.fields.String(required=True, metadata={"enum": [r.value for r in AssignmentRole]})
    due = DAY(required=True, allow_none=True)


class TaskCreatedData(WebhookEventData):
    title = ma.fields.String(required=True)
    field = ma.fields.String(required=True)
    priority = ma.fields.Boolean(required=True)
    deadline = DAY(required=True, allow_none=True)
    deadline_wording = ma.fields.String(required=True)
    source_document = ma.fields.String(required=True)
    source_number = ma.fields.String(required=True, allow_none=True)
    source_date = DAY(required=True, allow_none=True)
    owner_id = ID(required=True, allow_none=True)


class TaskChangedData(WebhookEventData):
    fields = ma.fields.List(ma.fields.String(), required=True)
    changes = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.Raw(allow_none=True)),
        required=True,
        metadata={"description": "Each changed field as [old, new] (closed_at when closed)."},
    )
    moved_due_dates = ma.fields.Integer(
        metadata={"description": "Open assignments whose due date moved with the deadline."}
    )


class DueChangedData(WebhookEventData):
    old = DAY(required=True, allow_none=True)
    new = DAY(required=True, allow_none=True)
    note = ma.fields.String(metadata={"description": "The coordinator's reason."})
    task_deadline = ma.fields.Boolean(metadata={"description": "Moved with the task's deadline."})


class SubmittedData(WebhookEventData):
    doc_number = ma.fields.String(required=True)
    submitted_on = DAY(required=True)


class ReturnedData(WebhookEventData):
    reason = ma.fields.String(required=True)


class OverdueItem(ma.Schema):
    assignment_id = ID(required=True)
    unit_id = ID(required=True)
    due_date = DAY(required=True)


class OverdueData(WebhookEventData):
    overdue_on = DAY(required=True, metadata={"description": "The day they are judged overdue."})
    part = ma.fields.Integer(required=True)
    parts = ma.fields.Integer(
        required=True, metadata={"description": "A task's list comes in parts of 500 at most."}
    )
    assignments = ma.fields.List(ma.fields.Nested(OverdueItem), required=True)


class ExtensionRequestedData(WebhookEventData):
    request_id = ID(required=True)
    current = DAY(required=True)
    requested = DAY(required=True)
    reason = ma.fields.String(required=True)


class ExtensionDecidedData(WebhookEventData):
    request_id = ID(required=True)
    approved = ma.fields.Boolean(required=True)
    requested = DAY(required=True)
    new = DAY(metadata={"description": "The due date now in force (approved only)."})
    note = ma.fields.String(required=True)


class UnitRef(ma.Schema):
    id = ID(required=True)
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class UnitMergedData(WebhookEventData):
    effective = DAY(required=True)
    successor = ma.fields.Nested(UnitRef, required=True)
    sources = ma.fields.List(ma.fields.Nested(UnitRef), required=True)
    created_unit = ma.fields.Boolean(required=True)
    moved = ma.fields.Integer(required=True)
    merged = ma.fields.Integer(required=True)
    extensions_closed = ma.fields.Integer(required=True)


DATA = {
    "assignment.assigned": AssignedData,
    "task.created": TaskCreatedData,
    "task.changed": TaskChangedData,
    "assignment.due_changed": DueChangedData,
    "assignment.submitted": SubmittedData,
    "assignment.confirmed": WebhookEventData,
    "assignment.returned": ReturnedData,
    "assignment.overdue": OverdueData,
    "extension.requested": ExtensionRequestedData,
    "extension.decided": ExtensionDecidedData,
    "unit.merged": UnitMergedData,
}


def schema_name(event_type: str) -> str:
    """Return the component name of one event type's body: "assignment.due_changed" ->
    "AssignmentDueChangedEvent"."""
    words = event_type.replace(".", "_").split("_")
    return "".join(w.capitalize() for w in words) + "Event"


def _event_schema(event_type: str) -> type[ma.Schema]:
    class Event(WebhookEvent):
        type = ma.fields.String(required=True, metadata={"enum": [event_type]})
        data = ma.fields.Nested(DATA[event_type], required=True)

    Event.__name__ = schema_name(event_type)
    return Event


def describe_webhooks(spec) -> None:
    """Add the webhooks' bodies and signature to the description (OpenAPI 3.1 ``webhooks``)."""
    spec.components.schema("WebhookEvent", schema=WebhookEvent)
    signature = {
        "name": webhooks.SIGNATURE_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": "^t=[0-9]+,v1=[0-9a-f]{64}$"},
        "description": 't=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>; '
        "refuse a t more than 5 minutes from your clock.",
    }
    described = {}
    for event_type in webhooks.TYPES:
        name = schema_name(event_type)
        spec.components.schema(name, schema=_event_schema(event_type))
        described[event_type] = {
            "post": {
                "summary": f"{event_type}, POSTed to the registered address",
                "parameters": [signature],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                    },
                },
                "responses": {"200": {"description": "Any 2xx: delivered; else retried."}},
            }
        }
    spec.options["webhooks"] = described
