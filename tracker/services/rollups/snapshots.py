"""Reading the figures kept for closed days (``TallySnapshot``): a report as of such a day,
and each point of the progress chart, read a few rows per task instead of the history.

Every reader returns None when the day has no snapshot (never written, or dropped because
its past changed): the caller then rebuilds the day from the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select

from tracker.domain.aggregate import Buckets
from tracker.domain.reports import AGEING_BANDS
from tracker.extensions import db
from tracker.models import SnapshotDay, TallySnapshot, UnitSnapshot
from tracker.services import id_lists
from tracker.services.rollups.units import UnitFigures

K = TallySnapshot
BUCKETS = tuple(Buckets.__dataclass_fields__)
# The ageing columns, in the order of AGEING_BANDS.
BANDS = ("overdue_1_7", "overdue_8_30", "overdue_31_90", "overdue_90_plus")
assert len(BANDS) == len(AGEING_BANDS)


def buckets_by_task_and_group(day: date, task_ids: Iterable[int]) -> dict[tuple, Buckets] | None:
    """Return {(task, group): Buckets} of the tasks kept for ``day``, or None when the day has
    no snapshot (one query)."""
    ids = list(task_ids)
    rows = db.session.execute(
        select(SnapshotDay.day, K.task_id, K.unit_group, *(getattr(K, b) for b in BUCKETS))
        .outerjoin(K, (K.day == SnapshotDay.day) & id_lists.among(K.task_id, ids))
        .where(SnapshotDay.day == day)
    ).all()
    if not rows:
        return None
    return {(r.task_id, r.unit_group): Buckets(*r[3:]) for r in rows if r.task_id is not None}


def ageing(day: date, task_ids: Iterable[int]) -> dict[str, int] | None:
    """Return the overdue assignments of the tasks per ageing band kept for ``day``, or None
    when the day has no snapshot (one query)."""
    sums = [func.coalesce(func.sum(getattr(K, band)), 0) for band in BANDS]
    row = db.session.execute(
        select(SnapshotDay.day, *sums)
        .outerjoin(K, (K.day == SnapshotDay.day) & id_lists.among(K.task_id, task_ids))
        .where(SnapshotDay.day == day)
        .group_by(SnapshotDay.day)
    ).first()
    if row is None:
        return None
    return {label: int(n) for (label, _first, _last), n in zip(AGEING_BANDS, row[1:], strict=True)}


def totals(days: Iterable[date], task_ids: Iterable[int]) -> dict[date, Buckets] | None:
    """Return the buckets of the tasks summed per day, or None unless every one of ``days``
    has a snapshot (one query)."""
    wanted = sorted(set(days))
    if not wanted:
        return {}
    rows = db.session.execute(
        select(SnapshotDay.day, *(func.coalesce(func.sum(getattr(K, b)), 0) for b in BUCKETS))
        .outerjoin(K, (K.day == SnapshotDay.day) & id_lists.among(K.task_id, task_ids))
        .where(SnapshotDay.day.in_(wanted))
        .group_by(SnapshotDay.day)
    ).all()
    if len(rows) != len(wanted):
        return None
    return {day: Buckets(*(int(v) for v in values)) for day, *values in rows}


def unit_figures(day: date, unit_ids: list[int] | None = None) -> dict[int, UnitFigures] | None:
    """Return {unit: UnitFigures} of the scorecards kept for ``day`` (every unit, or
    ``unit_ids``), or None when the day has no snapshot (one query)."""
    V = UnitSnapshot
    on = V.day == SnapshotDay.day
    if unit_ids is not None:
        on = on & id_lists.among(V.unit_id, unit_ids)
    rows = db.session.execute(
        select(SnapshotDay.day, V.unit_id, *(getattr(V, b) for b in BUCKETS), V.days_late, V.late)
        .outerjoin(V, on)
        .where(SnapshotDay.day == day)
    ).all()
    if not rows:
        return None
    return {
        r.unit_id: UnitFigures(Buckets(*r[2:9]), days_late=r.days_late, late=r.late)
        for r in rows
        if r.unit_id is not None
    }
