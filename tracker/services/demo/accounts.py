"""The demo's accounts, as the sign-in page lists them in demo mode."""

from __future__ import annotations

from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import User
from tracker.services.demo.world import SAMPLE_UNITS, demo_units, read_world


@cache
def _sample_emails() -> tuple[str, ...]:
    """Return the staff's addresses, then sample focal points' (a ministry, the capital)."""
    world = read_world()
    by_code = {unit.code: unit for unit in demo_units(world)}
    staff = tuple(person["email"] for person in world["staff"])
    return staff + tuple(by_code[code].focal_email for code in SAMPLE_UNITS)


def sign_in_accounts() -> list[User]:
    """Return the demo's sample accounts that this database holds and that can sign in, in
    the demo's order (none when the demo was not loaded: one query)."""
    emails = _sample_emails()
    found = {
        user.email: user
        for user in db.session.scalars(
            select(User)
            .options(joinedload(User.unit))
            .where(User.email.in_(emails), User.active.is_(True))
        )
    }
    return [found[email] for email in emails if email in found]
