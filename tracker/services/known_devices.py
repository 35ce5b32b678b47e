"""Browsers that have signed in to an account before: a signed, long-lived cookie names the
account and its credentials' generation. When guesses at an account's password have
limited its sign-ins, its owner still signs in from such a browser (the per-address limit
still holds); a changed password makes every earlier cookie worthless."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import User
from tracker.services.accounts import normalise_email

COOKIE = "tracker_known_device"
LIFETIME = timedelta(days=180)
_SALT = "tracker-known-device"


def _generation(user: User) -> str:
    return hashlib.sha256(user.session_token.encode()).hexdigest()[:16]


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def token_for(user: User, secret_key: str) -> str:
    """Return the cookie's value for a browser ``user`` has just signed in from."""
    return _serializer(secret_key).dumps({"u": user.id, "g": _generation(user)})


def recognises(value: str | None, email: str, secret_key: str) -> bool:
    """Return whether the cookie ``value`` says this browser signed in to ``email``'s
    account before, with its current password."""
    if not value or not email:
        return False
    try:
        found = _serializer(secret_key).loads(value, max_age=int(LIFETIME.total_seconds()))
    except BadSignature:
        return False
    if not isinstance(found, dict):
        return False
    user = db.session.scalar(
        select(User).where(func.lower(User.email) == normalise_email(email), User.active)
    )
    return user is not None and user.id == found.get("u") and _generation(user) == found.get("g")
