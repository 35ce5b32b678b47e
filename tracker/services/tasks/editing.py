"""Coordinators create, edit, close and reopen tasks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain.status import OPEN_STATES
from tracker.extensions import db
from tracker.models import (
    Assignment,
    AssignmentRevision,
    Event,
    Field,
    Role,
    SnapshotDay,
    Task,
    User,
)
from tracker.services import access, events, history, webhooks
from tracker.services.errors import InvalidInput, NotFound, ServiceError, StaleEdit
from tracker.services.notifications import kinds
from tracker.services.notifications.recording import Happening, notify

STALE_TASK = _l(
    "Someone else changed this task after you opened it. Nothing was saved: "
    "the form now shows the latest version; make your change again."
)
CLOSED_TASK = _l("This task is closed. Reopen it before changing it or assigning units.")

TASK_NOT_FOUND = _l("This task does not exist.")


@dataclass(frozen=True)
class TaskInput:
    """The editable facts of a task, already parsed by the form."""

    title: str
    field: str
    description: str = ""
    source_document: str = ""
    source_number: str | None = None
    source_date: date | None = None
    priority: bool = False
    deadline: date | None = None
    deadline_wording: str = ""
    owner_id: int | None = None
    # A deadline on a day off: None follows DEADLINE_DAY_OFF_ROLLS, True rolls, False keeps.
    deadline_day_off_rolls: bool | None = None


@dataclass(frozen=True)
class TaskUpdate:
    """What an edit did: the task and how many assignments had their due date moved."""

    task: Task
    changed: tuple[str, ...]
    moved: int


def load_task(task_id: int) -> Task:
    """Return the task or raise NotFound."""
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound(TASK_NOT_FOUND)
    return task


def owner_choices(current_owner_id: int | None = None) -> list[User]:
    """Return the users who may own a task (active coordinators and admins), by name.

    The current owner is kept even if no longer eligible, so an edit need not change it.
    """
    eligible = User.reachable & User.role.in_([Role.COORDINATOR, Role.ADMIN])
    if current_owner_id is not None:
        eligible = eligible | (User.id == current_owner_id)
    return list(db.session.scalars(select(User).where(eligible).order_by(User.name, User.id)))


def _validate(data: TaskInput, current_owner_id: int | None = None) -> None:
    if not data.title.strip():
        raise InvalidInput(_l("Enter the task's title."))
    if data.field not in {f.value for f in Field}:
        raise InvalidInput(_l("Choose the task's field."))
    if data.owner_id is not None and data.owner_id != current_owner_id:
        owner = db.session.get(User, data.owner_id)
        if owner is None or not owner.active or not owner.is_coordinator:
            raise InvalidInput(_l("The owner must be an active coordinator or administrator."))


def create_task(data: TaskInput, *, actor: User, now: datetime) -> Task:
    """Return the new task, saved with a "task_created" event; refuses non-coordinators."""
    access.require_coordinator(actor)
    _validate(data)
    [task] = add_tasks([data], actor=actor, now=now)
    db.session.commit()
    return task


def add_tasks(data: Sequence[TaskInput], *, actor: User | None, now: datetime) -> list[Task]:
    """Return new tasks, flushed with their "task_created" events but not committed (the
    caller validated ``data`` and owns the transaction)."""
    tasks = [
        Task(
            **{f.name: getattr(item, f.name) for f in fields(TaskInput)},
            created_by_id=actor.id if actor is not None else None,
            created_at=now,
            updated_at=now,
        )
        for item in data
    ]
    for task, item in zip(tasks, data, strict=True):
        task.title = item.title.strip()
    db.session.add_all(tasks)
    db.session.flush()
    for task in tasks:
        events.record(
            "task_created",
            actor=actor,
            now=now,
            task_id=task.id,
            target=f"task:{task.id}",
            data={"title": task.title, "deadline": _iso(task.deadline)},
        )
    tell_created(tasks, now=now)
    return tasks


def tell_created(tasks: Sequence[Task], *, now: datetime) -> None:
    """Tell other systems of new tasks (the ``task.created`` webhook; not committed)."""
    webhooks.enqueue(
        [
            webhooks.Event(
                webhooks.TASK_CREATED,
                task.id,
                None,
                None,
                {name: _iso(getattr(task, name)) for name in CREATED_FIELDS},
            )
            for task in tasks
        ],
        now=now,
    )


# What ``task.created`` tells of a new task (its reading through the API has the rest).
CREATED_FIELDS = ("title", "field", "priority", "deadline", "deadline_wording",
                  "source_document", "source_number", "source_date", "owner_id")  # fmt: skip


def _tell_changed(task: Task, changed: dict[str, list], *, now: datetime, **extra) -> None:
    """Tell other systems, once, that a task changed (the ``task.changed`` webhook):
    which fields, each as [old, new]."""
    webhooks.enqueue(
        [
            webhooks.Event(
                webhooks.TASK_CHANGED,
                task.id,
                None,
                None,
                {"fields": sorted(changed), "changes": changed, **extra},
            )
        ],
        now=now,
    )


def update_task(
    task_id: int,
    data: TaskInput,
    *,
    actor: User,
    now: datetime,
    version: int,
    move_due_dates: bool = True,
) -> TaskUpdate:
    """Return what changed after saving the edit; refuses stale versions and closed tasks.

    With ``move_due_dates``, a new deadline also moves the due date of the task's open
    assignments whose due date still equals the old deadline (each gets a "due_changed"
    event; ``original_due_date`` stays).
    """
    access.require_coordinator(actor)
    task = load_task(task_id)
    if task.version != version:
        raise StaleEdit(STALE_TASK)
    if task.closed_at is not None:
        raise ServiceError(CLOSED_TASK)
    _validate(data, current_owner_id=task.owner_id)
    result = apply_update(task, data, actor=actor, now=now, move_due_dates=move_due_dates)
    if result.changed:
        _commit()
    return result


def task_changes(task: Task, data: TaskInput) -> dict[str, list]:
    """Return the fields ``data`` would change on ``task``, each as [old, new] (JSON-safe)."""
    new_values = _values(data)
    return {
        name: [_iso(getattr(task, name)), _iso(value)]
        for name, value in new_values.items()
        if getattr(task, name) != value
    }


def _values(data: TaskInput) -> dict:
    values = {f.name: getattr(data, f.name) for f in fields(TaskInput)}
    values["title"] = data.title.strip()
    return values


def apply_update(
    task: Task, data: TaskInput, *, actor: User | None, now: datetime, move_due_dates: bool = True
) -> TaskUpdate:
    """Return what changed after applying ``data`` to ``task`` with a "task_updated" event
    and the notifications of the units concerned (content changed: every open assignment;
    due date moved: those moved), not committed (the caller validated ``data`` and owns
    the transaction)."""
    changed = task_changes(task, data)
    if not changed:
        return TaskUpdate(task, (), 0)
    old_deadline = task.deadline
    for name, value in _values(data).items():
        setattr(task, name, value)
    task.updated_at = now
    moved_rows = []
    if move_due_dates and old_deadline != task.deadline:
        moved_rows = _move_due_dates(task, old_deadline, actor=actor, now=now)
    moved = len(moved_rows)
    if "deadline_day_off_rolls" in changed:
        _drop_kept_figures(task.id)
    _notify_units(task, changed, moved_rows, old_deadline, actor=actor, now=now)
    events.record(
        "task_updated",
        actor=actor,
        now=now,
        task_id=task.id,
        target=f"task:{task.id}",
        data={"changed": changed, "moved_due_dates": moved},
    )
    _tell_changed(task, changed, now=now, moved_due_dates=moved)
    return TaskUpdate(task, tuple(changed), moved)


def _drop_kept_figures(task_id: int) -> None:
    """Drop the figures kept for the days since the task's first due date: a new rule for
    its deadlines on days off changes them, and the daily job writes them again."""
    R = AssignmentRevision
    first = select(func.min(R.due_date)).where(R.task_id == task_id).scalar_subquery()
    db.session.execute(delete(SnapshotDay).where(SnapshotDay.day >= first))


def _notify_units(
    task: Task, changed: dict, moved: list, old: date | None, *, actor: User | None, now: datetime
) -> None:
    """Tell the units of the task's open assignments that its content changed, and those
    whose due date moved with the deadline that it did."""
    fields_changed = sorted(set(changed) & kinds.CONTENT_FIELDS)
    if not moved and not fields_changed:
        return
    happenings = [
        Happening(
            kinds.DUE_CHANGED,
            task.id,
            row.unit_id,
            row.id,
            {"old": _iso(old), "new": _iso(task.deadline), "task_deadline": True},
        )
        for row in moved
    ]
    if fields_changed:
        with db.session.no_autoflush:  # a stale task must fail at the caller's commit
            open_assignments = db.session.execute(
                select(Assignment.id, Assignment.unit_id).where(
                    Assignment.task_id == task.id,
                    Assignment.state.in_([s.value for s in OPEN_STATES]),
                )
            ).all()
        happenings += [
            Happening(kinds.TASK_CHANGED, task.id, row.unit_id, row.id, {"fields": fields_changed})
            for row in open_assignments
        ]
    notify(happenings, actor_id=actor.id if actor is not None else None, now=now)


def _move_due_dates(task: Task, old: date | None, *, actor: User | None, now: datetime) -> list:
    """Move matching open assignments to the task's new deadline in two statements; return
    the rows moved (id, unit_id, ...)."""
    rows = db.session.execute(
        select(Assignment.id, Assignment.unit_id, Assignment.state, Assignment.submitted_on).where(
            *_movable(task.id, old)
        )
    ).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    # Bumping the version makes a form loaded before this move refuse to save (stale edit).
    db.session.execute(
        update(Assignment)
        .where(Assignment.id.in_(ids))
        .values(due_date=task.deadline, version=Assignment.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    history.add_revisions(
        [
            history.revision_row(
                row.id, task.id, row.unit_id, now, row.state, task.deadline, row.submitted_on
            )
            for row in rows
        ]
    )
    data = events.with_token(
        {"old": _iso(old), "new": _iso(task.deadline), "reason": "task_deadline"}
    )
    db.session.execute(
        insert(Event),
        [
            {
                "assignment_id": row.id,
                "task_id": task.id,
                "unit_id": row.unit_id,
                "actor_id": actor.id if actor is not None else None,
                "at": now,
                "kind": "due_changed",
                "note": "",
                "data": data,
            }
            for row in rows
        ],
    )
    return rows


def close_task(task_id: int, *, actor: User, now: datetime) -> Task:
    """Return the task closed at ``now`` (event "task_closed"); refuses if already closed."""
    access.require_coordinator(actor)
    task = load_task(task_id)
    if task.closed_at is not None:
        raise ServiceError(_l("This task is already closed."))
    task.closed_at = now
    task.updated_at = now
    events.record("task_closed", actor=actor, now=now, task_id=task.id, target=f"task:{task.id}")
    _tell_changed(task, {"closed_at": [None, now.isoformat()]}, now=now)
    _commit()
    return task


def reopen_task(task_id: int, *, actor: User, now: datetime) -> Task:
    """Return the task reopened (event "task_reopened"); refuses if it is not closed."""
    access.require_coordinator(actor)
    task = load_task(task_id)
    if task.closed_at is None:
        raise ServiceError(_l("This task is not closed."))
    closed_at = task.closed_at
    task.closed_at = None
    task.updated_at = now
    events.record("task_reopened", actor=actor, now=now, task_id=task.id, target=f"task:{task.id}")
    _tell_changed(task, {"closed_at": [closed_at.isoformat(), None]}, now=now)
    _commit()
    return task


def movable_due_count(task: Task) -> int:
    """Return how many open assignments still have the task's deadline as their due date."""
    return db.session.scalar(
        select(func.count(Assignment.id)).where(*_movable(task.id, task.deadline))
    )


def _movable(task_id: int, old: date | None) -> tuple:
    due_matches = Assignment.due_date.is_(None) if old is None else Assignment.due_date == old
    return (
        Assignment.task_id == task_id,
        Assignment.state.in_([s.value for s in OPEN_STATES]),
        due_matches,
    )


def _commit() -> None:
    """Commit, turning a concurrent change of a versioned row into StaleEdit."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleEdit(STALE_TASK) from None


def _iso(value):
    """Return ``value`` in a JSON-safe form (dates as ISO strings)."""
    return value.isoformat() if isinstance(value, date) else value
