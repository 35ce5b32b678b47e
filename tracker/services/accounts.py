"""Accounts: creating users, signing in, checking and changing passwords, reset links by
email (queued in the outbox with the token they carry).

Passwords are hashed with the method the caller passes (``Settings.password_method``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from tracker import mail
from tracker.extensions import db
from tracker.mail import Recipient
from tracker.models import PasswordReset, Unit, User
from tracker.services import events
from tracker.services.errors import ServiceError
from tracker.services.outbox.queue import queue
from tracker.settings import Settings


@cache
def _dummy_hash(method: str) -> str:
    """Return the hash compared against when the email is unknown, made with the method real
    passwords use, so that timing does not reveal which emails exist."""
    return generate_password_hash("not-a-real-password", method=method)


def normalise_email(email: str) -> str:
    """Return the email trimmed and lower-cased, the form it is stored and looked up in."""
    return email.strip().lower()


def new_session_token() -> str:
    """Return a fresh random session token (changing it signs the user out everywhere)."""
    return secrets.token_hex(32)


def build_user(
    email: str, name: str, role: str, password: str, *, method: str = "scrypt", **fields
) -> User:
    """Return a new, unsaved user with the password hashed by ``method``."""
    return User(
        email=normalise_email(email),
        name=name,
        role=role,
        password_hash=generate_password_hash(password, method=method),
        session_token=new_session_token(),
        **fields,
    )


def check_credentials(
    email: str, password: str, *, method: str, roles: Sequence[str] | None = None
) -> User | None:
    """Return the active user with these credentials, else None (``method`` is the hashing
    method of the unknown-email comparison); nothing is recorded (a second factor may still
    be asked). With ``roles`` (single sign-on keeps passwords for administrators), a user of
    another role is refused like a wrong password, so the answer tells nobody which
    accounts exist."""
    user = db.session.scalar(
        select(User).where(
            func.lower(User.email) == normalise_email(email or ""), User.is_service.is_(False)
        )
    )
    if user is None:  # a service account signs in to nothing: it has API tokens only
        check_password_hash(_dummy_hash(method), password or "")
        return None
    if not user.active or not check_password_hash(user.password_hash, password or ""):
        return None
    if roles is not None and user.role not in roles:
        return None
    return user


def authenticate(
    email: str, password: str, *, now: datetime, method: str, roles: Sequence[str] | None = None
) -> User | None:
    """Like ``check_credentials``, with the user's sign-in recorded and committed."""
    user = check_credentials(email, password, method=method, roles=roles)
    if user is not None:
        record_sign_in(user, now=now)
        db.session.commit()
    return user


def record_sign_in(user: User, *, now: datetime) -> None:
    """Note when the user last signed in (not committed: ``sessions.start`` commits)."""
    user.last_login_at = now


def record_sign_in_refused(
    email: str, reason: str, *, ip: str, now: datetime, second_factor: str | None = None
) -> None:
    """Record a refused password sign-in in the audit log (committed), as single sign-on
    records its own: ``reason`` "wrong_password" (the email or the password) or "limited"
    (the account's attempts are used up). After a right password, ``second_factor`` names
    the code that was refused ("totp", "recovery_code") and ``reason`` why ("wrong_code",
    "reused_code", "expired", "limited"). The address tried and the client's are kept; the
    password and the code never are."""
    tried = normalise_email(email or "")[:255]
    user = db.session.scalar(select(User).where(func.lower(User.email) == tried)) if tried else None
    data = {"method": "password", "reason": reason, "email": tried, "ip": ip[:45]}
    if second_factor:
        data["second_factor"] = second_factor
    events.record(
        "sign_in_failed",
        actor=None,
        now=now,
        unit_id=user.unit_id if user is not None else None,
        target=f"user:{user.id}" if user is not None else None,
        data=data,
    )
    db.session.commit()


MIN_PASSWORD_LENGTH = 10

BAD_LINK = {
    "unknown": _l("This password reset link is not valid. Request a new one."),
    "used": _l("This password reset link has already been used. Request a new one."),
    "expired": _l("This password reset link has expired. Request a new one."),
}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_new_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ServiceError(
            _l("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
        )


def _rotate_credentials(user: User, password: str, now: datetime, method: str) -> None:
    """Set the password, end every other session and void the user's unused reset links."""
    user.password_hash = generate_password_hash(password, method=method)
    user.session_token = new_session_token()
    user.password_changed_at = now
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )


def queue_reset_link(
    user: User,
    *,
    actor: User | None,
    now: datetime,
    kind: str,
    settings: Settings,
    invitation: bool = False,
) -> int:
    """Store a new single-use reset token for ``user`` and queue the email with its link in
    the outbox; return the email's id (not committed: see ``queue_reset_links``)."""
    return queue_reset_links(
        [user], actor=actor, now=now, kind=kind, settings=settings, invitation=invitation
    )[0]


def queue_reset_links(
    users: Sequence[User],
    *,
    actor: User | None,
    now: datetime,
    kind: str,
    settings: Settings,
    invitation: bool = False,
) -> list[int]:
    """Like ``queue_reset_link`` for many users at once (one statement for the emails);
    returns one email id per user.

    Nothing is committed: the caller commits the tokens, their emails and the events with
    the change that asked for them, so a link never points to a token that was rolled back
    and a token never waits for an email that was not queued. The outbox's sender delivers
    the emails; the event of each names its email (``email_id``).
    """
    if not users:
        return []
    hours = settings.invitation_hours if invitation else settings.password_reset_hours
    expires_at = now + timedelta(hours=hours)
    data = {"expires_at": expires_at.isoformat()}
    tokens, recorded = [], []
    for user in users:
        token = secrets.token_urlsafe(32)
        tokens.append(token)
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
    db.session.execute(
        insert(PasswordReset),
        [
            {
                "user_id": user.id,
                "token_hash": _token_hash(token),
                "created_at": now,
                "expires_at": expires_at,
            }
            for user, token in zip(users, tokens, strict=True)
        ],
    )
    unit_names = dict(
        db.session.execute(
            select(Unit.id, Unit.name).where(
                Unit.id.in_({u.unit_id for u in users if u.unit_id is not None})
            )
        ).all()
    )
    template = "invitation" if invitation else "password_reset"
    subject = _l("Your account") if invitation else _l("Reset your password")
    letters = [
        mail.compose(
            template,
            Recipient.of(user),
            subject,
            kind="invitation" if invitation else "password_reset",
            unit_id=user.unit_id,
            user_id=user.id,
            url=mail.link("account.reset_password", token=token),
            hours=hours,
            expires_at=expires_at,
            role=user.role,
            unit_name=unit_names.get(user.unit_id),
        )
        for user, token in zip(users, tokens, strict=True)
    ]
    ids = queue(letters, now=now, settings=settings)
    for event, email_id in zip(recorded, ids, strict=True):
        event.data = {**data, "email_id": email_id}
    return ids


def request_password_reset(email: str, *, now: datetime, settings: Settings) -> None:
    """Queue a reset link if an active user has this email, and commit; behave the same
    otherwise. Nothing is sent inside the request: the answer must not reveal which
    addresses have accounts, nor wait for the mail server."""
    user = db.session.scalar(
        select(User).where(func.lower(User.email) == normalise_email(email or ""))
    )
    if user is None or not user.reachable:
        db.session.rollback()
        return
    queue_reset_link(user, actor=user, now=now, kind="password_reset_requested", settings=settings)
    db.session.commit()


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


def reset_password(token: str, password: str, *, now: datetime, method: str) -> User:
    """Set a new password (hashed by ``method``) through a reset link, which then works no
    more; every session of the user ends and their other unused links are voided."""
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
    _rotate_credentials(user, password, now, method)
    events.record(
        "password_reset", actor=user, now=now, unit_id=user.unit_id, target=f"user:{user.id}"
    )
    db.session.commit()
    return user


def change_password(user: User, current: str, password: str, *, now: datetime, method: str) -> None:
    """Change ``user``'s password (hashed by ``method``) after checking the current one;
    every other session ends (the caller signs this one in again with the new session
    token)."""
    if not check_password_hash(user.password_hash, current or ""):
        raise ServiceError(_l("The current password is not correct."))
    _check_new_password(password)
    if password == current:
        raise ServiceError(_l("The new password must differ from the current one."))
    _rotate_credentials(user, password, now, method)
    events.record(
        "password_changed", actor=user, now=now, unit_id=user.unit_id, target=f"user:{user.id}"
    )
    db.session.commit()


def set_language(user: User, language: str, *, now: datetime, languages: Sequence[str]) -> None:
    """Save ``language``, one of ``languages``, as the user's interface and email language
    (event "language_changed")."""
    if language not in languages:
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


def remember_language(user: User, language: str) -> None:
    """Save ``language`` on the account, as the language switch in the page header does
    (no event, unlike ``set_language`` on the account page)."""
    user.language = language
    db.session.commit()
