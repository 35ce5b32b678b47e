"""Signed-in sessions: one row per browser, its token's hash stored, ended at sign-out, from
My account, after its idle or absolute time, or when the user's credentials change.

The cookie holds the session's token (``User.get_id``); a copy of it taken before the
session ended opens nothing afterwards.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import User, UserSession
from tracker.services import events

TOUCH_EVERY = timedelta(minutes=5)  # how stale "last seen" may get: one write per interval
# The audit log's events of signing in and out (beside the work people do).
ACCESS_EVENTS = ("signed_in", "signed_out", "sessions_ended", "sign_in_failed")


@dataclass(frozen=True)
class Limits:
    """How long a session lasts: ``idle`` without a request (not for remembered ones) and
    ``absolute`` since sign-in (``remembered``: with "keep me signed in")."""

    idle: timedelta
    absolute: timedelta
    remembered: timedelta


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(
    user: User,
    *,
    now: datetime,
    ip: str,
    user_agent: str,
    remember: bool,
    method: str | None = None,
    details: Mapping[str, object] | None = None,
) -> str:
    """Start a session for ``user`` and record the sign-in (committed), with the ``method``
    it used when named (e.g. "sso") and ``details`` (e.g. the second factor); return its
    token, also set as ``user.sign_in_token`` for Flask-Login."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=_hash(token),
            generation=user.session_token,
            remember=remember,
            created_at=now,
            last_seen_at=now,
            ip=(ip or "")[:45],
            user_agent=(user_agent or "")[:255],
        )
    )
    events.record(
        "signed_in", actor=user, now=now, unit_id=user.unit_id, target=f"user:{user.id}",
        data={**({"method": method} if method else {}), **(details or {})} or None,
    )  # fmt: skip
    db.session.commit()
    user.sign_in_token = token
    return token


@dataclass(frozen=True)
class Loaded:
    """A live session: its user (with their unit), its id, and the ``also`` values read
    with them."""

    user: User
    session_id: int
    also: tuple


@functools.lru_cache(maxsize=8)
def _load_statement(also: tuple) -> Select:
    """Return the statement ``load`` runs with the columns ``also`` (the same objects on
    every request), built once: every request runs it."""
    return (
        select(User, UserSession, *also)
        .join(UserSession, UserSession.user_id == User.id)
        .options(joinedload(User.unit))
        .where(
            UserSession.token_hash == bindparam("token_hash", type_=UserSession.token_hash.type),
            UserSession.ended_at.is_(None),
        )
    )


def load(token: str, *, now: datetime, limits: Limits, ip: str, also: tuple = ()) -> Loaded | None:
    """Return the live session with this token, or None, in one query with the columns
    ``also`` (e.g. a count to show on every page: pass the same objects each time, and the
    statement is built once); its "last seen" moves on at most every ``TOUCH_EVERY``
    (committed then)."""
    row = db.session.execute(_load_statement(also), {"token_hash": _hash(token or "")}).first()
    if row is None:
        return None
    user, found = row[0], row[1]
    if not user.active or found.generation != user.session_token:
        return None
    if now - found.created_at > (limits.remembered if found.remember else limits.absolute):
        return None
    if not found.remember and now - found.last_seen_at > limits.idle:
        return None
    if now - found.last_seen_at >= TOUCH_EVERY:
        found.last_seen_at = now
        found.ip = (ip or "")[:45]
        db.session.commit()
    user.sign_in_token = token
    return Loaded(user, found.id, tuple(row[2:]))


def end(token: str, user: User, *, now: datetime) -> None:
    """End the session with this token (signing out; committed)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == _hash(token or ""), UserSession.user_id == user.id)
        .where(UserSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    events.record("signed_out", actor=user, now=now, unit_id=user.unit_id, target=f"user:{user.id}")
    db.session.commit()


def active(user: User, *, now: datetime, limits: Limits) -> list[UserSession]:
    """Return the user's live sessions, the most recently seen first."""
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .where(UserSession.generation == user.session_token)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return [
        s
        for s in rows
        if now - s.created_at <= (limits.remembered if s.remember else limits.absolute)
        and (s.remember or now - s.last_seen_at <= limits.idle)
    ]


def end_others(user: User, keep_id: int | None, *, now: datetime) -> int:
    """End every live session of ``user`` but ``keep_id``; return how many ended
    (committed)."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep_id is not None:
        query = query.where(UserSession.id != keep_id)
    ended = db.session.execute(query.values(ended_at=now)).rowcount or 0
    if ended:
        events.record(
            "sessions_ended", actor=user, now=now, unit_id=user.unit_id,
            target=f"user:{user.id}", data={"count": ended},
        )  # fmt: skip
    db.session.commit()
    return ended


def end_one(user: User, session_id: int, *, now: datetime) -> bool:
    """End one of the user's own sessions; return whether it was live (committed)."""
    ended = db.session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.user_id == user.id)
        .where(UserSession.ended_at.is_(None))
        .values(ended_at=now)
    ).rowcount
    if ended:
        events.record(
            "sessions_ended", actor=user, now=now, unit_id=user.unit_id,
            target=f"user:{user.id}", data={"count": 1},
        )  # fmt: skip
    db.session.commit()
    return bool(ended)
