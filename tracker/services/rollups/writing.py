"""Writing the figures of closed days (``TallySnapshot``), checking them, and filling the
days that lack them.

A day's figures are those a report as of that day shows, rebuilt from the history once
(seconds at national scale) and read back by every later report and progress chart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert, select

from tracker.extensions import db
from tracker.models import SnapshotDay, TallySnapshot, UnitSnapshot
from tracker.services.reports import figures, units
from tracker.services.reports.base import ReportScope, report_scope
from tracker.services.rollups.snapshots import BANDS, BUCKETS

_BAND_COLUMN = dict(zip(("1-7", "8-30", "31-90", "90+"), BANDS, strict=True))


def _figures_of(scope: ReportScope) -> dict[tuple, dict]:
    """Return {(task, group): snapshot columns} of the scope's day rebuilt from the history."""
    ids = list(scope.task_ids or ())
    rows: dict[tuple, dict] = {}
    for key, b in figures.history_buckets_by_task_and_group(scope, ids).items():
        rows[key] = {name: getattr(b, name) for name in BUCKETS} | dict.fromkeys(BANDS, 0)
    for (task_id, group, band), n in figures.history_ageing(scope).items():
        rows[(task_id, group)][_BAND_COLUMN[band]] += n
    return rows


def _scorecards_of(scope: ReportScope) -> dict[int, dict]:
    """Return {unit: scorecard columns} of every unit over every task on the scope's day,
    rebuilt from the history."""
    return {
        s.unit.id: {name: getattr(s.buckets, name) for name in BUCKETS}
        | {"days_late": s.days_late_sum, "late": s.days_late_count}
        for s in units.history_unit_scores(scope).scores
    }


def write_day(
    day: date, *, today: date, due_soon_days: int, now: datetime, day_off_rolls: bool = True
) -> int:
    """Replace the snapshot of ``day`` (a closed day: before ``today``) with its figures
    rebuilt from the history; return the rows written (not committed)."""
    if day >= today:
        raise ValueError(f"{day} is not a closed day")
    scope = report_scope(day, due_soon_days, today=today, day_off_rolls=day_off_rolls)
    rows, cards = _figures_of(scope), _scorecards_of(scope)
    db.session.execute(delete(SnapshotDay).where(SnapshotDay.day == day))
    db.session.execute(insert(SnapshotDay), [{"day": day, "written_at": now}])
    if rows:
        db.session.execute(
            insert(TallySnapshot),
            [{"day": day, "task_id": k[0], "unit_group": k[1]} | v for k, v in rows.items()],
        )
    if cards:
        db.session.execute(
            insert(UnitSnapshot), [{"day": day, "unit_id": uid} | v for uid, v in cards.items()]
        )
    return len(rows) + len(cards)


def write_range(
    first: date, last: date, *, today: date, due_soon_days: int, now, day_off_rolls: bool = True
) -> list[date]:
    """Write the snapshot of every day from ``first`` to ``last`` (both closed), committing
    each; return the days written."""
    written = []
    day = first
    while day <= last:
        write_day(
            day, today=today, due_soon_days=due_soon_days, now=now, day_off_rolls=day_off_rolls
        )
        db.session.commit()
        written.append(day)
        day += timedelta(days=1)
    return written


def write_missing(
    *,
    today: date,
    days_back: int,
    due_soon_days: int,
    now,
    also: Iterable[date] = (),
    day_off_rolls: bool = True,
) -> list[date]:
    """Write the snapshots of the closed days of the last ``days_back`` that lack one (a
    scheduler job: yesterday, and any day missed or dropped since), and of the closed days
    ``also`` (e.g. the progress chart's points); return them."""
    recent = {today - timedelta(days=k) for k in range(days_back, 0, -1)}
    wanted = sorted(recent | {day for day in also if day < today})
    kept = set(db.session.scalars(select(SnapshotDay.day).where(SnapshotDay.day.in_(wanted))))
    written = []
    for day in wanted:
        if day not in kept:
            write_range(
                day, day, today=today, due_soon_days=due_soon_days, now=now,
                day_off_rolls=day_off_rolls,
            )  # fmt: skip
            written.append(day)
    return written


@dataclass(frozen=True)
class SnapshotDifference:
    """A kept figure of a day that its rebuild from the history does not give."""

    day: date
    key: tuple  # (task_id, unit_group), or ("unit", unit_id) for a unit's scorecard
    kept: dict
    rebuilt: dict


def differences(
    *,
    today: date,
    due_soon_days: int,
    first: date | None = None,
    last: date | None = None,
    day_off_rolls: bool = True,
) -> list[SnapshotDifference]:
    """Return every kept figure (of the days between ``first`` and ``last``, by default all)
    that differs from the day rebuilt from the history."""
    query = select(SnapshotDay.day).order_by(SnapshotDay.day)
    if first is not None:
        query = query.where(SnapshotDay.day >= first)
    if last is not None:
        query = query.where(SnapshotDay.day <= last)
    found = []
    columns = (*BUCKETS, *BANDS)
    for day in list(db.session.scalars(query)):
        kept = {
            (r.task_id, r.unit_group): {c: getattr(r, c) for c in columns}
            for r in db.session.scalars(select(TallySnapshot).where(TallySnapshot.day == day))
        }
        scope = report_scope(day, due_soon_days, today=today, day_off_rolls=day_off_rolls)
        rebuilt = _figures_of(scope)
        for key in sorted(set(kept) | set(rebuilt)):
            if kept.get(key) != rebuilt.get(key):
                found.append(SnapshotDifference(day, key, kept.get(key), rebuilt.get(key)))
        card_columns = (*BUCKETS, "days_late", "late")
        kept_cards = {
            r.unit_id: {c: getattr(r, c) for c in card_columns}
            for r in db.session.scalars(select(UnitSnapshot).where(UnitSnapshot.day == day))
        }
        cards = _scorecards_of(scope)
        for uid in sorted(set(kept_cards) | set(cards)):
            if kept_cards.get(uid) != cards.get(uid):
                found.append(
                    SnapshotDifference(day, ("unit", uid), kept_cards.get(uid), cards.get(uid))
                )
    return found
