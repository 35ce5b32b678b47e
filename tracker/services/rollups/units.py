"""Per-unit figures from the maintained counts (``UnitTally``): unit scorecards and the
dashboard's late units read a few rows per unit instead of every assignment.

The counts judge open assignments at the clock's day (``RollupClock``), which the
scheduler moves on at midnight (``roll``). A reader asking about another day adds the
assignments falling due in between: none on an ordinary day, a day's worth when the
midnight job is late, the whole gap in tests that fix the date. Deadlines on days off are
judged at their effective date by the triggers themselves (``DayOffOffset``,
``rollups.offsets``), under the deployment's rule the clock's row records: a reader under
another rule (the setting changed, the scheduler not yet restarted) gets None and counts
the assignments instead.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracker.domain.aggregate import Buckets
from tracker.domain.calendar import WorkCalendar
from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import Assignment, DayOffOffset, RollupClock, Task, Unit, UnitTally
from tracker.services import days_off, status_sql
from tracker.services.calendar import load_calendar
from tracker.services.rollups import offsets
from tracker.services.sql_dates import days_between
from tracker.services.status_sql import AsOf

A, U = Assignment, UnitTally
S = AssignmentState
WORKING = (S.ASSIGNED.value, S.IN_PROGRESS.value)
OPEN = (*WORKING, S.SUBMITTED.value)
EPOCH = date(2000, 1, 1)
ROLL_BATCH = 2000  # rows per statement when the counts move on
UNSET = date(1, 1, 1)  # the clock's day while its row is missing (see migration 0009)


@dataclass(frozen=True)
class UnitFigures:
    """One unit's buckets and its days late: their total and how many were late."""

    buckets: Buckets
    days_late: int
    late: int


def ordinal(column):
    """Return ``column`` (a date) as days since 2000-01-01, in SQL."""
    return days_between(column, literal(EPOCH, Date))


def clock_rule() -> bool:
    """Return whether the counts roll the deadlines on a day off of tasks without their own
    rule (the deployment's rule when they were last brought in line with it)."""
    rule = db.session.scalar(select(RollupClock.day_off_rolls).where(RollupClock.id == 1))
    return True if rule is None else bool(rule)


def clock_day() -> date:
    """Return the day the counts judge open assignments at."""
    return db.session.scalar(select(RollupClock.day).where(RollupClock.id == 1)) or UNSET


def _falling_due(
    since: date, day: date, default: bool, unit_ids: list[int] | None = None
) -> list[tuple]:
    """Return (unit, state, key overdue before, after, count, effective due days) for the
    open assignments whose overdue status differs between the clock's day ``since`` and
    ``day``, their effective deadlines worked out as the triggers do, with ``default`` for
    tasks without their own rule (one query)."""
    if since == day:
        return []
    low, high = sorted((since, day))
    rolls = func.coalesce(Task.deadline_day_off_rolls, literal(default))
    effective = ordinal(A.due_date) + case((rolls, func.coalesce(DayOffOffset.days, 0)), else_=0)
    # An effective deadline is never before the written one, nor more than the longest run
    # of days off after it: the due-date index still bounds the rows read.
    earliest = max(low, EPOCH) - timedelta(days=offsets.longest_roll(high))
    query = (
        select(A.unit_id, A.state, func.count(), func.sum(effective))
        .join(Task, Task.id == A.task_id)
        .outerjoin(DayOffOffset, DayOffOffset.day == A.due_date)
        .where(A.state.in_(WORKING), A.due_date >= earliest, A.due_date < high)
        .where(effective >= (low - EPOCH).days, effective < (high - EPOCH).days)
    )
    if unit_ids is not None:
        query = query.where(A.unit_id.in_(unit_ids))
    rows = db.session.execute(query.group_by(A.unit_id, A.state))
    later = day > since  # they become overdue; before the clock's day, they were not yet
    return [(uid, state, not later, later, int(n), int(due or 0)) for uid, state, n, due in rows]


def _apply(rows: dict[tuple, list[int]], moves: list[tuple]) -> int:
    """Add to ``rows`` ({(unit, state, overdue): [n, days]}) the assignments that change
    side (``_falling_due``); return how many."""
    moved = 0
    for uid, state, before, after, n, due in moves:
        rows[(uid, state, before)][0] -= n
        rows[(uid, state, before)][1] -= due if before else 0
        rows[(uid, state, after)][0] += n
        rows[(uid, state, after)][1] += due if after else 0
        moved += n
    return moved


FIGURES = ("total", "not_applicable", "completed_on_time", "completed_late", "open_on_track",
           "open_overdue", "awaiting_confirmation", "late", "days_late")  # fmt: skip


# Bound at execution: the day figures are read at, in days since EPOCH (``_at``), and the
# units asked about.
_TODAY = bindparam("today", type_=Integer)
_UNIT_IDS = bindparam("unit_ids", expanding=True, type_=Integer)


def _at(day: date) -> dict:
    return {"today": (day - EPOCH).days}


@functools.cache
def _figures_query(some_units: bool = False) -> Select:
    """Return one row per unit (of the bound units when ``some_units``): its ``FIGURES`` at
    the clock's day, with days late counted up to the bound day, and the clock's day. Built
    once: a unit's page and the scorecards read it on every request."""

    def total(condition) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, U.n), else_=0)), 0)

    clock = select(RollupClock.day).where(RollupClock.id == 1).scalar_subquery()
    rule = select(RollupClock.day_off_rolls).where(RollupClock.id == 1).scalar_subquery()
    values = [
        total(U.state != S.TRANSFERRED.value),
        total(U.state == S.NOT_APPLICABLE.value),
        total(and_(U.state == S.COMPLETED.value, U.overdue.is_(False))),
        total(and_(U.state == S.COMPLETED.value, U.overdue.is_(True))),
        total(and_(U.state.in_(OPEN), U.overdue.is_(False))),
        total(and_(U.state.in_(OPEN), U.overdue.is_(True))),
        total(U.state == S.SUBMITTED.value),
        total(U.overdue.is_(True)),
        func.coalesce(
            func.sum(
                case(
                    (and_(U.overdue.is_(True), U.state.in_(WORKING)), U.n * _TODAY - U.days),
                    (U.overdue.is_(True), U.days),
                    else_=0,
                )
            ),
            0,
        ),
        func.max(clock),
    ]
    labelled = [v.label(name) for v, name in zip(values[:-1], FIGURES, strict=True)]
    query = select(
        U.unit_id, *labelled, values[-1].label("clock"), func.max(cast(rule, Integer)).label("rule")
    ).group_by(U.unit_id)
    return query.where(U.unit_id.in_(_UNIT_IDS)) if some_units else query


def _counted_under(as_of: AsOf, rule) -> bool:
    """Return whether counts kept under the clock's ``rule`` (None: no unit has any) judge
    deadlines on days off as ``as_of`` does."""
    return rule is None or bool(rule) == as_of.rule.default


def figures(as_of: AsOf, unit_ids: list[int] | None = None) -> dict[int, UnitFigures] | None:
    """Return the figures on the as-of day of every unit (or of ``unit_ids``) with
    assignments: one row per unit added up in the database, then the assignments falling due
    between the clock's day and that day moved across (two queries at most). None when the
    counts judge deadlines on days off under another rule than ``as_of``."""
    day = as_of.day
    params = _at(day)
    today = params["today"]
    if unit_ids is not None:
        params["unit_ids"] = list(unit_ids)
    query = _figures_query(unit_ids is not None)
    found: dict[int, list[int]] = {}
    since, rule = day, None
    for uid, *values, clock_day_, rule in db.session.execute(query, params):  # noqa: B007
        found[uid] = [int(v) for v in values]
        since = clock_day_ or UNSET
    if not _counted_under(as_of, rule):
        return None
    for uid, _state, _before, after, n, due in _falling_due(
        since, day, as_of.rule.default, unit_ids
    ):
        f = found.setdefault(uid, [0] * 9)
        sign = 1 if after else -1  # becoming overdue, or no longer
        f[4] -= sign * n  # open on track
        f[5] += sign * n  # open overdue
        f[7] += sign * n  # late
        f[8] += sign * (n * today - due)  # days late
    return {
        uid: UnitFigures(Buckets(*f[:7]), days_late=f[8], late=f[7]) for uid, f in found.items()
    }


def ranked_page(
    as_of: AsOf, *, group: str | None, limit: int, offset: int
) -> tuple[list[tuple[tuple, UnitFigures]], int] | None:
    """Return the units with assignments ranked as the scorecards rank them (completion
    rate, on-time share, fewest overdue, fewest average days late, name): ``limit`` of them
    from ``offset`` as ((id, code, name, group), figures), and how many there are in all
    (one query, ranked in the database). None when the counts judge another day or rule
    than the as-of day's, or the page is past the end: the caller then ranks every unit's
    ``figures``."""
    day = as_of.day
    rows = _figures_query().subquery()
    completed = rows.c.completed_on_time + rows.c.completed_late
    due = completed + rows.c.open_overdue

    def share(part) -> ColumnElement[float]:
        return cast(part, Float) / cast(due, Float)

    name = Unit.name.collate("C") if db.engine.dialect.name == "postgresql" else Unit.name
    query = (
        select(
            rows,
            Unit.code,
            Unit.name.label("unit_name"),
            Unit.group,
            Unit.name_en.label("unit_name_en"),
            func.count().over(),
        )
        .join(Unit, Unit.id == rows.c.unit_id)
        .where(rows.c.total > 0)
        .order_by(
            due == 0,  # units with nothing due yet go last
            case((due > 0, share(completed)), else_=0.0).desc(),
            case((due > 0, share(rows.c.completed_on_time)), else_=1.0).desc(),
            rows.c.open_overdue,
            case(
                (rows.c.late > 0, cast(rows.c.days_late, Float) / cast(rows.c.late, Float)),
                else_=0.0,
            ),
            name,  # as Python compares names: by code point
            Unit.id,
        )
    )
    if group:
        query = query.where(Unit.group == group)
    found = db.session.execute(query.limit(limit).offset(offset), _at(day)).all()
    if not found:
        return None if offset else ([], 0)
    if found[0].clock != day or not _counted_under(as_of, found[0].rule):
        return None
    page = []
    for row in found:
        f = [int(getattr(row, name)) for name in FIGURES]
        unit = (row.unit_id, row.code, row.unit_name, row.group, row.unit_name_en)
        page.append((unit, UnitFigures(Buckets(*f[:7]), days_late=f[8], late=f[7])))
    return page, found[0][-1]


def most_overdue(as_of: AsOf, limit: int | None = None) -> list[tuple[int, int]]:
    """Return (unit, open overdue assignments on the as-of day) of every unit that has any,
    or of the first ``limit``, the most first, then by name.

    On the clock's day the database ranks them and returns ``limit`` rows (one query);
    otherwise every unit's rows are read and those falling due in between moved across
    (two more). Under another rule for days off than the counts', the assignments are
    counted."""
    day = as_of.day
    clock = select(RollupClock.day).where(RollupClock.id == 1).scalar_subquery()
    rule = select(RollupClock.day_off_rolls).where(RollupClock.id == 1).scalar_subquery()
    if limit is not None:
        overdue = func.sum(U.n)
        rows = db.session.execute(
            select(U.unit_id, overdue, clock, rule)
            .join(Unit, Unit.id == U.unit_id)
            .where(U.overdue.is_(True), U.n != 0)
            .where(U.state != S.COMPLETED.value, U.state != S.NOT_APPLICABLE.value)
            .group_by(U.unit_id, Unit.sort_name)
            .having(overdue > 0)
            .order_by(overdue.desc(), Unit.sort_name, U.unit_id)
            .limit(limit)
        ).all()
        if rows and not _counted_under(as_of, rows[0][3]):
            return _recounted_overdue(as_of, limit)
        if (rows[0][2] if rows else clock_day()) == day:
            return [(uid, int(n)) for uid, n, _, _ in rows]
        return most_overdue(as_of)[:limit]
    rows = db.session.execute(
        select(U.unit_id, Unit.sort_name, U.state, U.overdue, U.n, clock, rule)
        .join(Unit, Unit.id == U.unit_id)
        .where(U.n != 0, U.state != S.COMPLETED.value, U.state != S.NOT_APPLICABLE.value)
        .where(U.overdue.is_(True) | U.state.in_(WORKING))
    ).all()
    if rows and not _counted_under(as_of, rows[0][6]):
        return _recounted_overdue(as_of, None)
    counts: dict[int, int] = defaultdict(int)
    names: dict[int, str] = {}
    since = day
    for uid, name, _state, overdue, n, since, _rule in rows:  # noqa: B007
        names[uid] = name
        if overdue:
            counts[uid] += n
    for uid, _state, _before, after, n, _due in _falling_due(
        since or UNSET, day, as_of.rule.default
    ):
        counts[uid] += n if after else -n
    ranked = [(uid, n) for uid, n in counts.items() if n > 0]
    ranked.sort(key=lambda kv: (-kv[1], names.get(kv[0], "")))
    return ranked[:limit] if limit is not None else ranked


def _recounted_overdue(as_of: AsOf, limit: int | None) -> list[tuple[int, int]]:
    """Return ``most_overdue`` counted over the assignments themselves (one query)."""
    overdue = func.count()
    query = (
        select(A.unit_id, overdue)
        .join(Unit, Unit.id == A.unit_id)
        .where(status_sql.status_filter("overdue", as_of))
        .group_by(A.unit_id, Unit.sort_name)
        .order_by(overdue.desc(), Unit.sort_name, A.unit_id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [(uid, int(n)) for uid, n in db.session.execute(query)]


def roll(day: date, day_off_rolls: bool | None = None) -> int:
    """Move the counts on (or back) to judge open assignments at ``day``; return how many
    assignments changed side (not committed). Waits for changes in flight (PostgreSQL)."""
    return advance(day, day_off_rolls)[1]


def _locked_clock() -> date:
    """Return the clock's day, its row locked until the caller's commit (written first
    if missing: the triggers have then been counting at ``UNSET``)."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    since = db.session.scalar(select(RollupClock.day).where(RollupClock.id == 1).with_for_update())
    if since is None:
        db.session.execute(insert(RollupClock).values(id=1, day=UNSET))
        since = UNSET
    return since


def advance(day: date, day_off_rolls: bool | None = None) -> tuple[date, int]:
    """Move the counts on (or back) as ``roll`` does; return the day they judged before
    (``UNSET`` if they had never been moved) and how many assignments changed side. The
    clock's row stays locked until the caller's commit: what else the caller does about
    the days in between (``assignments.overdue``), it does once. With ``day_off_rolls``
    (the deployment's rule), the counts are first brought in line with it and the calendar
    (``sync``)."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    since = _locked_clock()
    if day_off_rolls is not None:
        sync(day, day_off_rolls)
    if since == day:
        return since, 0
    default = clock_rule()
    changes: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    moved = _apply(changes, _falling_due(since, day, default))
    rows = [
        {"unit_id": k[0], "state": k[1], "overdue": k[2], "n": v[0], "days": v[1]}
        for k, v in sorted(changes.items())
    ]
    for start in range(0, len(rows), ROLL_BATCH):  # within the drivers' parameter limits
        statement = insert(U).values(rows[start : start + ROLL_BATCH])
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=[U.unit_id, U.state, U.overdue],
                set_={"n": U.n + statement.excluded.n, "days": U.days + statement.excluded.days},
            )
        )
    db.session.execute(update(RollupClock).where(RollupClock.id == 1).values(day=day))
    return since, moved


def sync(day: date, day_off_rolls: bool) -> bool:
    """Bring the day-off offsets (``offsets``) and the clock's rule in line with the
    calendar, the clock's ``day`` and the deployment's rule ``day_off_rolls``; when either
    differed, recount the per-unit counts at the clock's day (one query over every
    assignment). Return whether they differed (not committed; the clock's row locked)."""
    _locked_clock()
    calendar = offsets.calendar()
    wanted = offsets.wanted(day, calendar)
    if clock_rule() == day_off_rolls and offsets.kept() == wanted:
        return False
    _rewrite(wanted, day_off_rolls, calendar)
    return True


def rebuild(day_off_rolls: bool) -> None:
    """Replace the day-off offsets, the clock's rule and the per-unit counts with what the
    calendar and ``day_off_rolls`` give at the clock's day (not committed)."""
    day = _locked_clock()
    calendar = offsets.calendar()
    _rewrite(offsets.wanted(day, calendar), day_off_rolls, calendar)


def _rewrite(wanted: dict[date, int], day_off_rolls: bool, calendar: WorkCalendar) -> None:
    offsets.write(wanted)
    db.session.execute(
        update(RollupClock).where(RollupClock.id == 1).values(day_off_rolls=day_off_rolls)
    )
    counted = recount(day_off_rolls, calendar)
    db.session.execute(U.__table__.delete())
    if counted:
        db.session.execute(
            U.__table__.insert(),
            [{"unit_id": k[0], "state": k[1], "overdue": k[2], "n": v[0], "days": v[1]}
             for k, v in counted.items()],
        )  # fmt: skip


def recount(
    day_off_rolls: bool, calendar: WorkCalendar | None = None
) -> dict[tuple, tuple[int, int]]:
    """Return the per-unit counts recounted from every assignment at the clock's day, with
    the ``calendar`` (by default the request's) and the rule ``day_off_rolls`` for tasks
    without their own:
    {(unit, state, overdue): (n, days)} (one query over the whole table, judging effective
    deadlines as every other reader does, not through ``offsets``)."""
    day = clock_day()
    rule = days_off.load_rule(day_off_rolls)
    # A clock never moved (``UNSET``) judges nothing open overdue: any day before the first
    # due date gives the same rolls.
    judged = max(day, EPOCH)
    rolls = days_off.build(judged, judged, calendar or load_calendar(), rule)
    shift = days_off.rolled_offset(A.due_date, A.task_id, rolls)
    effective = ordinal(A.due_date) if shift is None else ordinal(A.due_date) + shift
    as_of = AsOf(judged, judged, rolls)
    open_overdue = and_(A.state.in_(WORKING), A.due_date < day, status_sql.open_overdue(as_of))
    reported = A.state.in_([S.SUBMITTED.value, S.COMPLETED.value])
    reported_late = and_(reported, status_sql.late_submission(as_of))
    late_days = days_between(A.submitted_on, A.due_date)
    if shift is not None:
        late_days = late_days - shift
    overdue = case((or_(open_overdue, reported_late), True), else_=False)
    days = case((open_overdue, effective), (reported_late, late_days), else_=0)
    rows = db.session.execute(
        select(A.unit_id, A.state, overdue, func.count(), func.sum(days)).group_by(
            A.unit_id, A.state, overdue
        )
    )
    return {(uid, state, bool(o)): (int(n), int(d or 0)) for uid, state, o, n, d in rows}
