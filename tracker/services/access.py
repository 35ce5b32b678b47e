"""Who may see and change what. Every route that takes an id goes through here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import Assignment, Role, User
from tracker.services.errors import NotAllowed, NotFound

NOT_FOUND = _l("This page does not exist or you cannot see it.")


def can_see_unit(user: User, unit_id: int) -> bool:
    """Return whether ``user`` may read the unit's data (focal points: only their own)."""
    return user.role != Role.FOCAL_POINT or user.unit_id == unit_id


def unit_scope_of(user: User) -> int | None:
    """Return the only unit ``user`` may read, or None when they may read every one (a
    focal point without a unit reads nothing: -1 matches no row)."""
    if user.role == Role.FOCAL_POINT:
        return user.unit_id or -1
    return None


def visible_assignment(user: User, assignment_id: int) -> Assignment:
    """Return the assignment (task and unit loaded) if ``user`` may see it, else NotFound.

    Another unit's assignment answers exactly like a missing one, so ids leak nothing.
    """
    assignment = db.session.scalar(
        select(Assignment)
        .options(joinedload(Assignment.task), joinedload(Assignment.unit))
        .where(Assignment.id == assignment_id)
    )
    if assignment is None or not can_see_unit(user, assignment.unit_id):
        raise NotFound(NOT_FOUND)
    return assignment


def require_role(user: User, *roles: Role) -> None:
    """Refuse (NotAllowed) unless ``user`` has one of ``roles``."""
    if user.role not in roles:
        raise NotAllowed(_l("You do not have permission to do this."))


def require_focal_point_of(user: User, assignment: Assignment) -> None:
    """Refuse unless ``user`` is a focal point of the assignment's unit."""
    if user.role != Role.FOCAL_POINT or user.unit_id != assignment.unit_id:
        raise NotAllowed(_l("Only the unit's focal point can do this."))


def require_coordinator(user: User) -> None:
    """Refuse unless ``user`` coordinates (coordinators and administrators)."""
    require_role(user, Role.COORDINATOR, Role.ADMIN)


def unit_scope_filter(unit_scope: int | None) -> ColumnElement[bool]:
    """Return the condition limiting assignments to ``unit_scope`` (None: every unit)."""
    return Assignment.unit_id == unit_scope if unit_scope is not None else true()
