"""Personal access tokens for the integration API: made in My account, shown once, stored
as a SHA-256 hash (a token carries 256 random bits, so a fast hash loses nothing), with
scopes, an expiry, the last use and where from, revocable. A token acts as its user: the
API applies the same rules as the pages, narrowed by the token's scopes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import ApiToken, Role, User
from tracker.services import events
from tracker.services.errors import ServiceError

PREFIX = "trk_"
READ, WRITE, ADMIN = "read", "write", "admin"
SCOPES = (READ, WRITE, ADMIN)
LIFETIMES_DAYS = (30, 90, 180, 365)
TOUCH_EVERY = timedelta(minutes=1)  # how stale "last used" may get: one write per interval


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def allowed_scopes(user: User) -> tuple[str, ...]:
    """Return the scopes ``user`` may give a token: "admin" only to administrators."""
    return SCOPES if user.role == Role.ADMIN else (READ, WRITE)


def create(
    user: User,
    *,
    name: str,
    scopes: list[str],
    days: int,
    now: datetime,
    actor: User | None = None,
) -> tuple[ApiToken, str]:
    """Make a token for ``user`` and commit it; return it with its secret, which is shown
    once and never stored. "read" is always included; a write or admin scope implies it.
    ``actor``: who makes it, when not ``user`` (an administrator, for a service account)."""
    name = " ".join(name.split())
    if not name:
        raise ServiceError(_l("Give the token a name."))
    if days not in LIFETIMES_DAYS:
        raise ServiceError(_l("Choose how long the token stays valid."))
    chosen = {READ, *scopes}
    if not chosen <= set(allowed_scopes(user)):
        raise ServiceError(_l("You cannot give a token that permission."))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name[:100],
        prefix=secret[: len(PREFIX) + 6],
        token_hash=_hash(secret),
        scopes=",".join(scope for scope in SCOPES if scope in chosen),
        created_at=now,
        expires_at=now + timedelta(days=days),
        last_used_ip="",
    )
    db.session.add(token)
    db.session.flush()
    events.record(
        "api_token_created",
        actor=actor or user,
        now=now,
        unit_id=user.unit_id,
        target=f"api_token:{token.id}",
        note=token.name,
        data={"scopes": token.scope_list, "expires_at": token.expires_at.isoformat()},
    )
    db.session.commit()
    return token, secret


def listed(user: User) -> list[ApiToken]:
    """Return ``user``'s tokens, newest first, revoked and expired ones included."""
    query = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    return list(db.session.scalars(query))


def revoke(user: User, token_id: int, *, now: datetime, actor: User | None = None) -> bool:
    """Revoke one of ``user``'s own tokens (``actor``: who does it, when not ``user``);
    return False when it is not theirs or was already revoked (nothing changes then)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return False
    token.revoked_at = now
    events.record(
        "api_token_revoked",
        actor=actor or user,
        now=now,
        unit_id=user.unit_id,
        target=f"api_token:{token.id}",
        note=token.name,
    )
    db.session.commit()
    return True


def authenticate(secret: str, *, now: datetime, ip: str) -> ApiToken | None:
    """Return the live token ``secret`` names (its user active, not expired or revoked),
    noting when and where from it was used (at most once a minute); None otherwise."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(secret)))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.active:
        return None
    if (
        token.last_used_at is None
        or now - token.last_used_at >= TOUCH_EVERY
        or token.last_used_ip != ip
    ):
        token.last_used_at, token.last_used_ip = now, ip[:45]
        db.session.commit()
    return token


def is_live(token: ApiToken, now: datetime) -> bool:
    return token.revoked_at is None and token.expires_at > now
