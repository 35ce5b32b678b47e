"""The lists (units, tasks, audit log) as export sheets: every filtered row the caller
loaded, with each unit's or task's standing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from flask_babel import lazy_gettext as _l

from tracker.domain.aggregate import Buckets
from tracker.exports.reports import BUCKET_COLUMNS, bucket_values
from tracker.exports.writers import Column, Sheet
from tracker.i18n import format_moment
from tracker.labels import EVENT_KIND, FIELD, GROUP, KIND, STATE, unit_name
from tracker.models import Event, Task, Unit


def units_sheet(units: Sequence[Unit], buckets: dict[int, Buckets]) -> Sheet:
    """Return the unit list with each unit's standing."""
    columns = [
        Column("code", _l("Code")),
        Column("name", _l("Unit"), width=40),
        Column("group", _l("Group")),
        Column("kind", _l("Kind")),
        Column("head_email", _l("Head's email")),
        *BUCKET_COLUMNS,
    ]
    rows = (
        {
            "code": u.code,
            "name": unit_name(u),
            "group": str(GROUP.get(u.group, u.group)),
            "kind": str(KIND.get(u.kind, u.kind)),
            "head_email": u.head_email or "",
            **bucket_values(buckets.get(u.id) or Buckets()),
        }
        for u in units
    )
    return Sheet(_l("Units"), columns, rows)


def tasks_sheet(
    tasks: Sequence[Task],
    buckets: dict[int, Buckets],
    effective: Callable[[Task], date | None] | None = None,
) -> Sheet:
    """Return the task list with each task's standing; ``effective`` gives a task's
    effective deadline (a deadline on a day off may roll to the next working day)."""
    columns = [
        Column("title", _l("Task"), width=60),
        Column("field", _l("Field")),
        Column("source", _l("Source document"), width=30),
        Column("deadline", _l("Deadline"), "date"),
        Column("effective", _l("Effective deadline"), "date"),
        Column("wording", _l("Deadline as written")),
        *BUCKET_COLUMNS,
    ]
    rows = (
        {
            "title": t.title,
            "field": str(FIELD.get(t.field, t.field)),
            "source": t.source_document,
            "deadline": t.deadline,
            "effective": effective(t) if effective is not None else t.deadline,
            "wording": t.deadline_wording,
            **bucket_values(buckets.get(t.id) or Buckets()),
        }
        for t in tasks
    )
    return Sheet(_l("Tasks"), columns, rows)


def audit_sheet(events: Sequence[Event]) -> Sheet:
    """Return the audit log: who did what, when."""
    columns = [
        Column("at", _l("When"), width=18),
        Column("actor", _l("By"), width=30),
        Column("kind", _l("What"), width=30),
        Column("unit", _l("Unit"), width=30),
        Column("task", _l("Task"), width=40),
        Column("from", _l("From")),
        Column("to", _l("To")),
        Column("note", _l("Note"), width=40),
    ]
    rows = (
        {
            "at": format_moment(e.at),
            "actor": e.actor.email if e.actor else "",
            "kind": str(EVENT_KIND.get(e.kind, e.kind)),
            "unit": unit_name(e.unit) if e.unit else "",
            "task": e.task.title if e.task else "",
            "from": str(STATE.get(e.from_state, e.from_state or "")),
            "to": str(STATE.get(e.to_state, e.to_state or "")),
            "note": e.note,
        }
        for e in events
    )
    return Sheet(_l("Audit log"), columns, rows)
