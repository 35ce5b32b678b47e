"""The maintained counts against a full recount: what ``tracker rollups check`` reports and
``tracker rollups rebuild`` repairs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, Integer, and_, case, cast, func, literal, select

from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import NO_DUE_DATE, Assignment, AssignmentTally, Unit

A, T = Assignment, AssignmentTally
S = AssignmentState


@dataclass(frozen=True)
class Difference:
    """One tally key whose maintained count is not the recounted one."""

    key: tuple  # (task_id, unit_group, state, due_date, late_days)
    kept: int
    counted: int


def _days_late():
    if db.engine.dialect.name == "postgresql":
        days = A.submitted_on - A.due_date
    else:
        days = cast(func.julianday(A.submitted_on) - func.julianday(A.due_date), Integer)
    submitted = A.state.in_([S.SUBMITTED.value, S.COMPLETED.value])
    return case((and_(submitted, A.submitted_on > A.due_date), days), else_=0)


def recount() -> dict[tuple, int]:
    """Return the tally recounted from every assignment (one query over the whole table)."""
    due = func.coalesce(A.due_date, cast(literal(NO_DUE_DATE), Date))
    keys = (A.task_id, Unit.group, A.state, due, _days_late())
    rows = db.session.execute(
        select(*keys, func.count()).join(Unit, Unit.id == A.unit_id).group_by(*keys)
    )
    return {_key(row[:5]): int(row[5]) for row in rows}


def kept() -> dict[tuple, int]:
    """Return the maintained tally, rows with a count of 0 left out."""
    rows = db.session.execute(
        select(T.task_id, T.unit_group, T.state, T.due_date, T.late_days, T.n).where(T.n != 0)
    )
    return {_key(row[:5]): int(row[5]) for row in rows}


def _key(values) -> tuple:
    task_id, group, state, due, late = values
    if isinstance(due, str):  # SQLite hands back the COALESCE of a date as text
        due = date.fromisoformat(due)
    return (int(task_id), group, state, due, int(late))


def differences() -> list[Difference]:
    """Return every key where the maintained counts and a full recount disagree."""
    have, want = kept(), recount()
    return [
        Difference(key, have.get(key, 0), want.get(key, 0))
        for key in sorted(set(have) | set(want), key=repr)
        if have.get(key, 0) != want.get(key, 0)
    ]


def rebuild() -> int:
    """Replace the maintained counts with a full recount (not committed); return the rows
    written."""
    counted = recount()
    db.session.execute(T.__table__.delete())
    if counted:
        db.session.execute(
            T.__table__.insert(),
            [
                {"task_id": k[0], "unit_group": k[1], "state": k[2], "due_date": k[3],
                 "late_days": k[4], "n": n}
                for k, n in counted.items()
            ],
        )  # fmt: skip
    return len(counted)
