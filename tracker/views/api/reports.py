"""The reports of ``/api/v1/reports``, as of any day (``as_of``, default today), for the
roles that read reports (administrators, coordinators, viewers): the programme's figures,
one task's split and its units, the unit scorecards. They run on the reports engine, as
the report pages do."""

from __future__ import annotations

import dataclasses
from datetime import date

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint

from tracker import clock, settings
from tracker.domain.reports import AGEING_BANDS, CENTRAL, LOCAL
from tracker.domain.status import TimeStatus
from tracker.extensions import on_reports_engine
from tracker.models import Role
from tracker.services.errors import NotFound
from tracker.services.reports import pages
from tracker.views.api.common import (
    LINK_HEADER,
    NumberedPageArgs,
    numbered_page_link,
    problem,
)
from tracker.views.api.errors_doc import documented

READERS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.VIEWER})
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
# The days reports cover, also as a pattern in the description (a date of this century).
DAY_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"

reports = Blueprint(
    "api_reports", __name__, url_prefix="/api/v1/reports", description="Reports as of a day"
)


class BucketsSchema(ma.Schema):
    total = ma.fields.Integer(required=True)
    not_applicable = ma.fields.Integer(required=True)
    completed_on_time = ma.fields.Integer(required=True)
    completed_late = ma.fields.Integer(required=True)
    open_on_track = ma.fields.Integer(required=True)
    open_overdue = ma.fields.Integer(required=True)
    awaiting_confirmation = ma.fields.Integer(required=True)
    completed = ma.fields.Integer(required=True)
    due = ma.fields.Integer(
        required=True, metadata={"description": "Completed, or open and overdue."}
    )
    completion_rate = ma.fields.Float(
        allow_none=True,
        metadata={"description": "completed / due (0 to 1); null while nothing is due."},
    )


class GroupsSchema(ma.Schema):
    central = ma.fields.Nested(BucketsSchema, allow_none=True)
    local = ma.fields.Nested(BucketsSchema, allow_none=True)


class TaskFiguresSchema(ma.Schema):
    task_id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    deadline = ma.fields.Date(allow_none=True)
    total = ma.fields.Nested(BucketsSchema, required=True)
    by_group = ma.fields.Nested(GroupsSchema, required=True)


class ProgrammeSchema(ma.Schema):
    as_of = ma.fields.Date(required=True)
    total = ma.fields.Nested(BucketsSchema, required=True)
    by_group = ma.fields.Nested(GroupsSchema, required=True)
    ageing = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        required=True,
        metadata={"description": "Open overdue assignments by days overdue."},
    )
    tasks = ma.fields.List(ma.fields.Nested(TaskFiguresSchema), required=True)


class UnitStatusSchema(ma.Schema):
    unit_id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    group = ma.fields.String(required=True)
    state = ma.fields.String(required=True)
    due_date = ma.fields.Date(allow_none=True)
    submitted_on = ma.fields.Date(allow_none=True)
    status = ma.fields.String(required=True, metadata={"enum": [s.value for s in TimeStatus]})
    days_overdue = ma.fields.Integer(allow_none=True)


class TaskReportSchema(ma.Schema):
    as_of = ma.fields.Date(required=True)
    figures = ma.fields.Nested(TaskFiguresSchema, allow_none=True)
    units = ma.fields.List(ma.fields.Nested(UnitStatusSchema), required=True)


class ScoreSchema(ma.Schema):
    rank = ma.fields.Integer(required=True)
    unit_id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    group = ma.fields.String(required=True)
    buckets = ma.fields.Nested(BucketsSchema, required=True)
    average_days_late = ma.fields.Float(allow_none=True)


class ScoresSchema(ma.Schema):
    as_of = ma.fields.Date(required=True)
    count = ma.fields.Integer(required=True)
    items = ma.fields.List(ma.fields.Nested(ScoreSchema), required=True)


class AsOfArgs(ma.Schema):
    as_of = ma.fields.Date(
        validate=ma.validate.Range(EARLIEST, LATEST),
        metadata={
            "description": "The report's day, 2000-01-01 to 2099-12-31 (default: today).",
            "pattern": DAY_PATTERN,
        },
    )


class TaskReportArgs(AsOfArgs):
    missing = ma.fields.Boolean(metadata={"description": "Only the units not done."})


class ScoreArgs(AsOfArgs, NumberedPageArgs):
    pass


def _params(args):
    """Return the report asked for, or the refusal: 403 to those who do not read reports,
    422 for a day outside what reports cover."""
    if current_user.role not in READERS:
        return problem(403)
    today = clock.today()
    day = args.get("as_of") or today
    if not EARLIEST <= day <= LATEST:
        return problem(422, errors={"query": {"as_of": [str(OUT_OF_RANGE)]}})
    current = settings.current()
    return pages.ReportParams(
        day=day,
        today=today,
        due_soon_days=current.due_soon_days,
        day_off_rolls=current.day_off_rolls,
    )


BUCKET_FIELDS = tuple(BucketsSchema().fields)  # read once: a programme has many buckets


def _buckets(b) -> dict:
    return {name: getattr(b, name) for name in BUCKET_FIELDS}


def _task(t) -> dict:
    return {
        "task_id": t.task_id,
        "title": t.title,
        "deadline": t.deadline,
        "total": _buckets(t.total),
        "by_group": {g: _buckets(b) for g, b in t.by_group.items() if g in (CENTRAL, LOCAL)},
    }


OUT_OF_RANGE = _l("A day from 01/01/2000 to 31/12/2099.")


@reports.route("/programme")
@reports.arguments(AsOfArgs, location="query")
@reports.response(200, ProgrammeSchema)
@documented(reports, 400, 401, 403, 422, 429)
def programme(args):
    """The programme's figures as of a day: every task's split, by group and in all."""
    params = _params(args)
    if not isinstance(params, pages.ReportParams):
        return params  # the refusal
    with on_reports_engine():
        found = pages.programme_export(params)
    figures = found.figures
    by_group = {}
    for t in figures.tasks:
        for g, b in t.by_group.items():
            by_group[g] = by_group[g] + b if g in by_group else b
    return {
        "as_of": figures.as_of,
        "total": _buckets(figures.total),
        "by_group": {g: _buckets(b) for g, b in by_group.items()},
        "ageing": {label: figures.ageing.get(label, 0) for label, *_ in AGEING_BANDS},
        "tasks": [_task(t) for t in figures.tasks],
    }


@reports.route("/tasks/<int(max=2147483647):task_id>")
@reports.arguments(TaskReportArgs, location="query")
@reports.response(200, TaskReportSchema)
@documented(reports, 400, 401, 403, 404, 422, 429)
def task_report(args, task_id: int):
    """One task as of a day: its split and each unit's status (or only those not done)."""
    params = _params(args)
    if not isinstance(params, pages.ReportParams):
        return params  # the refusal
    params = dataclasses.replace(params, task_ids=(task_id,))
    try:
        with on_reports_engine():
            found = pages.task_page(
                params, task_id, only_missing=args.get("missing", False), page=1, per_page=10**6
            )
    except NotFound:
        return problem(404)
    return {
        "as_of": found.scope.day,
        "figures": _task(found.figures) if found.figures is not None else None,
        "units": [
            {
                "unit_id": row.unit.id,
                "code": row.unit.code,
                "name": row.unit.name,
                "group": row.unit.group,
                "state": row.state,
                "due_date": row.due_date,
                "submitted_on": row.submitted_on,
                "status": row.status.status.value,
                "days_overdue": row.status.days_overdue,
            }
            for row in found.page.items
        ],
    }


@reports.route("/units")
@reports.arguments(ScoreArgs, location="query")
@reports.response(200, ScoresSchema, headers=LINK_HEADER)
@documented(reports, 400, 401, 403, 422, 429)
def scorecards(args):
    """The unit scorecards as of a day, best first, a page at a time."""
    params = _params(args)
    if not isinstance(params, pages.ReportParams):
        return params  # the refusal
    with on_reports_engine():
        found = pages.units_page(params, page=args["page"], per_page=args["limit"])
    items = [
        {
            "rank": rank,
            "unit_id": score.unit.id,
            "code": score.unit.code,
            "name": score.unit.name,
            "group": score.unit.group,
            "buckets": _buckets(score.buckets),
            "average_days_late": score.average_days_late,
        }
        for rank, score in found.page.items
    ]
    link = numbered_page_link("api_reports.scorecards", args, found.count)
    return {"as_of": found.scope.day, "count": found.count, "items": items}, 200, link
