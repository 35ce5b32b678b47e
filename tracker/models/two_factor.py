"""Two-factor sign-in: a user's authenticator app secret and their recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base
from tracker.models.org import User


class TwoFactor(Base):
    """A user's authenticator app (TOTP, RFC 6238). Secrets are stored encrypted with a key
    derived from the app's SECRET_KEY, never in the clear, and never shown again after
    enrolment. ``secret`` is the app in use (None: two-factor sign-in is off);
    ``pending_secret`` one being set up, which counts only once a first code from it has
    been typed. ``last_step`` is the time step of the last code accepted: that code, and
    any earlier one, opens nothing again."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    secret: Mapped[str | None] = mapped_column(String(255))
    enabled_at: Mapped[datetime | None]
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    pending_secret: Mapped[str | None] = mapped_column(String(255))
    pending_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    """One single-use recovery code, for signing in without the authenticator app; only
    its hash is stored (the codes are shown once, when made)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
