"""Administration of user accounts: create, edit, deactivate, send a password link.

Admins never see or type passwords: a new account gets an emailed link to choose one.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import Role, Unit, User
from tracker.services import events, paging
from tracker.services.access import NOT_FOUND, require_role
from tracker.services.accounts import (
    build_user,
    new_session_token,
    normalise_email,
    queue_reset_link,
)
from tracker.services.admin.units import units_named
from tracker.services.errors import InvalidInput, NotFound, ServiceError
from tracker.services.search import matching
from tracker.settings import Settings

DUPLICATE_EMAIL = _l("Another account already uses this email address.")


@dataclass(frozen=True)
class UserFilters:
    role: str | None = None
    unit_id: int | None = None
    unit: str | None = None  # code or part of the name, diacritics optional
    active: bool | None = None
    q: str | None = None  # part of the name or email


def user_query(filters: UserFilters) -> Select:
    """Return the query of the user list (units joined in the same query)."""
    # Service accounts have their own page (Administration → Service accounts).
    query = select(User).options(joinedload(User.unit)).where(User.is_service.is_(False))
    if filters.role:
        query = query.where(User.role == filters.role)
    if filters.unit_id is not None:
        query = query.where(User.unit_id == filters.unit_id)
    if filters.unit:
        query = query.where(User.unit_id.in_(units_named(filters.unit)))
    if filters.active is not None:
        query = query.where(User.active.is_(filters.active))
    if filters.q:
        query = query.where(matching.person_matches(filters.q))
    return query.order_by(User.active.desc(), User.name, User.id)


def load_query(actor: User, filters: UserFilters) -> Select:
    """Return the user list's query for an administrator, else NotAllowed."""
    require_role(actor, Role.ADMIN)
    return user_query(filters)


def user_page(filters: UserFilters, number: int, size: int) -> Pagination:
    """Return page ``number`` of the user list (two queries: the count and the rows)."""
    return paging.page_of(user_query(filters), number, size)


def load_user(actor: User, user_id: int) -> User:
    """Return the user (with unit) for an admin, else NotFound / NotAllowed."""
    require_role(actor, Role.ADMIN)
    user = db.session.get(User, user_id, options=[joinedload(User.unit)])
    if user is None or user.is_service:  # service accounts have their own pages
        raise NotFound(NOT_FOUND)
    return user


def _check_role_and_unit(
    role: str, unit_id: int | None, current_unit_id: int | None = None
) -> None:
    if role not in {r.value for r in Role}:
        raise InvalidInput(_l("Choose a role."))
    if role == Role.FOCAL_POINT:
        if unit_id is None:
            raise InvalidInput(_l("A focal point must belong to a unit."))
        unit = db.session.get(Unit, unit_id)
        # A unit deactivated since stays acceptable for the focal points it already has.
        if unit is None or (not unit.active and unit_id != current_unit_id):
            raise InvalidInput(_l("Choose an active unit."))
    elif unit_id is not None:
        raise InvalidInput(_l("Only focal points belong to a unit."))


def _check_language(language: str, languages: Sequence[str]) -> None:
    if language not in languages:
        raise InvalidInput(_l("This language is not available."))


def _email_taken(email: str, except_id: int | None = None) -> bool:
    query = select(User.id).where(func.lower(User.email) == email)
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query.limit(1)) is not None


def create_user(
    actor: User,
    now: datetime,
    *,
    email: str,
    name: str,
    role: str,
    unit_id: int | None,
    language: str,
    settings: Settings,
) -> User:
    """Create an active account and queue the email with its owner's link to choose a
    password, committed together; the outbox's sender delivers it (the email log shows
    whether it went, and the admin can send a new link)."""
    require_role(actor, Role.ADMIN)
    email = normalise_email(email)
    name = (name or "").strip()
    if not email or not name:
        raise InvalidInput(_l("Enter the name and the email address."))
    _check_role_and_unit(role, unit_id)
    _check_language(language, settings.languages)
    if _email_taken(email):
        raise ServiceError(DUPLICATE_EMAIL)
    # Nobody knows this password: the owner sets theirs through the emailed link.
    user = build_user(
        email,
        name,
        role,
        secrets.token_urlsafe(32),
        method=settings.password_method,
        unit_id=unit_id,
        language=language,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise ServiceError(DUPLICATE_EMAIL) from error
    events.record(
        "user_created",
        actor=actor,
        now=now,
        unit_id=unit_id,
        target=f"user:{user.id}",
        data={"email": email, "role": role, "unit_id": unit_id, "language": language},
    )
    queue_reset_link(
        user, actor=actor, now=now, kind="invitation_sent", settings=settings, invitation=True
    )
    db.session.commit()
    return user


def update_user(
    actor: User,
    now: datetime,
    user_id: int,
    *,
    name: str,
    role: str,
    unit_id: int | None,
    language: str,
    languages: Sequence[str],
    active: bool | None = None,
) -> User:
    """Change a user's name, role, unit and language (one of ``languages``) and, unless
    ``active`` is None, whether the account is active, in one transaction; records what
    changed."""
    user = load_user(actor, user_id)
    if active is not None:
        _check_not_self(actor, user, active)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_l("Enter the name."))
    _check_role_and_unit(role, unit_id, user.unit_id)
    _check_language(language, languages)
    if user.id == actor.id and role != user.role:
        raise ServiceError(_l("You cannot change your own role: ask another administrator."))
    changes = {
        field: [getattr(user, field), value]
        for field, value in (
            ("name", name),
            ("role", role),
            ("unit_id", unit_id),
            ("language", language),
        )
        if getattr(user, field) != value
    }
    for field, (_old, value) in changes.items():
        setattr(user, field, value)
    if changes:
        events.record(
            "user_updated",
            actor=actor,
            now=now,
            unit_id=user.unit_id,
            target=f"user:{user.id}",
            data=changes,
        )
    if active is not None:
        _set_active(actor, now, user, active)
    db.session.commit()
    return user


def set_user_active(actor: User, now: datetime, user_id: int, active: bool) -> User:
    """Deactivate (signing the user out everywhere at once) or reactivate an account."""
    user = load_user(actor, user_id)
    _check_not_self(actor, user, active)
    _set_active(actor, now, user, active)
    db.session.commit()
    return user


def _check_not_self(actor: User, user: User, active: bool) -> None:
    if user.id == actor.id and not active:
        raise ServiceError(_l("You cannot deactivate your own account."))


def _set_active(actor: User, now: datetime, user: User, active: bool) -> None:
    """Deactivate or reactivate ``user`` with its event, not committed."""
    if user.active == active:
        return
    user.active = active
    if not active:
        # A new token invalidates every session and "keep me signed in" cookie.
        user.session_token = new_session_token()
    events.record(
        "user_reactivated" if active else "user_deactivated",
        actor=actor,
        now=now,
        unit_id=user.unit_id,
        target=f"user:{user.id}",
    )


def send_password_link(actor: User, now: datetime, user_id: int, *, settings: Settings) -> int:
    """Queue an email to an active user with a link to choose a new password (their current
    one still works), committed; return the email's id."""
    user = load_user(actor, user_id)
    if not user.active:
        raise ServiceError(_l("This account is deactivated: reactivate it first."))
    email_id = queue_reset_link(
        user, actor=actor, now=now, kind="password_reset_sent", settings=settings
    )
    db.session.commit()
    return email_id


def unit_options(include_id: int | None = None) -> list[tuple[int, str]]:
    """Return the active units (and ``include_id``, even if inactive) as (id, "name (code)")
    in list order, for unit selects."""
    condition = Unit.active.is_(True)
    if include_id is not None:
        condition = or_(condition, Unit.id == include_id)
    rows = db.session.execute(
        select(Unit.id, Unit.name, Unit.code).where(condition).order_by(Unit.group, Unit.sort_name)
    )
    return [(uid, f"{name} ({code})") for uid, name, code in rows]
