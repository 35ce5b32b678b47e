"""Downloads of the lists (units, audit log, tasks): what the page filters, as XLSX or CSV.

A list export holds every filtered row, not just the page shown, up to ``LIST_EXPORT_MAX``.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from tracker.domain.aggregate import Buckets
from tracker.extensions import db
from tracker.i18n import format_moment
from tracker.services.export import Column, Sheet
from tracker.views.export import export_response
from tracker.views.helpers import FIELD, GROUP, KIND, STATE, url_with
from tracker.views.reports.sheets import BUCKET_COLUMNS, bucket_values
from tracker.views.timeline import EVENT_KIND

LIST_EXPORT_MAX = 50_000


def requested() -> str | None:
    """Return the export format the query string asks for, if any."""
    return request.args.get("format") or None


def _rows(query) -> list:
    return list(db.session.scalars(query.limit(LIST_EXPORT_MAX)).unique())


def units(query, buckets_of, fmt: str):
    """Return the filtered unit list with each unit's standing today."""
    units = _rows(query)
    buckets = buckets_of([u.id for u in units])
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
            "name": u.name,
            "group": str(GROUP.get(u.group, u.group)),
            "kind": str(KIND.get(u.kind, u.kind)),
            "head_email": u.head_email or "",
            **bucket_values(buckets.get(u.id) or Buckets()),
        }
        for u in units
    )
    return export_response([Sheet(_l("Units"), columns, rows)], fmt, "units")


def tasks(query, buckets_of, fmt: str):
    """Return the filtered task list with each task's standing today."""
    tasks = _rows(query)
    buckets = buckets_of([t.id for t in tasks])
    columns = [
        Column("title", _l("Task"), width=60),
        Column("field", _l("Field")),
        Column("source", _l("Source document"), width=30),
        Column("deadline", _l("Deadline"), "date"),
        Column("wording", _l("Deadline as written")),
        *BUCKET_COLUMNS,
    ]
    rows = (
        {
            "title": t.title,
            "field": str(FIELD.get(t.field, t.field)),
            "source": t.source_document,
            "deadline": t.deadline,
            "wording": t.deadline_wording,
            **bucket_values(buckets.get(t.id) or Buckets()),
        }
        for t in tasks
    )
    return export_response([Sheet(_l("Tasks"), columns, rows)], fmt, "tasks")


def audit(query, fmt: str):
    """Return the filtered audit log: who did what, when."""
    events = _rows(query)
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
            "unit": e.unit.name if e.unit else "",
            "task": e.task.title if e.task else "",
            "from": str(STATE.get(e.from_state, e.from_state or "")),
            "to": str(STATE.get(e.to_state, e.to_state or "")),
            "note": e.note,
        }
        for e in events
    )
    return export_response([Sheet(_l("Audit log"), columns, rows)], fmt, "audit-log")


def buttons() -> Markup:
    """Return the two download links for the current list, keeping its filters."""
    links = {fmt: url_with(format=fmt, page=None) for fmt in ("xlsx", "csv")}
    return Markup(render_template("_export_buttons.html", links=links))
