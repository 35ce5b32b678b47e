"""What an assignment looked like after each change: the base of reports as of a date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base
from tracker.models.org import Unit
from tracker.models.work import Assignment, Task


class AssignmentRevision(Base):
    """An assignment's state, due date and unit from ``at`` until its next revision.

    Append-only; written whenever one of those changes (``tracker.services.history``), so a
    report as of any past day reads the latest revision of each assignment up to that day.
    """

    __tablename__ = "assignment_revision"
    __table_args__ = (
        Index("ix_assignment_revision_assignment_at", "assignment_id", "at"),
        Index("ix_assignment_revision_task_day", "task_id", "day"),
        Index("ix_assignment_revision_unit_day", "unit_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"))
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    at: Mapped[datetime]
    day: Mapped[date]  # ``at`` in the programme's time zone: reports ask "as of this day"
    state: Mapped[str] = mapped_column(String(20))
    due_date: Mapped[date | None]
    submitted_on: Mapped[date | None]

    assignment: Mapped[Assignment] = relationship()
    task: Mapped[Task] = relationship()
    unit: Mapped[Unit] = relationship()
