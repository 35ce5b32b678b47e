"""Signing in through an OpenID Connect provider, once its ID token has been checked: find
the account by the email the provider vouches for, apply its groups' role, start the
session. Nobody gets an account by signing in: an administrator creates it first.

Every refusal is recorded in the audit log (``sign_in_failed``, method ``sso``) and raises
``SsoRefused`` with a translated message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tracker.domain import sso as rules
from tracker.extensions import db
from tracker.models import Role, User
from tracker.services import events, sessions
from tracker.services.accounts import new_session_token, normalise_email
from tracker.services.errors import ServiceError

METHOD = "sso"

REFUSALS = {
    "unknown_email": _l(
        "There is no account for %(email)s in this tracker. Ask an administrator to create one."
    ),
    "deactivated": _l("This account has been deactivated. Ask an administrator."),
    "no_email": _l("The sign-in service did not tell us your email address."),
    "email_not_verified": _l(
        "The sign-in service has not verified your email address, so it cannot sign you in here."
    ),
    # Everything wrong with the answer itself (state, token, signature, audience, expiry).
    "invalid_response": _l(
        "Signing in through the sign-in service did not succeed. Please try again."
    ),
    "cancelled": _l("Signing in through the sign-in service was cancelled."),
    "unavailable": _l(
        "The sign-in service cannot be reached at the moment. Please try again later."
    ),
}


class SsoRefused(ServiceError):
    """A single sign-on that signs nobody in; ``reason`` is a key of ``REFUSALS``."""

    def __init__(self, reason: str, **values) -> None:
        super().__init__(REFUSALS[reason] % values if values else REFUSALS[reason])
        self.reason = reason


@dataclass(frozen=True)
class Policy:
    """How the provider's claims become a sign-in (from the ``OIDC_*`` settings)."""

    email_claim: str = "email"
    groups_claim: str = "groups"
    role_groups: Mapping[str, frozenset[str]] = field(default_factory=dict)


def record_failure(
    reason: str,
    *,
    now: datetime,
    email: str | None = None,
    user: User | None = None,
    detail: str | None = None,
) -> None:
    """Record a refused single sign-on in the audit log (committed)."""
    data = {"method": METHOD, "reason": reason}
    if email:
        data["email"] = email
    if detail:
        data["detail"] = detail[:200]
    events.record(
        "sign_in_failed",
        actor=user,
        now=now,
        unit_id=user.unit_id if user is not None else None,
        target=f"user:{user.id}" if user is not None else None,
        data=data,
    )
    db.session.commit()


def refuse(reason: str, *, now: datetime, detail: str | None = None) -> SsoRefused:
    """Record a refusal that names no account and return the error to raise."""
    record_failure(reason, now=now, detail=detail)
    return SsoRefused(reason)


def sign_in(claims: Mapping, policy: Policy, *, now: datetime, ip: str, user_agent: str) -> User:
    """Start a session for the active account whose email the checked claims carry, its
    role first set from the provider's groups; raise ``SsoRefused`` (recorded) otherwise."""
    email, problem = rules.verified_email(claims, policy.email_claim)
    if email is None:
        raise refuse(problem, now=now)
    user = db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))
    if user is None:
        record_failure("unknown_email", now=now, email=email)
        raise SsoRefused("unknown_email", email=email)
    if not user.active:
        record_failure("deactivated", now=now, email=email, user=user)
        raise SsoRefused("deactivated")
    _apply_groups(user, claims, policy, now)
    user.last_login_at = now
    sessions.start(user, now=now, ip=ip, user_agent=user_agent, remember=False, method=METHOD)
    return user


def _apply_groups(user: User, claims: Mapping, policy: Policy, now: datetime) -> None:
    """Give the user the role their provider groups map to (not committed)."""
    groups = rules.groups_of(claims, policy.groups_claim)
    role = rules.role_for_groups(user.role, groups, policy.role_groups)
    if role == user.role:
        return
    changes = {"role": [user.role, role]}
    if user.role == Role.FOCAL_POINT and user.unit_id is not None:
        changes["unit_id"] = [user.unit_id, None]  # only focal points belong to a unit
    events.record(
        "user_updated", actor=None, now=now, unit_id=user.unit_id,
        target=f"user:{user.id}", data={**changes, "method": METHOD},
    )  # fmt: skip
    user.role = role
    user.unit_id = None
    # A role changed: the sessions started under the old one end (as when an admin changes it).
    user.session_token = new_session_token()
