"""The second step of a password sign-in: the code of the user's authenticator app, or one
of their recovery codes; and the cookie of a device remembered for some days, on which
the code is not asked.

A code opens nothing twice: an app code's time step is recorded as used (and any earlier
one refused after it), a recovery code is marked used. The caller records the outcome in
the audit log with the sign-in (``sessions.start``) or its refusal
(``accounts.record_sign_in_refused``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ScalarSelect, exists

from tracker.domain import two_factor as rules
from tracker.extensions import db
from tracker.models import TwoFactor, User
from tracker.services.errors import ServiceError
from tracker.services.known_devices import DeviceCookie, generation
from tracker.services.two_factor import app_codes, recovery
from tracker.services.two_factor.enrolment import claim_step

# "Remember this device": a cookie bound to the account's password and to its app.
REMEMBERED = DeviceCookie("tracker_two_factor_device", "tracker-two-factor-device")

REFUSALS = {
    "wrong_code": _l(
        "This code is not right. Type the code your authenticator app shows now, or one of "
        "your recovery codes."
    ),
    "reused_code": _l(
        "This code has already been used. Wait for the next code in your authenticator app."
    ),
}


class CodeRefused(ServiceError):
    """A code that signs nobody in; ``reason`` is a key of ``REFUSALS``, ``factor`` what
    the code looked like ("totp" or "recovery_code")."""

    def __init__(self, reason: str, factor: str) -> None:
        super().__init__(REFUSALS[reason])
        self.reason = reason
        self.factor = factor


@dataclass(frozen=True)
class Used:
    """A code that passed: ``factor`` "totp" or "recovery_code"; ``codes_left``: the
    recovery codes still unused after it (recovery codes only)."""

    factor: str
    codes_left: int | None = None


def enabled_of(user_id) -> ScalarSelect[bool]:
    """Return whether the user has an app in use, as a subquery to read along with the
    user (``user_id``: an id or a column such as ``User.id``)."""
    return (
        exists()
        .where(TwoFactor.user_id == user_id, TwoFactor.secret.is_not(None))
        .correlate_except(TwoFactor)
        .select()
        .scalar_subquery()
    )


def generation_of(user: User) -> str:
    """Return a fingerprint of the user's credentials: a sign-in waiting for its code is
    void once the password changes (or the account is deactivated) meanwhile."""
    return generation(user)


def waiting(user_id: object, generation: object) -> User | None:
    """Return the active user with an app in use whose sign-in, held with this id and
    ``generation_of``, may go on to its code step; else None."""
    if not isinstance(user_id, int) or not isinstance(generation, str):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or generation_of(user) != generation:
        return None
    return user if is_on(user) else None


def is_on(user: User) -> bool:
    """Whether ``user`` has an app in use (so a password alone does not sign them in)."""
    row = db.session.get(TwoFactor, user.id)
    return row is not None and row.secret is not None


def use_code(user: User, typed: str, *, now: datetime, unix_time: float, secret_key: str) -> Used:
    """Accept ``typed`` as the user's second factor and use it up (committed), or raise
    ``CodeRefused`` (nothing changed)."""
    code = rules.normalise(typed)
    row = db.session.get(TwoFactor, user.id)
    if row is None or row.secret is None:
        raise CodeRefused("wrong_code", "totp")
    if rules.is_app_code(code):
        secret = app_codes.unseal(row.secret, secret_key)
        codes = app_codes.codes_at(secret, unix_time) if secret else {}
        if rules.accepted_step(code, codes, None) is None:
            raise CodeRefused("wrong_code", "totp")
        step = rules.accepted_step(code, codes, row.last_step)
        if step is None or not claim_step(user.id, step):
            db.session.rollback()
            raise CodeRefused("reused_code", "totp")
        db.session.commit()
        return Used("totp")
    if not recovery.spend(user, code, now=now):
        db.session.rollback()
        raise CodeRefused("wrong_code", "recovery_code")
    left = recovery.remaining(user.id)
    db.session.commit()
    return Used("recovery_code", left)


def remember_token(user: User, secret_key: str) -> str | None:
    """Return the "remember this device" cookie's value for ``user``, or None when they
    have no app in use."""
    row = db.session.get(TwoFactor, user.id)
    if row is None or row.secret is None:
        return None
    return REMEMBERED.token_for(user, secret_key, bound_to=row.secret)


def remembers(value: str | None, user: User, secret_key: str, days: int) -> bool:
    """Whether the cookie ``value`` remembers this device for ``user``: made less than
    ``days`` ago, with their current password and app."""
    if not value or days <= 0:
        return False
    row = db.session.get(TwoFactor, user.id)
    if row is None or row.secret is None:
        return False
    return REMEMBERED.names(value, user, secret_key, timedelta(days=days), bound_to=row.secret)
