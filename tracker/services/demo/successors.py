"""Demo accounts for the units the 2025 reorganisation formed, made like the 2024 ones:
a focal point ``dm.<slug>@example.org`` and a head ``lanhdao.<slug>@example.org``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tracker.extensions import db
from tracker.models import Role, Unit, UnitGroup, User
from tracker.services.accounts import new_session_token
from tracker.services.demo.world import slugify

DEMO_DOMAIN = "@example.org"


def _slug(unit: Unit) -> str:
    # As demo_units names them: ministries by their short name, provinces by their name.
    if unit.group == UnitGroup.CENTRAL:
        return slugify(unit.short_name or unit.code)
    return slugify(unit.short_name or unit.name)


def _is_demo_address(email: str) -> bool:
    return email.startswith("dm.") and email.endswith(DEMO_DOMAIN)


def ensure_successor_accounts(
    unit_ids: list[int], password: str, now: datetime, *, method: str
) -> int:
    """Give each listed unit formed by a merger, whose people came from the demo world, its
    demo focal point and head (creating only what is missing, the password hashed by
    ``method``); return accounts created.

    Not committed. Units of a real database (no demo addresses) are left alone.
    """
    units = db.session.scalars(
        select(Unit).where(Unit.id.in_(unit_ids), Unit.valid_from.is_not(None))
    ).all()
    people = db.session.execute(
        select(User.unit_id, User.email).where(User.unit_id.in_([u.id for u in units]))
    ).all()
    demo_units = {unit_id for unit_id, email in people if _is_demo_address(email)}
    wanted = {f"dm.{_slug(u)}{DEMO_DOMAIN}": u for u in units if u.id in demo_units}
    existing = set(db.session.scalars(select(User.email).where(User.email.in_(list(wanted)))))
    for unit in wanted.values():
        if unit.head_email is None:
            unit.head_email = f"lanhdao.{_slug(unit)}{DEMO_DOMAIN}"
    missing = [(email, unit) for email, unit in wanted.items() if email not in existing]
    if not missing:
        return 0
    password_hash = generate_password_hash(password, method=method)  # once: hashing is slow
    db.session.add_all(
        User(
            email=email,
            name=f"Đầu mối {unit.name}",
            role=Role.FOCAL_POINT.value,
            unit_id=unit.id,
            language="vi",
            password_hash=password_hash,
            session_token=new_session_token(),
            created_at=now,
        )
        for email, unit in missing
    )
    db.session.flush()
    return len(missing)
