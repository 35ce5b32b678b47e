"""Units as every signed-in user sees them: the list with each unit's standing, one unit
with its focal points (focal points: only their own unit)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from tracker.domain.aggregate import Buckets
from tracker.domain.text import fold
from tracker.extensions import db
from tracker.models import Assignment, Unit, User
from tracker.services import status_sql
from tracker.services.status_sql import AsOf

A = Assignment


def unit_query(
    unit_scope: int | None,
    group: str | None,
    kind: str | None,
    q: str | None,
    current_on: date | None = None,
):
    """Return the query for the unit list; ``current_on`` leaves out units ended (merged)
    before that day."""
    query = select(Unit)
    if unit_scope is not None:
        query = query.where(Unit.id == unit_scope)
    if current_on is not None:
        query = query.where(or_(Unit.valid_to.is_(None), Unit.valid_to >= current_on))
    if group:
        query = query.where(Unit.group == group)
    if kind:
        query = query.where(Unit.kind == kind)
    if q:
        query = query.where(
            Unit.name.ilike(f"%{q}%")
            | Unit.search_name.contains(fold(q), autoescape=True)
            | Unit.code.ilike(f"%{q}%")
        )
    return query.order_by(Unit.active.desc(), Unit.group, Unit.sort_name)


def unit_buckets(unit_ids: list[int], as_of: AsOf) -> dict[int, Buckets]:
    """Return the buckets of each listed unit (one query)."""
    return status_sql.count_buckets_by(A.unit_id, as_of, A.unit_id.in_(unit_ids))


def focal_points(unit_ids: list[int]) -> dict[int, list[User]]:
    """Return the active focal points of each listed unit (one query)."""
    result: dict[int, list[User]] = {uid: [] for uid in unit_ids}
    users = db.session.scalars(
        select(User)
        .where(User.unit_id.in_(unit_ids), User.role == "focal_point", User.active.is_(True))
        .order_by(User.name)
    )
    for user in users:
        result[user.unit_id].append(user)
    return result


def load_unit(unit_id: int) -> Unit | None:
    return db.session.get(Unit, unit_id, options=[selectinload(Unit.successor)])
