"""The outbox (every email, from queued to sent), the reminder ledger, sweep runs, the
senders' heartbeats and stored settings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, utcnow

# An email's way through the outbox: queued in the transaction that causes it, taken by one
# sender (``sending``), then ``sent`` or, after its last attempt, ``failed``; ``cancelled``
# when, retried later, what it tells no longer applies.
PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
EMAIL_STATES = (PENDING, SENDING, SENT, FAILED, CANCELLED)


class EmailMessage(Base):
    """One email as composed, in the outbox until a sender delivers it, then its record.

    Written in the same transaction as the change or the sweep decision that causes it; the
    row holds everything the message is made of (headers, both bodies, its ``Message-ID``),
    so a resend after a crash is the same message.
    """

    __tablename__ = "email_message"
    __table_args__ = (
        Index("ix_email_message_state_next_attempt", "state", "next_attempt_at"),
        Index("ix_email_message_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # reminder, escalation, digest, reset...
    message_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    sender: Mapped[str] = mapped_column(String(255), default="")
    to: Mapped[str] = mapped_column(Text)  # one address
    to_name: Mapped[str] = mapped_column(String(255), default="")
    cc: Mapped[str] = mapped_column(Text, default="")  # comma-separated addresses
    subject: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(5), default="vi")
    headers: Mapped[dict] = mapped_column(JSON, default=dict)  # List-Id, List-Unsubscribe...
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime | None]  # pending: due from then
    locked_at: Mapped[datetime | None]  # sending: taken by a sender then
    sent_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")  # the last failure's reason
    reply: Mapped[str] = mapped_column(Text, default="")  # the server's last reply
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")


class Reminder(Base):
    """One reminder for one recipient: claimed together with its queued email, in one
    transaction, then marked sent (or failed for good) as the email goes.

    ``dedupe_key`` (assignment, recipient, stage, date) is unique: two sweeps, in two
    processes, can never both claim it, so nothing is sent twice.

    ``task_id``, ``unit_id`` and ``recipient_user_id`` name rows that are never deleted and
    are written from rows just read, so they carry no foreign key: a first sweep writes
    about 650,000 of these rows at national scale, and the three referential checks made
    that insert almost twice as slow on PostgreSQL. ``assignment_id`` (assignments can be
    removed) and ``email_id`` keep theirs.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        Index("ix_reminder_assignment_day", "assignment_id", "day"),
        # Half-full pages: marking a row sent then rewrites it in place, indexes untouched.
        {"postgresql_with": {"fillfactor": 50}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # assignment, digest, weekly, nudge
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    task_id: Mapped[int | None] = mapped_column(index=True)  # the email log filters by it
    unit_id: Mapped[int | None]
    recipient: Mapped[str] = mapped_column(String(255))
    recipient_user_id: Mapped[int | None]
    copy: Mapped[bool] = mapped_column(default=False)  # in Cc of the email
    stage: Mapped[str] = mapped_column(String(30))
    day: Mapped[date]  # due date in force, return date, or the digest's date
    state: Mapped[str] = mapped_column(String(10), default="queued")  # sent, failed, cancelled
    last_error: Mapped[str] = mapped_column(Text, default="")
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    email_id: Mapped[int | None] = mapped_column(ForeignKey("email_message.id"), index=True)

    email: Mapped[EmailMessage | None] = relationship()


class SweepRun(Base):
    """One run of the reminder sweep, for the status page."""

    __tablename__ = "sweep_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="sweep")
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    # running, ok, skipped, or interrupted (found running by a later sweep: its process died)
    status: Mapped[str] = mapped_column(String(12), default="running")
    planned: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)  # emails queued
    failed: Mapped[int] = mapped_column(default=0)
    unreachable: Mapped[int] = mapped_column(default=0)  # notices with nobody to send to
    cancelled: Mapped[int] = mapped_column(default=0)  # items that no longer applied
    note: Mapped[str] = mapped_column(Text, default="")  # why a run was skipped


class Heartbeat(Base):
    """The last sign of life of a background worker (the outbox sender), for the status page."""

    __tablename__ = "heartbeat"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    beat_at: Mapped[datetime]
    detail: Mapped[str] = mapped_column(Text, default="")  # host and process


class Setting(Base):
    """A stored setting edited in the UI (e.g. the default reminder policy), as JSON."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
