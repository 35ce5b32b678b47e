"""Extensions (gia hạn): a unit asks for a later due date, a coordinator decides.

The due date in force (``Assignment.due_date``) changes only through an approval or a
coordinator's direct change; ``original_due_date`` keeps the first one for statistics.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import Assignment, ExtensionRequest, User
from tracker.services import access, events
from tracker.services.assignments.workflow import (
    NOTE_MAX,
    WRONG_STATE,
    check_version,
    commit,
    tell,
)
from tracker.services.errors import InvalidInput, NotFound, ServiceError, StaleEdit
from tracker.services.notifications import kinds

S = AssignmentState
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"

REQUESTED = "extension_requested"
APPROVED_EVENT = "extension_approved"
REJECTED_EVENT = "extension_rejected"
DUE_CHANGED = "due_changed"

WORKING = (S.ASSIGNED.value, S.IN_PROGRESS.value)
OPEN = (*WORKING, S.SUBMITTED.value)


def _text(value: str | None, message, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(message)
    if len(text) > NOTE_MAX:
        raise InvalidInput(_l("At most %(max)d characters.", max=NOTE_MAX))
    return text


def pending_for(assignment_id: int) -> ExtensionRequest | None:
    """Return the assignment's undecided request, if any."""
    return db.session.scalar(
        select(ExtensionRequest).where(
            ExtensionRequest.assignment_id == assignment_id, ExtensionRequest.state == PENDING
        )
    )


def request_extension(
    assignment_id: int, actor: User, now: datetime, new_due: date, reason: str, *, today: date
) -> ExtensionRequest:
    """Record the unit's request for ``new_due`` (later than the date in force, not before
    ``today``); one pending request per assignment."""
    assignment = access.visible_assignment(actor, assignment_id)
    access.require_focal_point_of(actor, assignment)
    # Serialises two requests for one assignment on PostgreSQL (SQLite has one writer).
    db.session.execute(
        select(Assignment.id).where(Assignment.id == assignment.id).with_for_update()
    )
    if assignment.state not in WORKING:
        raise ServiceError(WRONG_STATE)
    if assignment.due_date is None:
        raise ServiceError(_l("This assignment has no deadline to extend."))
    text = _text(reason, _l("Say why more time is needed."))
    if new_due <= assignment.due_date:
        raise InvalidInput(
            _l(
                "The new date must be after the current due date (%(day)s).",
                day=assignment.due_date.strftime("%d/%m/%Y"),
            )
        )
    if new_due < today:
        raise InvalidInput(_l("The new date cannot be in the past."))
    if pending_for(assignment.id) is not None:
        raise ServiceError(
            _l("An extension request for this assignment is already waiting for a decision.")
        )
    request = ExtensionRequest(
        assignment=assignment,
        requested_by_id=actor.id,
        requested_at=now,
        current_due=assignment.due_date,
        requested_due=new_due,
        reason=text,
        state=PENDING,
    )
    db.session.add(request)
    db.session.flush()  # its id, for the news of it (the assignment itself is unchanged)
    events.record(
        REQUESTED,
        actor=actor,
        now=now,
        assignment=assignment,
        note=text,
        data={"current": assignment.due_date.isoformat(), "requested": new_due.isoformat()},
    )
    tell(
        kinds.EXTENSION_REQUESTED,
        assignment,
        actor,
        now,
        request_id=request.id,
        current=assignment.due_date.isoformat(),
        requested=new_due.isoformat(),
        reason=text,
    )
    commit()
    return request


class AlreadyDecided(StaleEdit):
    """The request was decided since it was read: a conflict with the decision taken, not
    a stale copy of the assignment."""


def _pending_request(request_id: int, actor: User) -> ExtensionRequest:
    """Return a request a coordinator may decide, locked against a concurrent decision."""
    access.require_coordinator(actor)
    request = db.session.scalar(
        select(ExtensionRequest)
        .options(joinedload(ExtensionRequest.assignment))
        .where(ExtensionRequest.id == request_id)
        .with_for_update(of=ExtensionRequest)
    )
    if request is None:
        raise NotFound(access.NOT_FOUND)
    if request.state != PENDING:
        raise AlreadyDecided(
            _l("This request has already been decided; the page shows the decision.")
        )
    return request


def _set_due(
    assignment: Assignment, new_due: date, actor: User, now: datetime, note: str, **data
) -> None:
    """Change the due date in force and record it; the original stays for statistics."""
    old = assignment.due_date
    if assignment.original_due_date is None:
        assignment.original_due_date = old
    assignment.due_date = new_due
    assignment.updated_at = now
    events.record(
        DUE_CHANGED,
        actor=actor,
        now=now,
        assignment=assignment,
        note=note,
        data={"old": old.isoformat() if old else None, "new": new_due.isoformat(), **data},
    )


def approve(
    request_id: int, actor: User, now: datetime, note: str = "", *, version: int | None = None
) -> ExtensionRequest:
    """Grant the request: the assignment's due date becomes the requested one; refused
    (StaleEdit) when the assignment is no longer at ``version`` (None: not checked)."""
    request = _pending_request(request_id, actor)
    assignment = request.assignment
    check_version(assignment, version)
    text = _text(note, None, required=False)
    if assignment.state not in OPEN:
        raise ServiceError(
            _l("The assignment is no longer open: reject the request instead of approving it.")
        )
    if assignment.due_date is not None and request.requested_due <= assignment.due_date:
        raise ServiceError(
            _l(
                "The due date was changed to %(day)s since the request: it would not extend it. "
                "Reject the request instead.",
                day=assignment.due_date.strftime("%d/%m/%Y"),
            )
        )
    request.state = APPROVED
    request.decided_by_id = actor.id
    request.decided_at = now
    request.decision_note = text
    _set_due(assignment, request.requested_due, actor, now, request.reason, request=request.id)
    events.record(
        APPROVED_EVENT,
        actor=actor,
        now=now,
        assignment=assignment,
        note=text,
        data={"request": request.id, "requested": request.requested_due.isoformat()},
    )
    tell(
        kinds.EXTENSION_DECIDED,
        assignment,
        actor,
        now,
        request_id=request.id,
        approved=True,
        requested=request.requested_due.isoformat(),
        new=request.requested_due.isoformat(),
        note=text,
    )
    commit()
    return request


def reject(
    request_id: int, actor: User, now: datetime, reason: str, *, version: int | None = None
) -> ExtensionRequest:
    """Refuse the request with the reason the unit will see; the due date stays. Refused
    (StaleEdit) when the assignment is no longer at ``version`` (None: not checked)."""
    request = _pending_request(request_id, actor)
    check_version(request.assignment, version)
    text = _text(reason, _l("Say why the extension is refused: the unit will see it."))
    request.state = REJECTED
    request.decided_by_id = actor.id
    request.decided_at = now
    request.decision_note = text
    events.record(
        REJECTED_EVENT,
        actor=actor,
        now=now,
        assignment=request.assignment,
        note=text,
        data={"request": request.id, "requested": request.requested_due.isoformat()},
    )
    tell(
        kinds.EXTENSION_DECIDED,
        request.assignment,
        actor,
        now,
        request_id=request.id,
        approved=False,
        requested=request.requested_due.isoformat(),
        note=text,
    )
    commit()
    return request


def change_due_date(
    assignment_id: int,
    actor: User,
    now: datetime,
    version: int | None,
    new_due: date,
    reason: str,
) -> Assignment:
    """Set an open assignment's due date directly (coordinators), with the reason."""
    access.require_coordinator(actor)
    assignment = access.visible_assignment(actor, assignment_id)
    check_version(assignment, version)
    if assignment.state not in OPEN:
        raise ServiceError(WRONG_STATE)
    text = _text(reason, _l("Say why the due date changes."))
    if new_due == assignment.due_date:
        raise InvalidInput(_l("This is already the due date."))
    old = assignment.due_date
    _set_due(assignment, new_due, actor, now, text)
    tell(
        kinds.DUE_CHANGED,
        assignment,
        actor,
        now,
        old=old.isoformat() if old else None,
        new=new_due.isoformat(),
        note=text,
    )
    commit()
    return assignment
