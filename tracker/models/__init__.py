"""The database tables. Models hold data only: services own transactions and sending."""

from tracker.models.base import Base
from tracker.models.org import GROUP_OF_KIND, Role, Unit, UnitGroup, UnitKind, User
from tracker.models.work import (
    Assignment,
    AssignmentEvent,
    AssignmentRole,
    CalendarOverride,
    Evidence,
    Field,
    Task,
)

__all__ = [
    "GROUP_OF_KIND",
    "Assignment",
    "AssignmentEvent",
    "AssignmentRole",
    "Base",
    "CalendarOverride",
    "Evidence",
    "Field",
    "Role",
    "Task",
    "Unit",
    "UnitGroup",
    "UnitKind",
    "User",
]
