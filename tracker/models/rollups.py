"""Counts kept current as assignments change, so that pages over a million assignments read
a few thousand rows instead of every assignment."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, UTCDateTime

# The due date a tally row gives an assignment without one: it is never overdue, which is
# how the official buckets count "no deadline" (open, on track; completed, on time).
NO_DUE_DATE = date(9999, 12, 31)


class AssignmentTally(Base):
    """How many assignments of a task, in units of one reporting group, share a state, a due
    date and a number of days late (submitted or completed after the due date; 0 otherwise).

    Maintained by database triggers on ``assignment`` and ``unit`` (migration 0007) in the
    same transaction as every change, whatever statement makes it. Nothing here depends on
    the day: whether an open assignment is overdue is judged when the counts are read, from
    its due date, so no job has to move counts at midnight. Rows whose count fell to 0 stay.
    """

    __tablename__ = "assignment_tally"

    task_id: Mapped[int] = mapped_column(primary_key=True)
    unit_group: Mapped[str] = mapped_column(String(10), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    due_date: Mapped[date] = mapped_column(Date, primary_key=True)
    late_days: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


class SnapshotDay(Base):
    """A closed day whose figures are kept in ``TallySnapshot``: reports as of that day read
    them instead of rebuilding every assignment from the history.

    Dropped again (by triggers, migration 0008) when something changes that day's past: a
    revision dated on or before it (a merger recorded after its effective day), a unit's end
    of office or successor, a unit's group. Such days are read from the history until the
    snapshot is written again (the scheduler's daily job, ``tracker rollups rebuild``).
    """

    __tablename__ = "snapshot_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)


class _Buckets:
    """The official buckets, as columns (``tracker.domain.aggregate.Buckets``)."""

    total: Mapped[int] = mapped_column(default=0)
    not_applicable: Mapped[int] = mapped_column(default=0)
    completed_on_time: Mapped[int] = mapped_column(default=0)
    completed_late: Mapped[int] = mapped_column(default=0)
    open_on_track: Mapped[int] = mapped_column(default=0)
    open_overdue: Mapped[int] = mapped_column(default=0)
    awaiting_confirmation: Mapped[int] = mapped_column(default=0)


class TallySnapshot(_Buckets, Base):
    """The figures of one task in units of one group at the end of a closed day, as the
    reports count them, with its overdue assignments by ageing band."""

    __tablename__ = "tally_snapshot"

    day: Mapped[date] = mapped_column(
        ForeignKey("snapshot_day.day", ondelete="CASCADE"), primary_key=True
    )
    task_id: Mapped[int] = mapped_column(primary_key=True)
    unit_group: Mapped[str] = mapped_column(String(10), primary_key=True)
    overdue_1_7: Mapped[int] = mapped_column(default=0)
    overdue_8_30: Mapped[int] = mapped_column(default=0)
    overdue_31_90: Mapped[int] = mapped_column(default=0)
    overdue_90_plus: Mapped[int] = mapped_column(default=0)


class RollupClock(Base):
    """The day ``UnitTally`` judges open assignments at (one row): moved on at midnight; and
    whether deadlines on a day off roll for tasks without their own rule, as it counts them
    (``DEADLINE_DAY_OFF_ROLLS`` when the counts were last brought in line with it)."""

    __tablename__ = "rollup_clock"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    day_off_rolls: Mapped[bool] = mapped_column(default=True, server_default=true())


class DayOffOffset(Base):
    """How many days a deadline falling on a day off moves to end on the next working day,
    for every day off from 2000 to ten years ahead (with the admin's overrides): what the
    triggers keeping ``UnitTally`` judge effective deadlines with. Kept by
    ``rollups.units.sync`` whenever the calendar changes."""

    __tablename__ = "day_off_offset"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    days: Mapped[int]


class UnitTally(Base):
    """How many of a unit's assignments are in a state, overdue or not, and their days.

    "Overdue" is, for open assignments, an effective deadline (the due date, moved off a
    day off by ``DayOffOffset`` when the task's deadlines roll) before ``RollupClock.day``;
    for submitted and completed ones, reported after it. ``days`` adds up, for the latter,
    the days they were reported late; for open overdue ones, their effective deadlines as
    days since 2000-01-01 (so that their days late on a day D are n * D - days). Maintained
    by triggers (migrations 0009 and 0030) like ``AssignmentTally``.
    """

    __tablename__ = "unit_tally"

    unit_id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    overdue: Mapped[bool] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
    days: Mapped[int] = mapped_column(BigInteger, default=0)


class UnitSnapshot(_Buckets, Base):
    """One unit's scorecard over every task at the end of a closed day: its figures and its
    days late (total, and how many assignments were late)."""

    __tablename__ = "unit_snapshot"

    day: Mapped[date] = mapped_column(
        ForeignKey("snapshot_day.day", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    days_late: Mapped[int] = mapped_column(default=0)
    late: Mapped[int] = mapped_column(default=0)
