"""Per-unit figures from the maintained counts (``UnitTally``): unit scorecards and the
dashboard's late units read a few rows per unit instead of every assignment.

The counts judge open assignments at the clock's day (``RollupClock``), which the
scheduler moves on at midnight (``roll``). A reader asking about another day adds the
assignments falling due in between: none on an ordinary day, a day's worth when the
midnight job is late, the whole gap in tests that fix the date. Deadlines on days off are
then judged at their effective date (``unit_rolls``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracker.domain.aggregate import Buckets
from tracker.domain.status import AssignmentState
from tracker.extensions import db
from tracker.models import Assignment, RollupClock, Unit, UnitTally
from tracker.services.rollups import unit_rolls
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


def clock_day() -> date:
    """Return the day the counts judge open assignments at."""
    return db.session.scalar(select(RollupClock.day).where(RollupClock.id == 1)) or UNSET


def _falling_due(since: date, day: date, unit_ids: list[int] | None = None) -> list[tuple]:
    """Return (unit, state, key overdue before, after, count, due days) for the open
    assignments whose overdue status differs between the clock's day ``since`` and ``day``
    (one query)."""
    if since == day:
        return []
    low, high = sorted((since, day))
    query = select(A.unit_id, A.state, func.count(), func.sum(ordinal(A.due_date))).where(
        A.state.in_(WORKING), A.due_date >= low, A.due_date < high
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


def _figures_query(day: date) -> Select:
    """Return one row per unit: its ``FIGURES`` at the clock's day, with days late counted
    up to ``day``, and the clock's day."""
    today = (day - EPOCH).days

    def total(condition) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, U.n), else_=0)), 0)

    clock = select(RollupClock.day).where(RollupClock.id == 1).scalar_subquery()
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
                    (and_(U.overdue.is_(True), U.state.in_(WORKING)), U.n * today - U.days),
                    (U.overdue.is_(True), U.days),
                    else_=0,
                )
            ),
            0,
        ),
        func.max(clock),
    ]
    labelled = [v.label(name) for v, name in zip(values[:-1], FIGURES, strict=True)]
    return select(U.unit_id, *labelled, values[-1].label("clock")).group_by(U.unit_id)


def figures(as_of: AsOf, unit_ids: list[int] | None = None) -> dict[int, UnitFigures]:
    """Return the figures on the as-of day of every unit (or of ``unit_ids``) with
    assignments: one row per unit added up in the database, then the assignments falling due
    between the clock's day and that day moved across, then what the rule for deadlines on
    days off changes (four queries at most)."""
    day = as_of.day
    today = (day - EPOCH).days
    query = _figures_query(day)
    if unit_ids is not None:
        query = query.where(U.unit_id.in_(unit_ids))
    found: dict[int, list[int]] = {}
    since = day
    for uid, *values, clock_day_ in db.session.execute(query):
        found[uid] = [int(v) for v in values]
        since = clock_day_ or UNSET
    for uid, _state, _before, after, n, due in _falling_due(since, day, unit_ids):
        f = found.setdefault(uid, [0] * 9)
        sign = 1 if after else -1  # becoming overdue, or no longer
        f[4] -= sign * n  # open on track
        f[5] += sign * n  # open overdue
        f[7] += sign * n  # late
        f[8] += sign * (n * today - due)  # days late
    for uid, changes in unit_rolls.deltas(as_of, unit_ids).items():
        f = found.setdefault(uid, [0] * 9)
        for name, change in zip(unit_rolls.DELTAS, changes, strict=True):
            f[FIGURES.index(name)] += change
    return {
        uid: UnitFigures(Buckets(*f[:7]), days_late=f[8], late=f[7]) for uid, f in found.items()
    }


def ranked_page(
    as_of: AsOf, *, group: str | None, limit: int, offset: int
) -> tuple[list[tuple[tuple, UnitFigures]], int] | None:
    """Return the units with assignments ranked as the scorecards rank them (completion
    rate, on-time share, fewest overdue, fewest average days late, name): ``limit`` of them
    from ``offset`` as ((id, code, name, group), figures), and how many there are in all
    (one query, ranked in the database, after one for the due dates on days off). None when
    the counts judge another day than the as-of day or the page is past the end: the caller
    then ranks every unit's ``figures``."""
    day = as_of.day
    rows = unit_rolls.with_deltas(_figures_query(day), as_of, FIGURES)
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
    found = db.session.execute(query.limit(limit).offset(offset)).all()
    if not found:
        return None if offset else ([], 0)
    if found[0].clock != day:
        return None
    page = []
    for row in found:
        f = [int(getattr(row, name)) for name in FIGURES]
        unit = (row.unit_id, row.code, row.unit_name, row.group, row.unit_name_en)
        page.append((unit, UnitFigures(Buckets(*f[:7]), days_late=f[8], late=f[7])))
    return page, found[0][-1]


def most_overdue(
    as_of: AsOf, limit: int | None = None, rolled: dict | None = None
) -> list[tuple[int, int]]:
    """Return (unit, open overdue assignments on the as-of day) of every unit that has any,
    or of the first ``limit``, the most first, then by name.

    On the clock's day, with no deadline rolling off a day off, the database ranks them and
    returns ``limit`` rows (two queries); otherwise every unit's rows are read, those falling
    due in between moved across and the rolled deadlines taken back (three more)."""
    day = as_of.day
    clock = select(RollupClock.day).where(RollupClock.id == 1).scalar_subquery()
    if rolled is None:  # {due date: offset}: read once, also for the fallback below
        rolled = unit_rolls.rolled_due_dates(as_of)
    if limit is not None and not rolled:
        overdue = func.sum(U.n)
        rows = db.session.execute(
            select(U.unit_id, overdue, clock)
            .join(Unit, Unit.id == U.unit_id)
            .where(U.overdue.is_(True), U.n != 0)
            .where(U.state != S.COMPLETED.value, U.state != S.NOT_APPLICABLE.value)
            .group_by(U.unit_id, Unit.sort_name)
            .having(overdue > 0)
            .order_by(overdue.desc(), Unit.sort_name, U.unit_id)
            .limit(limit)
        ).all()
        if (rows[0][2] if rows else clock_day()) == day:
            return [(uid, int(n)) for uid, n, _ in rows]
        return most_overdue(as_of, rolled=rolled)[:limit]
    rows = db.session.execute(
        select(U.unit_id, Unit.sort_name, U.state, U.overdue, U.n, clock)
        .join(Unit, Unit.id == U.unit_id)
        .where(U.n != 0, U.state != S.COMPLETED.value, U.state != S.NOT_APPLICABLE.value)
        .where(U.overdue.is_(True) | U.state.in_(WORKING))
    ).all()
    counts: dict[int, int] = defaultdict(int)
    names: dict[int, str] = {}
    since = day
    for uid, name, _state, overdue, n, since in rows:  # noqa: B007
        names[uid] = name
        if overdue:
            counts[uid] += n
    for uid, _state, _before, after, n, _due in _falling_due(since or UNSET, day):
        counts[uid] += n if after else -n
    changes = unit_rolls.deltas_query(as_of, rolled, overdue_only=True)
    if changes is not None:
        for uid, *values in db.session.execute(changes):
            counts[uid] += int(values[unit_rolls.DELTAS.index("open_overdue")])
    ranked = [(uid, n) for uid, n in counts.items() if n > 0]
    ranked.sort(key=lambda kv: (-kv[1], names.get(kv[0], "")))
    return ranked[:limit] if limit is not None else ranked


def roll(day: date) -> int:
    """Move the counts on (or back) to judge open assignments at ``day``; return how many
    assignments changed side (not committed). Waits for changes in flight (PostgreSQL)."""
    return advance(day)[1]


def advance(day: date) -> tuple[date, int]:
    """Move the counts on (or back) as ``roll`` does; return the day they judged before
    (``UNSET`` if they had never been moved) and how many assignments changed side. The
    clock's row stays locked until the caller's commit: what else the caller does about
    the days in between (``assignments.overdue``), it does once."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    since = db.session.scalar(select(RollupClock.day).where(RollupClock.id == 1).with_for_update())
    if since is None:  # emptied: the triggers have been counting at UNSET
        db.session.execute(insert(RollupClock).values(id=1, day=UNSET))
        since = UNSET
    if since == day:
        return since, 0
    changes: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    moved = _apply(changes, _falling_due(since, day))
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
