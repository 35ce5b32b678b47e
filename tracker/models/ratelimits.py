"""Rate-limit counters shared by every web worker (the database store of Flask-Limiter)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base

# Longer keys (an email address is whatever was posted) are stored as a digest.
KEY_LENGTH = 255


class RateLimitCounter(Base):
    """One fixed window of one limit: how many hits it has taken and when it ends. A row
    whose ``expiry`` has passed counts as absent; the store resets it on the next hit and
    deletes it from time to time (tracker/ratelimit_storage.py)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    count: Mapped[int]
    expiry: Mapped[datetime] = mapped_column(index=True)
