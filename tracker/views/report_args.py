"""Reading a report's day and filters from the query string."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from tracker import clock
from tracker.models import Field, UnitGroup
from tracker.services.reports.pages import ReportParams
from tracker.views import context, filters


def params(task_ids: list[int] | None = None) -> ReportParams:
    """Return the report the query string asks for (bad values are flashed, ignored): its day
    (default today), today and the filters; ``task_ids`` fixes the tasks instead."""
    today = clock.today()
    day = filters.day("as_of", _("As of")) or today
    if task_ids is None:
        task_ids = [int(v) for v in request.args.getlist("task") if v.isdigit()][:500]
    return ReportParams(
        day=day,
        today=today,
        due_soon_days=context.due_soon_days(),
        task_ids=tuple(task_ids) if task_ids else None,
        field=filters.choice("field", {f.value for f in Field}),
        priority_only=request.args.get("priority") == "1",
        group=filters.choice("group", {g.value for g in UnitGroup}),
        day_off_rolls=context.day_off_rolls(),
    )


def export_format() -> str | None:
    """Return the download format asked for (``?format=xlsx|csv``), or None for the page."""
    return request.args.get("format") or None


def printable() -> bool:
    """Return whether the printable page is asked for (``?print=1``)."""
    return request.args.get("print") == "1"


def page_arg(name: str = "page") -> int:
    """Return the page number in ``name`` (1 for anything that is not a positive number)."""
    value = request.args.get(name, "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1


def missing_only() -> bool:
    """Return whether only the units not done are asked for (``?missing=1``)."""
    return request.args.get("missing") == "1"
