"""Importing tasks and their assignments: a task is its (title, document number).

Several lines may describe one task, each naming more units (with their role); on those
later lines a blank cell means "as above" and a filled one must agree. Re-importing an
existing task updates its changed fields and adds the units it lacks; assignments are
never changed or removed. Writing goes through the task services, so events, history and
due-date moves are recorded exactly as when a coordinator works in the pages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Assignment, Task, User
from tracker.services.imports.columns import Row, required
from tracker.services.imports.lookup import UnitDirectory
from tracker.services.imports.result import Plan
from tracker.services.imports.task_cells import (
    COLUMNS,
    EXAMPLES,
    TASK_CELLS,
    role_cell,
    task_cells,
    task_key,
    unit_cells,
)
from tracker.services.tasks import assigning, editing
from tracker.services.tasks.editing import TaskInput
from tracker.settings import Settings

__all__ = ["COLUMNS", "EXAMPLES", "plan"]

_INPUT_FIELDS = frozenset(f.name for f in fields(TaskInput))


@dataclass(eq=False)
class _Task:
    line: int
    values: dict  # TaskInput fields the first line gives
    owner: User | None = None
    task: Task | None = None  # existing; the new task once applied
    data: TaskInput | None = None
    units: dict[int, tuple[str, int]] = field(default_factory=dict)  # unit -> (role, line)
    add: list[int] = field(default_factory=list)  # units to assign
    changed: bool = False


@dataclass
class TaskPlan(Plan):
    tasks: list[_Task] = field(default_factory=list)

    def apply(self, actor: User | None, now: datetime) -> None:
        new = [t for t in self.tasks if t.task is None]
        for item, task in zip(
            new, editing.add_tasks([t.data for t in new], actor=actor, now=now), strict=True
        ):
            item.task = task
        for item in self.tasks:
            if item.changed:
                editing.apply_update(item.task, item.data, actor=actor, now=now)
        db.session.flush()
        assigning.insert_assignments(
            [
                assigning.NewAssignment(
                    item.task.id, unit_id, item.units[unit_id][0], item.task.deadline
                )
                for item in self.tasks
                for unit_id in item.add
            ],
            actor=actor,
            now=now,
        )


def plan(rows: list[Row], *, actor: User | None, today: date, settings: Settings) -> TaskPlan:
    """Return what importing ``rows`` would create and change; errors are on the rows."""
    result = TaskPlan()
    directory = UnitDirectory(today)
    users = {u.email.lower(): u for u in db.session.scalars(select(User))}
    planned: dict[tuple[str, str], _Task] = {}
    for row in rows:
        values, given = task_cells(row, users, before_is_exclusive=settings.before_is_exclusive)
        if not values["title"]:
            unit_cells(row, directory)
            continue
        key = task_key(values.get("title", ""), values.get("source_number"))
        item = planned.get(key)
        if item is None:
            item = planned[key] = _Task(row.line, values, values.pop("owner", None))
            required(row, "field")
        else:
            _check_agrees(row, item, values, given)
        units = unit_cells(row, directory)
        if item.line != row.line and not units and not row.errors:
            row.error(
                "units", _("Duplicate of line %(line)s: name more units on it.", line=item.line)
            )
        role = role_cell(row)
        repeated = [u for u in units if u.id in item.units]
        if repeated:
            row.error("units", _duplicate_units(repeated, item.units[repeated[0].id][1]))
        for unit in units:
            item.units.setdefault(unit.id, (role, row.line))
    existing = _existing(planned)
    first_rows = {row.line: row for row in rows}
    for item in planned.values():
        _match(first_rows[item.line], item, existing, actor)
    have = _assigned([item.task.id for item in planned.values() if item.task is not None])
    for item in planned.values():
        _plan_changes(first_rows[item.line], item, have)
    for row in rows:
        result.errors.extend(row.errors)
    result.errors.sort(key=lambda e: e.line)
    for item in planned.values():
        if item.data is None:
            continue
        result.tasks.append(item)
        result.assignments += len(item.add)
        if item.task is None:
            result.created.append(item.data.title)
        elif item.changed or item.add:
            result.updated.append(item.task.title)
        else:
            result.unchanged += 1
    return result


def _check_agrees(row: Row, item: _Task, values: dict, given: set[str]) -> None:
    """Refuse a later line of a task whose filled cells differ from its first line."""
    for key in given - {"title", "source_number"}:
        names = TASK_CELLS[key][:1] if key == "deadline" else TASK_CELLS[key]
        mine = values.get("owner") if key == "owner_email" else values.get(names[0])
        theirs = item.owner if key == "owner_email" else item.values.get(names[0])
        if mine != theirs:
            row.error(
                key,
                _(
                    "Differs from line %(line)s for the same task: leave it empty or "
                    "repeat the same value.",
                    line=item.line,
                ),
            )


def _duplicate_units(units: list, line: int) -> str:
    names = ", ".join(u.name for u in units[:5]) + ("…" if len(units) > 5 else "")
    return _(
        "Duplicate: line %(line)s already gives this task to %(units)s.", line=line, units=names
    )


def _existing(planned: dict[tuple[str, str], _Task]) -> dict[tuple[str, str], list[Task]]:
    """Return the saved tasks the file names, by key (one query)."""
    found: dict[tuple[str, str], list[Task]] = defaultdict(list)
    # Recurring series are templates, never assigned: only ordinary tasks can match.
    for task in db.session.scalars(select(Task).where(Task.recurrence.is_(None))):
        key = task_key(task.title, task.source_number)
        if key in planned:
            found[key].append(task)
    return found


def _assigned(task_ids: list[int]) -> set[tuple[int, int]]:
    """Return the (task, unit) pairs already assigned (one query per thousand tasks)."""
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(task_ids), 1000):
        chunk = task_ids[start : start + 1000]
        pairs.update(
            (row.task_id, row.unit_id)
            for row in db.session.execute(
                select(Assignment.task_id, Assignment.unit_id).where(Assignment.task_id.in_(chunk))
            )
        )
    return pairs


def _match(row: Row, item: _Task, existing: dict, actor: User | None) -> None:
    """Find the saved task the item names, and the TaskInput the file leaves it with."""
    matches = existing.get(task_key(item.values["title"], item.values.get("source_number")), [])
    if len(matches) > 1:
        row.error("title", _("Several saved tasks have this title and document number."))
        return
    task = item.task = matches[0] if matches else None
    owner = item.owner
    if owner is None and task is None and actor is not None and actor.is_coordinator:
        owner = actor
    current_owner = task.owner_id if task is not None else None
    eligible = owner is not None and owner.active and owner.is_coordinator
    if owner is not None and owner.id != current_owner and not eligible:
        row.error("owner_email", _("The owner must be an active coordinator or administrator."))
    base = _input_of(task) if task is not None else TaskInput(title="", field="")
    values = {k: v for k, v in item.values.items() if k in _INPUT_FIELDS}
    if owner is not None:
        values["owner_id"] = owner.id
    item.data = replace(base, **values)


def _plan_changes(row: Row, item: _Task, have: set[tuple[int, int]]) -> None:
    """Work out the units to add and whether the saved task changes (closed ones cannot)."""
    task = item.task
    if task is None:
        item.add = list(item.units)
        return
    item.add = [u for u in item.units if (task.id, u) not in have]
    item.changed = bool(editing.task_changes(task, item.data))
    if task.closed_at is not None and (item.changed or item.add):
        row.error("title", str(editing.CLOSED_TASK))


def _input_of(task: Task) -> TaskInput:
    return TaskInput(**{f.name: getattr(task, f.name) for f in fields(TaskInput)})
