"""The maintained counts against a full recount: what ``tracker rollups check`` reports and
``tracker rollups rebuild`` repairs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, and_, case, cast, func, literal, select

from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import NO_DUE_DATE, Assignment, AssignmentTally, Unit, UnitTally
from tracker.services.reports.base import days_between
from tracker.services.rollups import offsets, units
from tracker.services.rollups.units import clock_day

A, T, U = Assignment, AssignmentTally, UnitTally
S = AssignmentState


@dataclass(frozen=True)
class Difference:
    """One tally key whose maintained count is not the recounted one."""

    key: tuple  # (task_id, unit_group, state, due_date, late_days) or (unit, state, overdue)
    kept: int | tuple
    counted: int | tuple


def _days_late():
    days = days_between(A.submitted_on, A.due_date)
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


def recount_units() -> dict[tuple, tuple[int, int]]:
    """Return the per-unit counts recounted from every assignment at the clock's day, under
    the rule the clock's row records: {(unit, state, overdue): (n, days)} (one query)."""
    return units.recount(units.clock_rule())


def offset_differences(day_off_rolls: bool) -> list[Difference]:
    """Return the days whose roll offset the triggers read (``DayOffOffset``) is not the
    calendar's, and the deployment's rule if the counts are kept under another."""
    have, want = offsets.kept(), offsets.wanted(clock_day())
    found = [
        Difference(("day off", day), have.get(day, 0), want.get(day, 0))
        for day in sorted(set(have) | set(want))
        if have.get(day, 0) != want.get(day, 0)
    ]
    if (kept_rule := units.clock_rule()) != day_off_rolls:
        found.append(Difference(("rule",), int(kept_rule), int(day_off_rolls)))
    return found


def kept_units() -> dict[tuple, tuple[int, int]]:
    """Return the maintained per-unit counts, rows with nothing in them left out."""
    rows = db.session.execute(select(U.unit_id, U.state, U.overdue, U.n, U.days))
    return {(uid, state, bool(o)): (int(n), int(d)) for uid, state, o, n, d in rows if n or d}


def unit_differences() -> list[Difference]:
    """Return every (unit, state, overdue) whose maintained (count, days) differ from a
    recount at the clock's day."""
    have, want = kept_units(), recount_units()
    return [
        Difference(key, have.get(key, (0, 0)), want.get(key, (0, 0)))
        for key in sorted(set(have) | set(want), key=repr)
        if have.get(key, (0, 0)) != want.get(key, (0, 0))
    ]


def rebuild(day_off_rolls: bool) -> int:
    """Replace the maintained counts with a full recount, and the day-off offsets with the
    calendar's, under the deployment's rule ``day_off_rolls`` (not committed); return the
    task count rows written."""
    counted = recount()
    units.rebuild(day_off_rolls)
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
