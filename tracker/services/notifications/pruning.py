"""Forgetting old notifications: the centre keeps ``notification_keep_days`` of them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from tracker.extensions import db
from tracker.models import Notification
from tracker.settings import Settings


def prune(now: datetime, settings: Settings) -> int:
    """Delete the notifications made more than ``settings.notification_keep_days`` before
    ``now`` (one statement) and commit; return how many."""
    cutoff = now - timedelta(days=settings.notification_keep_days)
    result = db.session.execute(
        delete(Notification)
        .where(Notification.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount or 0
