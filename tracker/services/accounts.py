"""Accounts: creating users, checking passwords."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.extensions import db
from tracker.models import User

# Compared against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalise_email(email: str) -> str:
    """Return the email trimmed and lower-cased, the form it is stored and looked up in."""
    return email.strip().lower()


def new_session_token() -> str:
    """Return a fresh random session token (changing it signs the user out everywhere)."""
    return secrets.token_hex(32)


def build_user(email: str, name: str, role: str, password: str, **fields) -> User:
    """Return a new, unsaved user with a hashed password."""
    return User(
        email=normalise_email(email),
        name=name,
        role=role,
        password_hash=generate_password_hash(password),
        session_token=new_session_token(),
        **fields,
    )


def authenticate(email: str, password: str, *, now: datetime) -> User | None:
    """Return the active user with these credentials (recording the sign-in), else None."""
    user = db.session.scalar(
        select(User).where(func.lower(User.email) == normalise_email(email or ""))
    )
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.active or not check_password_hash(user.password_hash, password or ""):
        return None
    user.last_login_at = now
    return user
