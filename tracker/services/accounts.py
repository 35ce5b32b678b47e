"""Accounts: creating users, checking and changing passwords, reset links by email."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from tracker import mail
from tracker.extensions import db
from tracker.models import PasswordReset, User
from tracker.services import events
from tracker.services.errors import ServiceError

# Compared against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalise_email(email: str) -> str:
    """Return the email trimmed and lower-cased, the form it is stored and looked up in."""
    return email.strip().lower()


def new_session_token() -> str:
    """Return a fresh random session token (changing it signs the user out everywhere)."""
    return secrets.token_hex(32)


def build_user(
    email: str, name: str, role: str, password: str, *, method: str = "scrypt", **fields
) -> User:
    """Return a new, unsaved user with a hashed password."""
    return User(
        email=normalise_email(email),
        name=name,
        role=role,
        password_hash=generate_password_hash(password, method=method),
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


MIN_PASSWORD_LENGTH = 10

BAD_LINK = {
    "unknown": _l("This password reset link is not valid. Request a new one."),
    "used": _l("This password reset link has already been used. Request a new one."),
    "expired": _l("This password reset link has expired. Request a new one."),
}


@dataclass(frozen=True)
class Delivery:
    """Whether an email reached the mail server, and why not."""

    ok: bool
    error: str | None = None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_new_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ServiceError(
            _l("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
        )


def _rotate_credentials(user: User, password: str, now: datetime) -> None:
    """Set the password, end every other session and void the user's unused reset links."""
    user.password_hash = generate_password_hash(password)
    user.session_token = new_session_token()
    user.password_changed_at = now
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )


def send_reset_link(
    user: User, *, actor: User | None, now: datetime, kind: str, invitation: bool = False
) -> Delivery:
    """Store a new single-use reset token for ``user`` and email its link; return the outcome.

    The token is committed before the email goes out (the link never points to a token that
    was rolled back, and no transaction stays open while the mail server answers); the
    event recording it then gets the delivery result.
    """
    return send_reset_links([user], actor=actor, now=now, kind=kind, invitation=invitation)[0]


def send_reset_links(
    users: Sequence[User],
    *,
    actor: User | None,
    now: datetime,
    kind: str,
    invitation: bool = False,
) -> list[Delivery]:
    """Like ``send_reset_link`` for many users at once: one commit for the tokens, one SMTP
    session for the emails, one commit for the outcomes; returns one delivery per user."""
    if not users:
        return []
    config = current_app.config
    hours = config["INVITATION_HOURS"] if invitation else config["PASSWORD_RESET_HOURS"]
    expires_at = now + timedelta(hours=hours)
    data = {"expires_at": expires_at.isoformat()}
    tokens, recorded = [], []
    for user in users:
        token = secrets.token_urlsafe(32)
        tokens.append(token)
        db.session.add(
            PasswordReset(
                user_id=user.id,
                token_hash=_token_hash(token),
                created_at=now,
                expires_at=expires_at,
            )
        )
        recorded.append(
            events.record(
                kind,
                actor=actor,
                now=now,
                unit_id=user.unit_id,
                target=f"user:{user.id}",
                data=data,
            )
        )
    ids = [user.id for user in users]
    db.session.commit()
    # One query reloads the committed users and their units for the templates.
    loaded = {
        u.id: u
        for u in db.session.scalars(
            select(User).options(joinedload(User.unit)).where(User.id.in_(ids))
        )
    }
    template = "invitation" if invitation else "password_reset"
    subject = _l("Your account") if invitation else _l("Reset your password")
    messages = [
        mail.compose(
            template,
            loaded[user_id],
            subject,
            url=mail.link("account.reset_password", token=token),
            hours=hours,
            expires_at=expires_at,
        )
        for user_id, token in zip(ids, tokens, strict=True)
    ]
    try:
        deliveries = [Delivery(o.ok, o.error) for o in mail.send(messages)]
    except mail.MailError as error:
        deliveries = [Delivery(False, str(error))] * len(messages)
    for event, delivery in zip(recorded, deliveries, strict=True):
        event.data = {**data, "delivered": delivery.ok, "error": delivery.error}
    db.session.commit()
    return deliveries


def request_password_reset(email: str, *, now: datetime) -> None:
    """Email a reset link if an active user has this email; behave the same otherwise.

    Delivery failures are logged and recorded on the event, never shown: the answer must
    not reveal which addresses have accounts.
    """
    user = db.session.scalar(
        select(User).where(func.lower(User.email) == normalise_email(email or ""))
    )
    if user is None or not user.active:
        return
    send_reset_link(user, actor=user, now=now, kind="password_reset_requested")


def _usable_reset(token: str, now: datetime) -> PasswordReset:
    reset = db.session.scalar(
        select(PasswordReset)
        .options(joinedload(PasswordReset.user))
        .where(PasswordReset.token_hash == _token_hash(token or ""))
    )
    if reset is None or not reset.user.active:
        raise ServiceError(BAD_LINK["unknown"])
    if reset.used_at is not None:
        raise ServiceError(BAD_LINK["used"])
    if reset.expires_at <= now:
        raise ServiceError(BAD_LINK["expired"])
    return reset


def check_reset_token(token: str, *, now: datetime) -> User:
    """Return the user a reset link belongs to, or raise ``ServiceError`` saying why it is
    unknown, used or expired."""
    return _usable_reset(token, now).user


def reset_password(token: str, password: str, *, now: datetime) -> User:
    """Set a new password through a reset link, which then works no more; every session of
    the user ends and their other unused links are voided."""
    reset = _usable_reset(token, now)
    _check_new_password(password)
    # Claimed with a conditional UPDATE so that two simultaneous uses cannot both succeed.
    claimed = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise ServiceError(BAD_LINK["used"])
    user = reset.user
    _rotate_credentials(user, password, now)
    events.record(
        "password_reset", actor=user, now=now, unit_id=user.unit_id, target=f"user:{user.id}"
    )
    db.session.commit()
    return user


def change_password(user: User, current: str, password: str, *, now: datetime) -> None:
    """Change ``user``'s password after checking the current one; every other session ends
    (the caller signs this one in again with the new session token)."""
    if not check_password_hash(user.password_hash, current or ""):
        raise ServiceError(_l("The current password is not correct."))
    _check_new_password(password)
    if password == current:
        raise ServiceError(_l("The new password must differ from the current one."))
    _rotate_credentials(user, password, now)
    events.record(
        "password_changed", actor=user, now=now, unit_id=user.unit_id, target=f"user:{user.id}"
    )
    db.session.commit()


def set_language(user: User, language: str, *, now: datetime) -> None:
    """Save ``language`` as the user's interface and email language."""
    if language not in current_app.config["LANGUAGES"]:
        raise ServiceError(_l("This language is not available."))
    if user.language == language:
        return
    events.record(
        "language_changed",
        actor=user,
        now=now,
        target=f"user:{user.id}",
        data={"from": user.language, "to": language},
    )
    user.language = language
    db.session.commit()
