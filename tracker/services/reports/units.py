"""Unit scorecards and their ranking, as of a report's day."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from tracker.domain.reports import UnitRef, UnitScore
from tracker.extensions import db
from tracker.models import Task, Unit
from tracker.services import id_lists, status_sql
from tracker.services.reports.base import ReportScope, days_late, unit_ref
from tracker.services.reports.figures import from_counts
from tracker.services.rollups import snapshots
from tracker.services.rollups import units as unit_counts


@dataclass(frozen=True)
class UnitRanking:
    """Every unit with assignments on the day, best first; ``rank`` numbers them 1..n."""

    scores: list[UnitScore]

    def page(self, number: int, size: int) -> list[tuple[int, UnitScore]]:
        """Return (rank, score) pairs of one page."""
        start = (number - 1) * size
        return list(enumerate(self.scores, start=1))[start : start + size]


def _ranking_key(score: UnitScore):
    b = score.buckets
    rate = b.completion_rate
    on_time_share = b.completed_on_time / b.due if b.due else 1.0
    average = score.average_days_late or 0.0
    return (
        rate is None,  # units with nothing due yet go last
        -(rate or 0.0),
        -on_time_share,
        b.open_overdue,
        average,
        score.unit.name,
    )


def unit_scores(scope: ReportScope, unit_ids: list[int] | None = None) -> UnitRanking:
    """Return the scorecard of every unit (or of ``unit_ids``) over the report's tasks, ranked
    by completion rate, then on-time share, fewest overdue and fewest days late (three to five
    queries; over every task today, from the maintained counts unless they are kept under
    another rule for days off)."""
    if _every_task(scope):
        counted = unit_counts.figures(scope.as_of, unit_ids) if from_counts(scope) else None
        if counted is not None:
            return _ranked(scope, counted)
        kept = snapshots.unit_figures(scope.day, unit_ids)
        if kept is not None:
            return _ranked(scope, kept)
    return history_unit_scores(scope, unit_ids)


def scores_page(scope: ReportScope, number: int, size: int) -> tuple[list, int] | None:
    """Return page ``number`` of the ranking as (rank, score) pairs and how many units are
    ranked, ranked in the database (one query); None when only ``unit_scores`` can rank
    them (some tasks, a past day, merged units holding rows, or a page past the end)."""
    if not (_every_task(scope) and from_counts(scope)):
        return None
    start = (max(number, 1) - 1) * size
    found = unit_counts.ranked_page(scope.as_of, group=scope.group, limit=size, offset=start)
    if found is None:
        return None
    rows, count = found
    scores = [UnitScore(UnitRef(*unit), f.buckets, f.days_late, f.late) for unit, f in rows]
    return list(enumerate(scores, start=start + 1)), count


def history_unit_scores(scope: ReportScope, unit_ids: list[int] | None = None) -> UnitRanking:
    """Return the ranked scorecards of ``unit_scores`` rebuilt from the history (or from the
    live rows today): three queries over every row of the report's tasks."""
    rows = scope.rows()
    late = days_late(rows, scope.as_of)
    where = []
    if scope.group:
        where.append(Unit.group == scope.group)
    if unit_ids is not None:
        where.append(id_lists.among(rows.c.unit_id, unit_ids))
    buckets = status_sql.count_buckets_by_keys(
        [rows.c.unit_id],
        scope.as_of,
        *where,
        joins=[(Unit, Unit.id == rows.c.unit_id)],
        source=rows,
    )
    lateness = dict(
        (uid, (int(total or 0), int(count or 0)))
        for uid, total, count in db.session.execute(
            select(
                rows.c.unit_id,
                func.sum(late),
                func.sum(case((late > 0, 1), else_=0)),
            )
            .join(Unit, Unit.id == rows.c.unit_id)
            .where(*where)
            .group_by(rows.c.unit_id)
        )
    )
    units = {
        u.id: u
        for u in db.session.scalars(select(Unit).where(Unit.id.in_([k[0] for k in buckets])))
    }
    scores = [
        UnitScore(unit_ref(units[uid]), b, *lateness.get(uid, (0, 0)))
        for (uid,), b in buckets.items()
        if b.total
    ]
    scores.sort(key=_ranking_key)
    return UnitRanking(scores)


def _every_task(scope: ReportScope) -> bool:
    """Return whether the report covers every task (the unit counts know no task)."""
    if scope.field or scope.priority_only:
        return False
    every = db.session.scalar(select(func.count(Task.id)).where(Task.recurrence.is_(None)))
    return len(scope.task_ids or ()) == every


def _ranked(scope: ReportScope, figures: dict) -> UnitRanking:
    """Return the ranking of units given {unit: UnitFigures} (one query, for their names)."""
    found = {uid: f for uid, f in figures.items() if f.buckets.total}
    query = select(Unit.id, Unit.code, Unit.name, Unit.group, Unit.name_en)
    if scope.group:
        query = query.where(Unit.group == scope.group)
    scores = [
        UnitScore(UnitRef(*ref), found[ref[0]].buckets, found[ref[0]].days_late, found[ref[0]].late)
        for ref in db.session.execute(query)
        if ref[0] in found
    ]
    scores.sort(key=_ranking_key)
    return UnitRanking(scores)
