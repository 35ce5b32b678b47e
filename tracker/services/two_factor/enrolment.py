"""Turning two-factor sign-in on (setting up an authenticator app, confirmed by a first
code) and off, new recovery codes, and an administrator's reset.

Each change is in the audit log. Turning it on, or moving to another app, signs the user's
other sessions out (they began without the second factor); a reset by an administrator
signs them out everywhere (the usual reason is a lost or stolen phone). Every change of
the app forgets the devices remembered for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from werkzeug.security import check_password_hash

from tracker.domain import two_factor as rules
from tracker.extensions import db
from tracker.models import TwoFactor, User
from tracker.services import events, sessions
from tracker.services.accounts import new_session_token, normalise_email
from tracker.services.admin.users import load_user
from tracker.services.errors import NotFound, ServiceError
from tracker.services.two_factor import app_codes, recovery

NOT_APP_CODE = _l("Enter the 6-digit code your authenticator app shows.")
WRONG_FIRST_CODE = _l(
    "This code does not match. Check that the app was set up with the code above and that "
    "your phone's clock is right, then type the code it shows now."
)
WRONG_PROOF = _l("Enter your password or a current code from your authenticator app.")
NOT_ON = _l("Two-factor sign-in is not turned on for this account.")


@dataclass(frozen=True)
class Status:
    """Where a user stands: whether the app is in use (since when), how many recovery
    codes are left, and whether an app is being set up."""

    enabled: bool
    enabled_at: datetime | None
    codes_left: int
    pending: bool


def _row(user_id: int) -> TwoFactor | None:
    return db.session.get(TwoFactor, user_id)


def status_of(user: User) -> Status:
    """Return the user's two-factor status."""
    row = _row(user.id)
    if row is None:
        return Status(False, None, 0, False)
    enabled = row.secret is not None
    return Status(
        enabled=enabled,
        enabled_at=row.enabled_at if enabled else None,
        codes_left=recovery.remaining(user.id) if enabled else 0,
        pending=row.pending_secret is not None,
    )


def start(user: User, *, now: datetime, secret_key: str) -> None:
    """Make a new secret for an app being set up (committed). It counts for nothing until
    ``confirm`` is given a code from it: an app in use keeps working meanwhile. (Not in the
    audit log: nothing the account can do has changed yet.)"""
    row = _row(user.id) or TwoFactor(user_id=user.id)
    row.pending_secret = app_codes.seal(app_codes.new_secret(), secret_key)
    row.pending_at = now
    db.session.add(row)
    db.session.commit()


@dataclass(frozen=True)
class Setup:
    """What the set-up page shows: the secret to type by hand and the QR code's address."""

    secret: str
    uri: str


def setup_of(user: User, *, secret_key: str, issuer: str) -> Setup | None:
    """Return the app being set up, or None (none started, or sealed under another key)."""
    row = _row(user.id)
    secret = app_codes.unseal(row.pending_secret if row else None, secret_key)
    if secret is None:
        return None
    return Setup(secret, app_codes.provisioning_uri(secret, user.email, issuer))


def confirm(
    user: User,
    typed: str,
    *,
    now: datetime,
    unix_time: float,
    secret_key: str,
    keep_session_id: int | None,
) -> list[str]:
    """Put the app being set up in use once ``typed`` is a current code of it, with new
    recovery codes (returned, to be shown once); the user's sessions but
    ``keep_session_id`` end (committed)."""
    row = _row(user.id)
    secret = app_codes.unseal(row.pending_secret if row else None, secret_key)
    if row is None or secret is None:
        raise ServiceError(_l("Set-up has not been started, or has expired: start again."))
    code = rules.normalise(typed)
    if not rules.is_app_code(code):
        raise ServiceError(NOT_APP_CODE)
    step = rules.accepted_step(code, app_codes.codes_at(secret, unix_time), None)
    if step is None:
        raise ServiceError(WRONG_FIRST_CODE)
    replacing = row.secret is not None
    row.secret, row.pending_secret, row.pending_at = row.pending_secret, None, None
    row.enabled_at, row.last_step = now, step
    codes = recovery.replace(user, now=now)
    events.record(
        "two_factor_replaced" if replacing else "two_factor_enabled",
        actor=user, now=now, unit_id=user.unit_id, target=f"user:{user.id}",
        data={"codes_left": len(codes)},
    )  # fmt: skip
    sessions.end_others(user, keep_session_id, now=now)  # commits all of it
    return codes


def _proven(user: User, row: TwoFactor, proof: str, unix_time: float, secret_key: str) -> bool:
    """Whether ``proof`` is the user's password or a fresh code of their app (which is
    then used up, as at sign-in; not committed)."""
    if proof and check_password_hash(user.password_hash, proof):
        return True
    code = rules.normalise(proof)
    secret = app_codes.unseal(row.secret, secret_key)
    if not rules.is_app_code(code) or secret is None:
        return False
    step = rules.accepted_step(code, app_codes.codes_at(secret, unix_time), row.last_step)
    return step is not None and claim_step(user.id, step)


def claim_step(user_id: int, step: int) -> bool:
    """Record ``step`` as the last one used, unless it or a later one already was (two
    requests with one code at once: one wins); not committed."""
    claimed = db.session.execute(
        update(TwoFactor)
        .where(TwoFactor.user_id == user_id, TwoFactor.secret.is_not(None))
        .where(or_(TwoFactor.last_step.is_(None), TwoFactor.last_step < step))
        .values(last_step=step)
    ).rowcount
    return claimed == 1


def _enabled_row(user: User) -> TwoFactor:
    row = _row(user.id)
    if row is None or row.secret is None:
        raise ServiceError(NOT_ON)
    return row


def regenerate_codes(
    user: User, proof: str, *, now: datetime, unix_time: float, secret_key: str
) -> list[str]:
    """Void the user's recovery codes and return new ones, once ``proof`` (password or app
    code) is right (committed)."""
    row = _enabled_row(user)
    if not _proven(user, row, proof, unix_time, secret_key):
        db.session.rollback()
        raise ServiceError(WRONG_PROOF)
    codes = recovery.replace(user, now=now)
    events.record(
        "recovery_codes_generated", actor=user, now=now, unit_id=user.unit_id,
        target=f"user:{user.id}", data={"codes_left": len(codes)},
    )  # fmt: skip
    db.session.commit()
    return codes


def disable(
    user: User,
    proof: str,
    *,
    now: datetime,
    unix_time: float,
    secret_key: str,
    roles: Iterable[str],
) -> None:
    """Turn two-factor sign-in off once ``proof`` (password or app code) is right, unless
    the policy (``roles``) requires it of the user's role (committed)."""
    if rules.required(user.role, roles):
        raise ServiceError(
            _l(
                "Your role must use two-factor sign-in, so it cannot be turned off. You can "
                "move it to another app instead."
            )
        )
    row = _enabled_row(user)
    if not _proven(user, row, proof, unix_time, secret_key):
        db.session.rollback()
        raise ServiceError(WRONG_PROOF)
    _remove(user)
    events.record(
        "two_factor_disabled", actor=user, now=now, unit_id=user.unit_id,
        target=f"user:{user.id}",
    )  # fmt: skip
    db.session.commit()


def _remove(user: User) -> None:
    recovery.remove_all(user.id)
    row = _row(user.id)
    if row is not None:
        db.session.delete(row)


def reset(actor: User, user_id: int, *, now: datetime) -> User:
    """An administrator turns a user's two-factor sign-in off (lost phone and codes): the
    app and recovery codes are gone and every session of the user ends; if their role
    requires it, they set up an app again at their next sign-in (committed)."""
    user = load_user(actor, user_id)
    if user.id == actor.id:
        raise ServiceError(
            _l(
                "You cannot reset your own two-factor sign-in: use My account, or ask another "
                "administrator."
            )
        )
    _reset(user, actor=actor, now=now)
    return user


def reset_by_email(email: str, *, now: datetime) -> User:
    """``reset`` from the server's command line, for whoever no administrator can help
    (the only administrator lost their phone and codes); recorded as done by the system."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))
    if user is None:
        raise NotFound(_l("There is no account with this email address."))
    _reset(user, actor=None, now=now, data={"method": "command"})
    return user


def _reset(user: User, *, actor: User | None, now: datetime, data: dict | None = None) -> None:
    row = _row(user.id)
    if row is None or row.secret is None:
        raise ServiceError(_l("This user has not turned on two-factor sign-in."))
    _remove(user)
    user.session_token = new_session_token()  # signed out everywhere
    events.record(
        "two_factor_reset", actor=actor, now=now, unit_id=user.unit_id,
        target=f"user:{user.id}", data=data,
    )  # fmt: skip
    db.session.commit()
