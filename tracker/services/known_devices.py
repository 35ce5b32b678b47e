"""Browsers that have signed in to an account before: a signed, long-lived cookie names the
account and its credentials' generation. When guesses at an account's password have
limited its sign-ins, its owner still signs in from such a browser (the per-address limit
still holds); a changed password makes every earlier cookie worthless.

``DeviceCookie`` is the shape of such a cookie; two-factor sign-in's "remember this
device" is another one (``services.two_factor``), bound to the authenticator app too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import User
from tracker.services.accounts import normalise_email


def generation(user: User, bound_to: str = "") -> str:
    """Return a fingerprint of the user's credentials (and of ``bound_to``): it changes when
    their session token does (password changed or reset, account deactivated, role
    changed)."""
    material = user.session_token + ("\0" + bound_to if bound_to else "")
    return hashlib.sha256(material.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class DeviceCookie:
    """A signed cookie saying "this browser is one ``user`` signed in from", valid until
    it is older than the lifetime it is read with, or the user's credentials change: their
    session token (password changed or reset, account deactivated, role changed) or the
    ``bound_to`` text it was made with (e.g. the authenticator app's stored secret)."""

    name: str
    salt: str

    def _serializer(self, secret_key: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(secret_key, salt=self.salt)

    def token_for(self, user: User, secret_key: str, bound_to: str = "") -> str:
        """Return the cookie's value for a browser ``user`` has just signed in from."""
        return self._serializer(secret_key).dumps({"u": user.id, "g": generation(user, bound_to)})

    def read(self, value: str | None, secret_key: str, lifetime: timedelta) -> dict | None:
        """Return what the cookie ``value`` says if we signed it less than ``lifetime``
        ago, else None (nothing is looked up)."""
        if not value:
            return None
        try:
            found = self._serializer(secret_key).loads(value, max_age=int(lifetime.total_seconds()))
        except BadSignature:
            return None
        return found if isinstance(found, dict) else None

    def matches(self, found: dict, user: User, bound_to: str = "") -> bool:
        """Return whether what a cookie says (``read``) is about ``user`` as they are now:
        same credentials, same ``bound_to``."""
        return found.get("u") == user.id and found.get("g") == generation(user, bound_to)

    def names(
        self, value: str | None, user: User, secret_key: str, lifetime: timedelta, bound_to=""
    ) -> bool:
        """Return whether the cookie ``value`` was made for ``user`` as they are now, less
        than ``lifetime`` ago."""
        found = self.read(value, secret_key, lifetime)
        return found is not None and self.matches(found, user, bound_to)


KNOWN_DEVICE = DeviceCookie("tracker_known_device", "tracker-known-device")
COOKIE = KNOWN_DEVICE.name
LIFETIME = timedelta(days=180)


def token_for(user: User, secret_key: str) -> str:
    """Return the cookie's value for a browser ``user`` has just signed in from."""
    return KNOWN_DEVICE.token_for(user, secret_key)


def recognises(value: str | None, email: str, secret_key: str) -> bool:
    """Return whether the cookie ``value`` says this browser signed in to ``email``'s
    account before, with its current password."""
    found = KNOWN_DEVICE.read(value, secret_key, LIFETIME) if email else None
    if found is None:
        return False
    user = db.session.scalar(
        select(User).where(func.lower(User.email) == normalise_email(email), User.active)
    )
    return user is not None and KNOWN_DEVICE.matches(found, user)
