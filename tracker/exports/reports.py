"""Report tables as export sheets: the same figures the pages show, typed for Excel; the
sheets of each report, the same for the download buttons and ``tracker report``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tracker.domain.reports import AGEING_BANDS, CENTRAL, LOCAL, ProgrammeFigures, TaskFigures
from tracker.exports.narrative import group_split_text
from tracker.exports.writers import Column, Sheet
from tracker.labels import FIELD, GROUP, STATE, ageing_label, unit_name
from tracker.services.reports.figures import UnitStatus
from tracker.services.reports.matrix import Matrix
from tracker.services.reports.units import UnitRanking

BUCKET_COLUMNS = [
    Column("completed_on_time", _l("Completed on time"), "int"),
    Column("completed_late", _l("Completed late"), "int"),
    Column("open_on_track", _l("Open, within deadline"), "int"),
    Column("open_overdue", _l("Open, overdue"), "int"),
    Column("awaiting_confirmation", _l("Awaiting confirmation"), "int"),
    Column("applicable", _l("Assigned"), "int"),
    Column("completed", _l("Completed"), "int"),
    Column("due", _l("Already due"), "int"),
    # The official rate is over what is already due: the header says so, the column before
    # gives that basis, and a row with nothing due has no rate (an empty cell, never 100 %).
    Column("completion_rate", _l("Completion rate (completed of those already due)"), "percent"),
]


def bucket_values(b) -> dict:
    """Return the values of BUCKET_COLUMNS for one set of buckets."""
    return {
        "completed_on_time": b.completed_on_time,
        "completed_late": b.completed_late,
        "open_on_track": b.open_on_track,
        "open_overdue": b.open_overdue,
        "awaiting_confirmation": b.awaiting_confirmation,
        "applicable": b.applicable,
        "completed": b.completed,
        "due": b.due,
        "completion_rate": b.completion_rate,
    }


def tasks_sheet(tasks: list[TaskFigures]) -> Sheet:
    """Return one row per task: the group split in words and the official buckets."""
    columns = [
        Column("title", _l("Task"), width=60),
        Column("field", _l("Field")),
        Column("deadline", _l("Deadline"), "date"),
        Column("effective", _l("Effective deadline"), "date"),
        Column("wording", _l("Deadline as written")),
        Column("split", _l("Completed by group"), width=40),
        Column("central_done", _l("Ministries and agencies: completed"), "int"),
        Column("local_done", _l("Provinces: completed"), "int"),
        Column("local_total", _l("Provinces: assigned"), "int"),
        *BUCKET_COLUMNS,
    ]
    rows = (
        {
            "title": t.title,
            "field": str(FIELD.get(t.field, t.field)),
            "deadline": t.deadline,
            "effective": t.effective_deadline or t.deadline,
            "wording": t.deadline_wording,
            "split": group_split_text(t),
            "central_done": t.group(CENTRAL).completed,
            "local_done": t.group(LOCAL).completed,
            "local_total": t.group(LOCAL).applicable,
            **bucket_values(t.total),
        }
        for t in tasks
    )
    return Sheet(_l("Tasks"), columns, rows, freeze_first_column=True)


def missing_sheet(tasks: list[TaskFigures], *, too_many: bool = False) -> Sheet:
    """Return one row per (task, unit) not done on the day; ``too_many`` gives one row
    saying where to find them instead."""
    columns = [
        Column("title", _l("Task"), width=60),
        Column("code", _l("Code")),
        Column("unit", _l("Unit"), width=40),
        Column("group", _l("Group")),
    ]
    rows = (
        {"title": t.title, "code": u.code, "unit": unit_name(u), "group": str(GROUP[u.group])}
        for t in tasks
        for u in t.missing
    )
    if too_many:
        rows = [{"title": str(_l("Too many to list here: export each task's report."))}]
    return Sheet(_l("Units not done"), columns, rows)


def ageing_sheet(figures: ProgrammeFigures) -> Sheet:
    columns = [Column("band", _l("Days overdue")), Column("count", _l("Overdue"), "int")]
    rows = [
        {"band": ageing_label(label), "count": figures.ageing.get(label, 0)}
        for label, *_ in AGEING_BANDS
    ]
    return Sheet(_l("Overdue ageing"), columns, rows)


def units_sheet(ranking: UnitRanking) -> Sheet:
    """Return the ranked scorecards."""
    columns = [
        Column("rank", _l("Rank"), "int"),
        Column("code", _l("Code")),
        Column("unit", _l("Unit"), width=40),
        Column("group", _l("Group")),
        *BUCKET_COLUMNS,
        Column("average_days_late", _l("Average days late"), "number"),
    ]
    rows = (
        {
            "rank": rank,
            "code": s.unit.code,
            "unit": unit_name(s.unit),
            "group": str(GROUP[s.unit.group]),
            **bucket_values(s.buckets),
            "average_days_late": s.average_days_late,
        }
        for rank, s in enumerate(ranking.scores, start=1)
    )
    return Sheet(_l("Units"), columns, rows, freeze_first_column=True)


def task_units_sheet(rows: list[UnitStatus]) -> Sheet:
    """Return every unit of one task with its state and status on the day."""
    columns = [
        Column("code", _l("Code")),
        Column("unit", _l("Unit"), width=40),
        Column("group", _l("Group")),
        Column("state", _l("State")),
        Column("status", _l("Status"), "status"),
        Column("due", _l("Due date"), "date"),
        Column("effective", _l("Effective deadline"), "date"),
        Column("submitted", _l("Reported on"), "date"),
        Column("days_late", _l("Days late"), "int"),
    ]
    data = (
        {
            "code": r.unit.code,
            "unit": unit_name(r.unit),
            "group": str(GROUP[r.unit.group]),
            "state": str(STATE.get(r.state, r.state)),
            "status": r.status.status,
            "due": r.due_date,
            "effective": r.effective_due or r.due_date,
            "submitted": r.submitted_on,
            "days_late": r.status.days_overdue,
        }
        for r in rows
    )
    return Sheet(_l("Units"), columns, data, freeze_first_column=True)


def matrix_sheet(data: Matrix) -> Sheet:
    """Return the matrix: a row per unit, a status column per task."""
    columns = [
        Column("code", _l("Code")),
        Column("unit", _l("Unit"), width=40),
        *(Column(f"t{t.id}", t.title, "status", width=18) for t in data.tasks),
    ]
    rows = (
        {
            "code": u.code,
            "unit": unit_name(u),
            **{f"t{t.id}": data.cell(u.id, t.id) for t in data.tasks},
        }
        for u in data.units
    )
    return Sheet(_l("Matrix"), columns, rows, freeze_first_column=True)


def programme_sheets(
    figures: ProgrammeFigures, *, too_many: bool = False, ranking: UnitRanking | None = None
) -> list[Sheet]:
    """Return the programme report's sheets: tasks, units not done (``too_many``: a line
    saying where to find them), the unit scorecards when given, and overdue ageing."""
    tasks = list(figures.tasks)
    sheets = [tasks_sheet(tasks), missing_sheet(tasks, too_many=too_many)]
    if ranking is not None:
        sheets.append(units_sheet(ranking))
    sheets.append(ageing_sheet(figures))
    return sheets
