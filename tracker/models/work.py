"""Tasks, their assignments to units, and everything recorded about an assignment."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, utcnow
from tracker.models.org import Unit, User


class Field(StrEnum):
    INSTITUTIONS = "institutions"  # thể chế
    DATA = "data"  # dữ liệu số
    INFRASTRUCTURE = "infrastructure"  # hạ tầng số
    GOVERNMENT = "government"  # chính phủ số
    ECONOMY = "economy"  # kinh tế số
    SOCIETY = "society"  # xã hội số
    SECURITY = "security"  # an toàn thông tin


class AssignmentRole(StrEnum):
    LEAD = "lead"  # chủ trì
    SUPPORT = "support"  # phối hợp


class Task(Base):
    """Something the coordinating agency asks units to do by a deadline."""

    __tablename__ = "task"
    __table_args__ = (Index("ix_task_closed_deadline", "closed_at", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    source_document: Mapped[str] = mapped_column(String(500), default="")
    source_number: Mapped[str | None] = mapped_column(String(100))
    source_date: Mapped[date | None]
    field: Mapped[str] = mapped_column(String(20), index=True)
    priority: Mapped[bool] = mapped_column(default=False, index=True)
    deadline: Mapped[date | None] = mapped_column(index=True)
    deadline_wording: Mapped[str] = mapped_column(String(200), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    owner: Mapped[User | None] = relationship()
    assignments: Mapped[list[Assignment]] = relationship(back_populates="task")


class Assignment(Base):
    """One task given to one unit: the unit of every status, reminder and report."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("task_id", "unit_id"),
        Index("ix_assignment_unit_state", "unit_id", "state"),
        Index("ix_assignment_task_state", "task_id", "state"),
        Index("ix_assignment_state_due", "state", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    role: Mapped[str] = mapped_column(String(10), default=AssignmentRole.LEAD)
    state: Mapped[str] = mapped_column(String(20), default="assigned")
    due_date: Mapped[date | None]  # in force: an approved extension changes it
    original_due_date: Mapped[date | None]  # as first assigned, for statistics
    submitted_on: Mapped[date | None]  # programme-time-zone date completion was reported
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    task: Mapped[Task] = relationship(back_populates="assignments")
    unit: Mapped[Unit] = relationship()
    events: Mapped[list[AssignmentEvent]] = relationship(
        back_populates="assignment", order_by="AssignmentEvent.at"
    )
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="assignment", order_by="Evidence.id"
    )


class AssignmentEvent(Base):
    """An entry in an assignment's history: who did what, when, from which state to which."""

    __tablename__ = "assignment_event"
    __table_args__ = (Index("ix_assignment_event_assignment_at", "assignment_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict | None] = mapped_column(JSON)

    assignment: Mapped[Assignment] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Evidence(Base):
    """The output document that proves completion, and optionally its stored file."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    doc_number: Mapped[str] = mapped_column(String(100), default="")  # số ký hiệu
    doc_date: Mapped[date | None]
    signer: Mapped[str] = mapped_column(String(255), default="")
    summary: Mapped[str] = mapped_column(Text, default="")  # trích yếu
    filename: Mapped[str | None] = mapped_column(String(255))
    stored_name: Mapped[str | None] = mapped_column(String(100), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="evidence")
    uploaded_by: Mapped[User | None] = relationship()


class CalendarOverride(Base):
    """An official notice that makes one day a working day or a day off."""

    __tablename__ = "calendar_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    is_working: Mapped[bool]
    note: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
