"""Tasks, their assignments to units, and everything recorded about an assignment."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from tracker.domain.search import normalise, task_search_text
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


_TASK_SEARCHED = ("title", "source_number", "source_document", "description")


def _task_search_default(context) -> str:
    # Rows written by a core insert() (bulk loads) get their search text from their values.
    values = context.get_current_parameters()
    return task_search_text(*(values.get(name) for name in _TASK_SEARCHED))


def _evidence_search_default(context) -> str:
    return normalise(context.get_current_parameters().get("doc_number"))


class Task(Base):
    """Something the coordinating agency asks units to do by a deadline."""

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_closed_deadline", "closed_at", "deadline"),
        UniqueConstraint("series_id", "period_start"),
    )

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
    # Whether a due date on a day off ends at the end of the next working day: None follows
    # DEADLINE_DAY_OFF_ROLLS, True or False is this task's own choice.
    deadline_day_off_rolls: Mapped[bool | None]
    # This task's reminder policy (ReminderPolicy.to_dict()); None follows the global default.
    # none_as_null: None is SQL NULL (not JSON null), so "follows the default" is ``IS NULL``.
    reminder_policy: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # A recurring obligation: the series (a template, never assigned itself) holds the rule;
    # each occurrence is an ordinary task of one period, pointing at its series.
    # none_as_null: None is SQL NULL (not JSON null), so "not a series" is ``IS NULL``.
    recurrence: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), index=True)
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)
    # Derived (see the validator): what the search box and the task list's filter match,
    # folded; a trigram index serves it on PostgreSQL (migration 0025).
    search_text: Mapped[str] = mapped_column(Text, default=_task_search_default, server_default="")

    __mapper_args__ = {"version_id_col": version}

    @validates(*_TASK_SEARCHED)
    def _set_search_text(self, key: str, value: str | None) -> str | None:
        values = {name: value if name == key else getattr(self, name) for name in _TASK_SEARCHED}
        self.search_text = task_search_text(*(values[name] for name in _TASK_SEARCHED))
        return value

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    series: Mapped[Task | None] = relationship(remote_side=[id])
    assignments: Mapped[list[Assignment]] = relationship(back_populates="task")


OPEN_WORK = "state IN ('assigned', 'in_progress')"  # not yet reported


class Assignment(Base):
    """One task given to one unit: the unit of every status, reminder and report."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("task_id", "unit_id"),
        Index("ix_assignment_unit_state", "unit_id", "state"),
        Index("ix_assignment_task_state", "task_id", "state"),
        Index("ix_assignment_state_due", "state", "due_date"),
        # The open ones in due-date order: "due soon" lists stop after their first rows.
        Index(
            "ix_assignment_open_due",
            "due_date",
            postgresql_where=text(OPEN_WORK),
            sqlite_where=text(OPEN_WORK),
        ),
        # The review queue's order: reports waiting longest first.
        Index("ix_assignment_state_submitted", "state", "submitted_on", "updated_at", "id"),
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
    # Set when a coordinator returns a submission, cleared when the unit submits again.
    returned_at: Mapped[datetime | None]
    return_reason: Mapped[str] = mapped_column(Text, default="")
    # Set when a reorganisation merged units' open obligations into this assignment after it
    # was settled, and unsettled it for a coordinator to decide: {"units": [names], "was":
    # state}. Cleared by the decision (confirmation or return).
    merge_review: Mapped[dict | None] = mapped_column(JSON)
    # Where a reorganisation passed this assignment (state "transferred"): the successor's.
    transferred_to_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    task: Mapped[Task] = relationship(back_populates="assignments")
    unit: Mapped[Unit] = relationship()
    transferred_to: Mapped[Assignment | None] = relationship(remote_side=[id])
    events: Mapped[list[Event]] = relationship(back_populates="assignment", order_by="Event.at")
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="assignment", order_by="Evidence.id"
    )


class Event(Base):
    """One recorded change: who did what, when. Assignment events form its timeline;
    every event, with its task and unit, forms the audit log."""

    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_assignment_at", "assignment_id", "at"),
        Index("ix_event_unit_at", "unit_id", "at"),
        Index("ix_event_task_at", "task_id", "at"),
        Index("ix_event_actor_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    # What else was changed, for events outside assignments: "user:12", "calendar:2024-05-04".
    target: Mapped[str | None] = mapped_column(String(100))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict | None] = mapped_column(JSON)

    assignment: Mapped[Assignment | None] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    task: Mapped[Task | None] = relationship()
    unit: Mapped[Unit | None] = relationship()


class Evidence(Base):
    """The output document that proves completion (số ký hiệu, date, signer, trích yếu)."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    doc_number: Mapped[str] = mapped_column(String(100), default="")  # số ký hiệu
    doc_date: Mapped[date | None]
    signer: Mapped[str] = mapped_column(String(255), default="")
    summary: Mapped[str] = mapped_column(Text, default="")  # trích yếu
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Derived from doc_number (see the validator), folded, for search.
    search_doc: Mapped[str] = mapped_column(
        String(200), default=_evidence_search_default, server_default=""
    )

    @validates("doc_number")
    def _set_search_doc(self, _key: str, doc_number: str | None) -> str | None:
        self.search_doc = normalise(doc_number)
        return doc_number

    assignment: Mapped[Assignment] = relationship(back_populates="evidence")
    uploaded_by: Mapped[User | None] = relationship()
    files: Mapped[list[EvidenceFile]] = relationship(
        back_populates="evidence", order_by="EvidenceFile.id"
    )


class EvidenceFile(Base):
    """A stored file of an evidence document; kept outside the static folder."""

    __tablename__ = "evidence_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded, for the download name
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))

    evidence: Mapped[Evidence] = relationship(back_populates="files")


class ExtensionRequest(Base):
    """A focal point's request for a later due date, and the coordinator's decision."""

    __tablename__ = "extension_request"
    __table_args__ = (Index("ix_extension_request_state_at", "state", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime]
    current_due: Mapped[date | None]  # the due date in force when asked
    requested_due: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")  # approved, rejected
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")

    assignment: Mapped[Assignment] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class CalendarOverride(Base):
    """An official notice that makes one day a working day or a day off."""

    __tablename__ = "calendar_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    is_working: Mapped[bool]
    note: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
