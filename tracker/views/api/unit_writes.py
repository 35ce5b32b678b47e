"""Administrators' unit writes through ``/api/v1/units``, by the services of Administration
→ Units (``services.admin.units``): create a unit, change it (deactivate or reactivate it
included). Both need an administrator's token with the administration permission.

A unit has no version column: its ETag is a digest of what an administrator may set on it
(``acting.digest_etag``), so a change sent with an ETag read before someone else's change
is refused (412)."""

from __future__ import annotations

import marshmallow as ma
from flask import g, url_for
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker import clock
from tracker.models import Role, UnitGroup, UnitKind
from tracker.services import api_reads, api_tokens
from tracker.services.admin import units as unit_admin
from tracker.views.api.acting import (
    DOCUMENT_RANGE,
    ERRORS_WRITE,
    ETAG_HEADER,
    FIRST_DOCUMENT,
    LAST_DOCUMENT,
    as_token,
    day_field,
    digest_refusal,
    if_match,
    text_field,
)
from tracker.views.api.common import IDEMPOTENCY_KEY, INT_MAX, idempotent, problem
from tracker.views.api.errors_doc import documented
from tracker.views.api.resources import (
    ADMIN_FIELDS,
    ERRORS_ONE,
    UnitSchema,
    read_unit,
    unit_etag,
    units,
)

STALE_UNIT = _l("The unit changed since it was read: read it again.")
NO_UNIT_ETAG = _l("Send the unit's ETag in If-Match.")
LOCATION = {"Location": {"description": "The new unit", "schema": {"type": "string"}}}


class UnitAdminSchema(UnitSchema):
    short_name = ma.fields.String(allow_none=True)
    head_email = ma.fields.String(
        allow_none=True, metadata={"description": "The unit head's, for escalations."}
    )


class UnitWriteArgs(ma.Schema):
    code = text_field(max_length=20, metadata={"description": "Unique within its period."})
    name = text_field(max_length=255)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in UnitKind]))
    group = ma.fields.String(
        allow_none=True,
        validate=ma.validate.OneOf([g.value for g in UnitGroup]),
        metadata={"description": "Default: the kind's usual group."},
    )
    short_name = text_field(max_length=40, required=False)
    name_en = text_field(max_length=255, required=False)
    head_email = ma.fields.Email(allow_none=True, validate=ma.validate.Length(max=255))
    valid_from = day_field(FIRST_DOCUMENT, LAST_DOCUMENT, DOCUMENT_RANGE, allow_none=True)
    valid_to = day_field(FIRST_DOCUMENT, LAST_DOCUMENT, DOCUMENT_RANGE, allow_none=True)
    successor_id = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(1, INT_MAX))


class UnitChangeArgs(UnitWriteArgs):
    active = ma.fields.Boolean(
        metadata={"description": "false: no new assignments or focal points for it."}
    )


def administers() -> bool:
    """Return whether the token acts for an administrator with the administration
    permission (what every unit and user write needs)."""
    return current_user.role == Role.ADMIN and api_tokens.ADMIN in g.api_token.scope_list


def _answer(unit, status: int = 200, headers: dict | None = None):
    return unit, status, {"ETag": unit_etag(unit)} | (headers or {})


def _fields(args: dict, unit=None) -> unit_admin.UnitFields:
    """Return the unit's fields as sent, the unit's own where none was (a change)."""
    values = {
        name: args[name] if name in args else (getattr(unit, name) if unit is not None else None)
        for name in ADMIN_FIELDS
    }
    return unit_admin.UnitFields(**values)


@units.route("", methods=["POST"])
@idempotent
@units.doc(parameters=[IDEMPOTENCY_KEY])
@units.arguments(UnitWriteArgs)
@units.response(201, UnitAdminSchema, headers=ETAG_HEADER | LOCATION)
@documented(units, 400, 401, 403, 409, 422, 429)
def create_unit(args):
    """Create an active unit (administrators); a code another unit uses in an overlapping
    period: 409."""
    if not administers():
        return problem(403)
    made = []
    refused = as_token(
        lambda: made.append(unit_admin.create_unit(current_user, clock.now(), _fields(args)))
    )
    if refused is not None:
        return refused
    location = url_for("api_units.get_unit", unit_id=made[0].id, _external=True)
    return _answer(made[0], 201, {"Location": location})


@units.route("/<int(max=2147483647):unit_id>", endpoint="get_unit")
class UnitById(MethodView):
    """One unit: read it, change it (one URL rule for both)."""

    @units.response(200, UnitSchema, headers=ETAG_HEADER)
    @documented(units, *ERRORS_ONE)
    def get(self, unit_id: int):
        """One unit; its ETag is what a change sends back."""
        return read_unit(unit_id)

    @units.doc(parameters=[if_match("the unit", digest=True)])
    @units.arguments(UnitChangeArgs(partial=True))
    @units.response(200, UnitAdminSchema, headers=ETAG_HEADER)
    @documented(units, *ERRORS_WRITE)
    def patch(self, args, unit_id: int):
        """Change a unit (administrators): only the fields sent change; ``active`` false
        deactivates it."""
        return change_unit(args, unit_id)


def change_unit(args, unit_id: int):
    """Change the unit, as it was read."""
    unit = api_reads.unit(current_user, unit_id)
    if unit is None:
        return problem(404)
    if not administers():
        return problem(403)
    stale = digest_refusal(unit_etag(unit), NO_UNIT_ETAG, STALE_UNIT)
    if stale is not None:
        return stale
    fields = _fields(args, unit)

    def change():
        unit_admin.update_unit(current_user, clock.now(), unit_id, fields)
        if "active" in args:
            unit_admin.set_unit_active(current_user, clock.now(), unit_id, args["active"])

    refused = as_token(change, stale=STALE_UNIT)
    return refused if refused is not None else _answer(api_reads.unit(current_user, unit_id))
