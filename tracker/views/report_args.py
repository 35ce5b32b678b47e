"""Reading a report's day and filters from the query string."""

from __future__ import annotations

from datetime import date

from flask import request
from flask_babel import gettext as _

from tracker import clock
from tracker.models import Field, UnitGroup
from tracker.services.reports import ReportScope, report_scope
from tracker.views import context, filters


def scope(task_ids: list[int] | None = None) -> ReportScope:
    """Return the report scope the query string asks for (bad values are flashed, ignored);
    ``task_ids`` fixes the tasks instead."""
    day = filters.day("as_of", _("As of")) or clock.today()
    if task_ids is None:
        task_ids = [int(v) for v in request.args.getlist("task") if v.isdigit()][:500]
    return report_scope(
        day,
        context.due_soon_days(),
        task_ids=task_ids or None,
        field=filters.choice("field", {f.value for f in Field}),
        priority_only=request.args.get("priority") == "1",
        group=filters.choice("group", {g.value for g in UnitGroup}),
    )


def start_of_trend(day: date) -> date:
    """Return where the progress chart starts: 1 January of the report's year, or six months
    back early in a year."""
    first = date(day.year, 1, 1)
    return first if (day - first).days >= 60 else date(day.year - 1, 7, 1)


def export_format() -> str | None:
    return request.args.get("format") or None


def printable() -> bool:
    return request.args.get("print") == "1"


def page_arg(name: str = "page") -> int:
    value = request.args.get(name, "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1


def missing_only() -> bool:
    return request.args.get("missing") == "1"
