"""Giving a task to units (one by one or by whole groups) and taking it back before they start."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, exists, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain.deadlines import Deadline
from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import (
    Assignment,
    AssignmentRole,
    Event,
    Evidence,
    ExtensionRequest,
    Reminder,
    Task,
    Unit,
    UnitGroup,
    UnitKind,
    User,
)
from tracker.services import access, events, history
from tracker.services.errors import NotFound, ServiceError, StaleEdit
from tracker.services.tasks.editing import CLOSED_TASK, load_task

# Events a coordinator's own actions leave on an assignment; anything else means the unit
# has acted on it (a note, a state change, an extension request...).
UNTOUCHED_EVENT_KINDS = ("assigned", "due_changed")


@dataclass(frozen=True)
class UnitSelection:
    """Which units to give a task to: whole groups, whole kinds, and single units."""

    groups: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    unit_ids: frozenset[int] = frozenset()

    def is_empty(self) -> bool:
        return not (self.groups or self.kinds or self.unit_ids)


@dataclass(frozen=True)
class UnitName:
    id: int
    name: str


@dataclass(frozen=True)
class AssignmentPreview:
    """Who would receive the task, who already has it, and the due date they would get."""

    task: Task
    new: list[UnitName]
    existing: list[UnitName]
    due: date | None


@dataclass(frozen=True)
class AssignmentResult:
    created: int
    skipped: list[UnitName] = field(default_factory=list)


def active_units() -> list[Unit]:
    """Return every active unit ordered by group then Vietnamese alphabetical name."""
    return list(
        db.session.scalars(
            select(Unit).where(Unit.active.is_(True)).order_by(Unit.group, Unit.sort_name)
        )
    )


def _selected_units(selection: UnitSelection) -> list[UnitName]:
    """Return the active units the selection names (one query); refuses unknown ones."""
    if selection.is_empty():
        raise ServiceError(_l("Choose at least one group or unit."))
    if not selection.groups <= {g.value for g in UnitGroup} or not selection.kinds <= {
        k.value for k in UnitKind
    }:
        raise ServiceError(_l("Unknown group or kind of unit."))
    rows = db.session.execute(
        select(Unit.id, Unit.name)
        .where(
            Unit.active.is_(True),
            or_(
                Unit.group.in_(selection.groups),
                Unit.kind.in_(selection.kinds),
                Unit.id.in_(selection.unit_ids),
            ),
        )
        .order_by(Unit.group, Unit.sort_name)
    ).all()
    if not selection.unit_ids <= {row.id for row in rows}:
        raise ServiceError(_l("Some of the chosen units do not exist or are no longer active."))
    if not rows:
        raise ServiceError(_l("No active unit matches this choice."))
    return [UnitName(row.id, row.name) for row in rows]


def _open_task(task_id: int, actor: User) -> Task:
    access.require_coordinator(actor)
    task = load_task(task_id)
    if task.closed_at is not None:
        raise ServiceError(CLOSED_TASK)
    if task.recurrence is not None:
        # A recurring task is a template: each period's occurrence is assigned instead.
        raise ServiceError(
            _l("A recurring task is never assigned itself: each period's task is, when generated.")
        )
    return task


def _split(task: Task, units: list[UnitName]) -> tuple[list[UnitName], list[UnitName]]:
    """Return (units without the task, units that already have it) in one query."""
    have = set(db.session.scalars(select(Assignment.unit_id).where(Assignment.task_id == task.id)))
    return [u for u in units if u.id not in have], [u for u in units if u.id in have]


def _due(task: Task, deadline: Deadline | None) -> date | None:
    return task.deadline if deadline is None else deadline.due


def preview_assignment(
    task_id: int, selection: UnitSelection, *, actor: User, deadline: Deadline | None = None
) -> AssignmentPreview:
    """Return who would receive the task and who already has it; changes nothing.

    ``deadline`` None means the task's own deadline.
    """
    task = _open_task(task_id, actor)
    new, existing = _split(task, _selected_units(selection))
    return AssignmentPreview(task, new, existing, _due(task, deadline))


def assign_units(
    task_id: int,
    selection: UnitSelection,
    *,
    actor: User,
    now: datetime,
    role: str = AssignmentRole.LEAD,
    deadline: Deadline | None = None,
) -> AssignmentResult:
    """Return how many assignments were created; units that have the task are skipped.

    Runs a bounded number of statements whatever the number of units: the assignments
    and their "assigned" events are inserted in batches. A unit assigned concurrently by
    someone else is skipped, never an integrity error.
    """
    if role not in {r.value for r in AssignmentRole}:
        raise ServiceError(_l("Choose lead or support."))
    task = _open_task(task_id, actor)
    new, existing = _split(task, _selected_units(selection))
    if not new:
        raise ServiceError(_l("Every chosen unit already has this task: nothing was assigned."))
    due = _due(task, deadline)
    created = insert_assignments(
        [NewAssignment(task.id, unit.id, str(role), due) for unit in new], actor=actor, now=now
    )
    db.session.commit()
    created_ids = {row.unit_id for row in created}
    raced = [u for u in new if u.id not in created_ids]
    return AssignmentResult(len(created), existing + raced)


@dataclass(frozen=True)
class NewAssignment:
    task_id: int
    unit_id: int
    role: str
    due: date | None


def insert_assignments(
    new: Sequence[NewAssignment], *, actor: User | None, now: datetime
) -> list[Row]:
    """Return (id, task_id, unit_id) of the assignments inserted, with their history and
    "assigned" events, in a bounded number of statements; not committed.

    Pairs (task, unit) that already exist are skipped, never an integrity error.
    """
    if not new:
        return []
    state = AssignmentState.ASSIGNED.value
    rows = [
        {
            "task_id": item.task_id,
            "unit_id": item.unit_id,
            "role": item.role,
            "state": state,
            "due_date": item.due,
            "original_due_date": item.due,
            "return_reason": "",
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for item in new
    ]
    created = db.session.execute(
        _insert_ignoring_duplicates().returning(
            Assignment.id, Assignment.task_id, Assignment.unit_id
        ),
        rows,
    ).all()
    if not created:
        return []
    asked = {(item.task_id, item.unit_id): item for item in new}
    history.add_revisions(
        [
            history.revision_row(
                row.id, row.task_id, row.unit_id, now, state, asked[row.task_id, row.unit_id].due
            )
            for row in created
        ]
    )
    actor_id = actor.id if actor is not None else None
    db.session.execute(
        insert(Event),
        [
            {
                "assignment_id": row.id,
                "task_id": row.task_id,
                "unit_id": row.unit_id,
                "actor_id": actor_id,
                "at": now,
                "kind": "assigned",
                "to_state": state,
                "note": "",
                "data": _assigned_data(asked[row.task_id, row.unit_id]),
            }
            for row in created
        ],
    )
    return created


def _assigned_data(item: NewAssignment) -> dict:
    return {"role": item.role, "due": item.due.isoformat() if item.due else None}


def _insert_ignoring_duplicates():
    """Return an INSERT into assignment that skips (task, unit) pairs that already exist."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(Assignment).on_conflict_do_nothing(
        index_elements=[Assignment.task_id, Assignment.unit_id]
    )


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
        .values(state="cancelled", next_attempt_at=None, last_error="assignment removed")
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
