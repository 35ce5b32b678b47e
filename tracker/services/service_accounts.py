"""Service accounts: what another system (a ministry's e-office, the national reporting
system, a dashboard) uses the API as, instead of a person's token that would stop working
when that person leaves.

An administrator makes one with a role (and a unit, for a focal point's) and gives it
tokens. The API applies the same rules to it as to a person of that role. It cannot sign in
to the pages (it has no password anyone knows, and sign-in skips it), and nobody reads its
mail, so reminders and notifications leave it out (``User.reachable``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import ApiToken, Role, Unit, User
from tracker.services import api_tokens, events
from tracker.services.access import NOT_FOUND, require_role
from tracker.services.errors import NotFound, ServiceError

# Addresses of the reserved ".invalid" domain (RFC 2606): no mail can go to one.
DOMAIN = "service.invalid"
NAME_MAX = 255


@dataclass(frozen=True)
class Listed:
    """A service account as its list shows it."""

    account: User
    live_tokens: int
    last_used_at: datetime | None


def create(actor: User, now: datetime, *, name: str, role: str, unit_id: int | None) -> User:
    """Make a service account of ``role`` (a focal point's belongs to ``unit_id``) and
    commit it."""
    require_role(actor, Role.ADMIN)
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError(_l("Name the system that will use this account."))
    if role not in {r.value for r in Role}:
        raise ServiceError(_l("Choose a role."))
    if role == Role.FOCAL_POINT:
        unit = db.session.get(Unit, unit_id) if unit_id is not None else None
        if unit is None or not unit.active:
            raise ServiceError(_l("A focal point's account must belong to an active unit."))
    else:
        unit_id = None
    account = User(
        email=f"service-{secrets.token_hex(8)}@{DOMAIN}",
        name=name[:NAME_MAX],
        role=role,
        unit_id=unit_id,
        # No password matches "!" (not a hash): the account opens no page.
        password_hash="!",
        session_token=secrets.token_hex(32),
        language="vi",
        is_service=True,
    )
    db.session.add(account)
    db.session.flush()
    events.record(
        "service_account_created",
        actor=actor,
        now=now,
        unit_id=unit_id,
        target=f"user:{account.id}",
        note=account.name,
        data={"role": role, "unit_id": unit_id},
    )
    db.session.commit()
    return account


def listed(actor: User) -> list[Listed]:
    """Return every service account with its live tokens and last use, active ones first
    (one query)."""
    require_role(actor, Role.ADMIN)
    live = ApiToken.revoked_at.is_(None)
    query = (
        select(
            User,
            func.count(ApiToken.id).filter(live),
            func.max(ApiToken.last_used_at),
        )
        .outerjoin(ApiToken, ApiToken.user_id == User.id)
        .where(User.is_service.is_(True))
        .group_by(User.id)
        .order_by(User.active.desc(), User.name, User.id)
    )
    return [Listed(user, count, last) for user, count, last in db.session.execute(query)]


def load(actor: User, account_id: int) -> User:
    """Return the service account for an administrator, else NotFound."""
    require_role(actor, Role.ADMIN)
    account = db.session.get(User, account_id)
    if account is None or not account.is_service:
        raise NotFound(NOT_FOUND)
    return account


def set_active(actor: User, now: datetime, account: User, active: bool) -> bool:
    """Switch the account on or off (off: every token of it stops working at once) and
    commit; return False when it already was."""
    require_role(actor, Role.ADMIN)
    if account.active == active:
        return False
    account.active = active
    events.record(
        "service_account_activated" if active else "service_account_deactivated",
        actor=actor,
        now=now,
        unit_id=account.unit_id,
        target=f"user:{account.id}",
        note=account.name,
    )
    db.session.commit()
    return True


def create_token(
    actor: User, now: datetime, account: User, *, name: str, scopes: list[str], days: int
) -> tuple[ApiToken, str]:
    """Make a token of the account (shown once); the audit log names the administrator."""
    require_role(actor, Role.ADMIN)
    if not account.active:
        raise ServiceError(_l("Switch the account on before giving it a token."))
    return api_tokens.create(account, name=name, scopes=scopes, days=days, now=now, actor=actor)


def revoke_token(actor: User, now: datetime, account: User, token_id: int) -> bool:
    """Revoke one of the account's tokens; False when it is not the account's or was
    already revoked."""
    require_role(actor, Role.ADMIN)
    return api_tokens.revoke(account, token_id, now=now, actor=actor)
