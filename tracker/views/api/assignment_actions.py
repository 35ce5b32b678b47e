"""The actions on an assignment through ``/api/v1/assignments/{id}/...``, as the pages take
them and with their rules (the same services): its focal point starts it and writes
progress notes; coordinators confirm or return a report and change a due date. Reporting
completion with evidence is in ``submissions``, extension requests in ``extension_requests``.

Each checks the version the client read (``acting``) and answers the assignment as it now
stands, with its evidence and ETag.
"""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user

from tracker import clock
from tracker.services import api_reads
from tracker.services.assignments import due_dates, workflow
from tracker.views.api.acting import (
    ANY,
    DUE_RANGE,
    ERRORS_WRITE,
    ETAG_HEADER,
    FIRST_DUE,
    IF_MATCH,
    LAST_DUE,
    NO_ETAG,
    as_token,
    day_field,
    text_field,
    version_asked,
)
from tracker.views.api.common import IDEMPOTENCY_KEY, idempotent, problem
from tracker.views.api.errors_doc import documented
from tracker.views.api.resources import AssignmentDetail, as_of, assignments, detail


def act(assignment_id: int, action) -> tuple:
    """Run a version-checked action; answer the assignment as it now stands. Another
    unit's assignment answers 404 whatever the action, as reading it would."""
    day = as_of()
    if api_reads.assignment(current_user, assignment_id, day) is None:
        return problem(404)
    version = version_asked()
    if version is None:
        return problem(428, NO_ETAG)
    if version == ANY:
        version = None  # the services check no version then
    refused = as_token(lambda: action(version))
    if refused is not None:
        return refused
    return detail(api_reads.assignment(current_user, assignment_id, day))


class ReasonArgs(ma.Schema):
    reason = text_field()


class NoteArgs(ma.Schema):
    note = text_field()


@assignments.route("/<int(max=2147483647):assignment_id>/start", methods=["POST"])
@assignments.doc(parameters=[IF_MATCH])
@assignments.response(200, AssignmentDetail, headers=ETAG_HEADER)
@documented(assignments, *ERRORS_WRITE)
def start_assignment(assignment_id: int):
    """Start work (the unit's focal point)."""
    return act(
        assignment_id,
        lambda version: workflow.start(assignment_id, current_user, clock.now(), version),
    )


@assignments.route("/<int(max=2147483647):assignment_id>/confirm", methods=["POST"])
@assignments.doc(parameters=[IF_MATCH])
@assignments.response(200, AssignmentDetail, headers=ETAG_HEADER)
@documented(assignments, *ERRORS_WRITE)
def confirm_assignment(assignment_id: int):
    """Confirm a submitted report (coordinators)."""
    return act(
        assignment_id,
        lambda version: workflow.confirm(assignment_id, current_user, clock.now(), version),
    )


@assignments.route("/<int(max=2147483647):assignment_id>/return", methods=["POST"])
@assignments.doc(parameters=[IF_MATCH])
@assignments.arguments(ReasonArgs)
@assignments.response(200, AssignmentDetail, headers=ETAG_HEADER)
@documented(assignments, *ERRORS_WRITE)
def return_assignment(args, assignment_id: int):
    """Send a submitted report back to the unit, with the reason it will see (coordinators)."""
    return act(
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
    if api_reads.assignment(current_user, assignment_id, as_of()) is None:
        return problem(404)
    return as_token(
        lambda: workflow.add_note(assignment_id, current_user, clock.now(), args["note"])
    )


class DueDateArgs(ma.Schema):
    due_date = day_field(FIRST_DUE, LAST_DUE, DUE_RANGE, required=True)
    reason = text_field()


@assignments.route("/<int(max=2147483647):assignment_id>/due-date", methods=["POST"])
@assignments.doc(parameters=[IF_MATCH])
@assignments.arguments(DueDateArgs)
@assignments.response(200, AssignmentDetail, headers=ETAG_HEADER)
@documented(assignments, *ERRORS_WRITE)
def change_due_date(args, assignment_id: int):
    """Change an open assignment's due date, with the reason the unit will see
    (coordinators); the first due date stays for the statistics."""
    return act(
        assignment_id,
        lambda version: due_dates.change_due_date(
            assignment_id, current_user, clock.now(), version, args["due_date"], args["reason"]
        ),
    )
