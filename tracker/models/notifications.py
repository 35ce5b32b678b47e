"""What people are told when things happen: in-app notifications and each user's choice of
how to receive each kind."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base

# How a notification reaches its user by email, besides the app: waiting to be emailed
# (``immediate``: once the coalescing window has passed; ``digest``: in the next daily
# email), not emailed (``off``), or already in an email (``emailed``).
IMMEDIATE, DIGEST, OFF, EMAILED = "immediate", "digest", "off", "emailed"


class Notification(Base):
    """One thing that happened, told to one user: listed in their notification centre and,
    by their preference, emailed at once (coalesced) or in their daily email."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_created", "user_id", "created_at"),
        Index("ix_notification_user_read", "user_id", "read_at"),
        Index("ix_notification_delivery_created", "delivery", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # reason, due dates, fields...
    delivery: Mapped[str] = mapped_column(String(10), default=OFF)
    email_id: Mapped[int | None] = mapped_column(ForeignKey("email_message.id"))


class NotificationPreference(Base):
    """A user's choice for one kind of notification (absent: the kind's default)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    mode: Mapped[str] = mapped_column(String(10))  # immediate, digest, off
    updated_at: Mapped[datetime]
