"""The reminder ledger, the email log, sweep runs and stored settings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, utcnow


class EmailMessage(Base):
    """Every email the system sent or tried to send: proof that a unit was reminded."""

    __tablename__ = "email_message"
    __table_args__ = (Index("ix_email_message_state_created", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # reminder, escalation, digest, reset...
    to: Mapped[str] = mapped_column(Text)  # comma-separated addresses
    cc: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(5), default="vi")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(10), default="pending")  # sent, failed
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # The message as sent: proof of what the unit was told, and what a retry sends again.
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")


class Reminder(Base):
    """One reminder for one recipient: claimed before sending, then marked sent or failed.

    ``dedupe_key`` (assignment, recipient, stage, date) is unique: two sweeps, in two
    processes, can never both claim it, so nothing is sent twice.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        Index("ix_reminder_state_next_attempt", "state", "next_attempt_at"),
        Index("ix_reminder_assignment_day", "assignment_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # assignment, digest, weekly, nudge
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(255))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    copy: Mapped[bool] = mapped_column(default=False)  # in Cc (the coordinator on escalations)
    stage: Mapped[str] = mapped_column(String(30))
    day: Mapped[date]  # due date in force, return date, or the digest's date
    state: Mapped[str] = mapped_column(String(10), default="claimed")  # sent, failed, cancelled
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    email_id: Mapped[int | None] = mapped_column(ForeignKey("email_message.id"), index=True)

    email: Mapped[EmailMessage | None] = relationship()


class SweepRun(Base):
    """One run of the reminder sweep or of the retry job, for the status page."""

    __tablename__ = "sweep_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="sweep")  # sweep, retry
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(10), default="running")  # ok, failed, skipped
    planned: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    unreachable: Mapped[int] = mapped_column(default=0)  # notices with nobody to send to
    cancelled: Mapped[int] = mapped_column(default=0)  # items that no longer applied at send time
    note: Mapped[str] = mapped_column(Text, default="")  # why a run was skipped


class Setting(Base):
    """A stored setting edited in the UI (e.g. the default reminder policy), as JSON."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
