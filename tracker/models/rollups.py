"""Counts kept current as assignments change, so that pages over a million assignments read
a few thousand rows instead of every assignment."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base

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
