"""Taking a task back from a unit before the unit has started on it: what the unit never
touched can be removed; its events and reminders stay as the record of what was done."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import Assignment, Event, Evidence, ExtensionRequest, Reminder, User
from tracker.services import access, events, history
from tracker.services.errors import NotFound, ServiceError, StaleEdit
from tracker.services.tasks.assigning import UnitName
from tracker.services.tasks.editing import CLOSED_TASK

# Events a coordinator's own actions leave on an assignment; anything else means the unit
# has acted on it (a note, a state change, an extension request...).
UNTOUCHED_EVENT_KINDS = ("assigned", "due_changed")


def removable_ids(assignment_ids: list[int]) -> set[int]:
    """Return which of the assignments can still be removed (one query).

    Removable: not started, and the unit has left no trace on it: no notes or other
    events of its own, no evidence, no extension request.
    """
    if not assignment_ids:
        return set()
    A = Assignment
    return set(
        db.session.scalars(
            select(A.id).where(
                A.id.in_(assignment_ids),
                A.state == AssignmentState.ASSIGNED.value,
                ~exists().where(
                    Event.assignment_id == A.id, Event.kind.not_in(UNTOUCHED_EVENT_KINDS)
                ),
                ~exists().where(Evidence.assignment_id == A.id),
                ~exists().where(ExtensionRequest.assignment_id == A.id),
            )
        )
    )


def _detach(assignment_id: int) -> None:
    """Keep the assignment's events and reminders (proof of what was done and sent) without it.

    Both keep their task and unit; reminders not yet sent are cancelled.
    """
    db.session.execute(
        update(Reminder)
        .where(Reminder.assignment_id == assignment_id, Reminder.state != "sent")
        .values(state="cancelled", last_error="assignment removed")
        .execution_options(synchronize_session=False)
    )
    history.forget([assignment_id])
    for model in (Event, Reminder):
        db.session.execute(
            update(model)
            .where(model.assignment_id == assignment_id)
            .values(assignment_id=None)
            .execution_options(synchronize_session=False)
        )


def remove_assignment(task_id: int, assignment_id: int, *, actor: User, now: datetime) -> UnitName:
    """Return the unit whose assignment was deleted; refuses once the unit has started.

    The assignment's own events stay in the audit log, detached from the deleted row but
    still naming the task and unit; an "assignment_removed" event records the removal.
    """
    access.require_coordinator(actor)
    assignment = db.session.scalar(
        select(Assignment)
        .options(joinedload(Assignment.unit), joinedload(Assignment.task))
        .where(Assignment.id == assignment_id, Assignment.task_id == task_id)
    )
    if assignment is None:
        raise NotFound(access.NOT_FOUND)
    if assignment.task.closed_at is not None:
        raise ServiceError(CLOSED_TASK)
    if assignment.id not in removable_ids([assignment.id]):
        raise ServiceError(
            _l(
                "%(unit)s has already started on this task (state, notes, evidence or an "
                "extension request): it cannot be removed. Mark it not applicable instead.",
                unit=assignment.unit.name,
            )
        )
    unit = UnitName(assignment.unit_id, assignment.unit.name)
    _detach(assignment.id)
    events.record(
        "assignment_removed",
        actor=actor,
        now=now,
        task_id=assignment.task_id,
        unit_id=assignment.unit_id,
        target=f"assignment:{assignment.id}",
        from_state=assignment.state,
        data={
            "role": assignment.role,
            "due": assignment.due_date.isoformat() if assignment.due_date else None,
        },
    )
    db.session.delete(assignment)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleEdit(
            _l("This assignment changed meanwhile; nothing was removed. Check it and try again.")
        ) from None
    return unit
