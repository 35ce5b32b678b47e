"""Giving a task to units, one by one or by whole groups, with the due date they get."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from tracker.domain.deadlines import Deadline
from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import (
    Assignment,
    AssignmentRole,
    Event,
    Task,
    Unit,
    UnitGroup,
    UnitKind,
    User,
)
from tracker.services import access, events, history
from tracker.services.errors import InvalidInput, ServiceError
from tracker.services.notifications import kinds
from tracker.services.notifications.recording import Happening, notify
from tracker.services.tasks.editing import CLOSED_TASK, load_task


@dataclass(frozen=True)
class UnitSelection:
    """Which units to give a task to: whole groups, whole kinds, and single units."""

    groups: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    unit_ids: frozenset[int] = frozenset()

    def is_empty(self) -> bool:
        """Return whether nothing at all is chosen."""
        return not (self.groups or self.kinds or self.unit_ids)


@dataclass(frozen=True)
class UnitName:
    """A unit as messages name it."""

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
    """How many assignments were created, and the units skipped (they had the task)."""

    created: int
    skipped: list[UnitName] = field(default_factory=list)
    assigned: list[UnitName] = field(default_factory=list)


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
        raise InvalidInput(_l("Choose at least one group or unit."))
    if not selection.groups <= {g.value for g in UnitGroup} or not selection.kinds <= {
        k.value for k in UnitKind
    }:
        raise InvalidInput(_l("Unknown group or kind of unit."))
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
        raise InvalidInput(_l("Some of the chosen units do not exist or are no longer active."))
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
        raise InvalidInput(_l("Choose lead or support."))
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
    assigned = [u for u in new if u.id in created_ids]
    return AssignmentResult(len(created), existing + raced, assigned)


@dataclass(frozen=True)
class NewAssignment:
    """One assignment to insert: the task, the unit, its role and its due date."""

    task_id: int
    unit_id: int
    role: str
    due: date | None


def insert_assignments(
    new: Sequence[NewAssignment], *, actor: User | None, now: datetime
) -> list[Row]:
    """Return (id, task_id, unit_id) of the assignments inserted, with their history,
    "assigned" events and their units' notifications, in a bounded number of statements;
    not committed.

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
                "data": events.with_token(_assigned_data(asked[row.task_id, row.unit_id])),
            }
            for row in created
        ],
    )
    notify(
        [
            Happening(
                kinds.ASSIGNED,
                row.task_id,
                row.unit_id,
                row.id,
                _assigned_data(asked[row.task_id, row.unit_id]),
            )
            for row in created
        ],
        actor_id=actor_id,
        now=now,
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
