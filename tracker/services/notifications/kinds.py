"""The kinds of notification: who receives each, how by default, and what it is called.

Focal points hear about their unit's assignments; coordinators about the tasks they own.
Reminders, escalations and security emails (password reset, invitation) are not
notifications: they cannot be switched off, and the preferences page says so.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tracker.models import Role
from tracker.models.notifications import DIGEST, EMAILED, IMMEDIATE, OFF

__all__ = ["DIGEST", "EMAILED", "IMMEDIATE", "OFF"]

# Focal points: about their unit's assignments.
ASSIGNED = "assigned"
TASK_CHANGED = "task_changed"
DUE_CHANGED = "due_changed"
RETURNED = "returned"
CONFIRMED = "confirmed"
EXTENSION_DECIDED = "extension_decided"
# Coordinators: about the tasks they own.
EXTENSION_REQUESTED = "extension_requested"
SUBMITTED = "submitted"

FOCAL_POINT_KINDS = (ASSIGNED, TASK_CHANGED, DUE_CHANGED, RETURNED, CONFIRMED, EXTENSION_DECIDED)
COORDINATOR_KINDS = (EXTENSION_REQUESTED, SUBMITTED)
KINDS = FOCAL_POINT_KINDS + COORDINATOR_KINDS

MODES = (IMMEDIATE, DIGEST, OFF)
DEFAULT_MODE = {
    **dict.fromkeys(FOCAL_POINT_KINDS, IMMEDIATE),
    **dict.fromkeys(COORDINATOR_KINDS, DIGEST),
}

# The task fields whose change is worth telling a unit (the deadline has its own kind).
CONTENT_FIELDS = frozenset(
    {"title", "description", "source_document", "source_number", "source_date", "priority"}
)

LABEL = {
    ASSIGNED: _l("Task assigned to your unit"),
    TASK_CHANGED: _l("Task content changed"),
    DUE_CHANGED: _l("Due date changed"),
    RETURNED: _l("Report returned"),
    CONFIRMED: _l("Report confirmed"),
    EXTENSION_DECIDED: _l("Extension approved or refused"),
    EXTENSION_REQUESTED: _l("Extension requested"),
    SUBMITTED: _l("Report awaiting confirmation"),
}

MODE_LABEL = {
    IMMEDIATE: _l("Immediately"),
    DIGEST: _l("In the daily digest"),
    OFF: _l("Off (in the app only)"),
}

# Emails everyone receives whatever their preferences, as the preferences page lists them.
ALWAYS_ON = (
    _l("Deadline reminders for your unit's tasks"),
    _l("Escalations of overdue tasks"),
    _l("Security emails: password reset and invitation"),
)


def audience(kind: str) -> str:
    """Return who receives ``kind``: "units" (their focal points) or "owner" (the task's)."""
    return "owner" if kind in COORDINATOR_KINDS else "units"


def kinds_for(role: str) -> tuple[str, ...]:
    """Return the kinds a user of ``role`` may receive (and so choose a mode for)."""
    if role == Role.FOCAL_POINT:
        return FOCAL_POINT_KINDS
    if role in (Role.COORDINATOR, Role.ADMIN):
        return COORDINATOR_KINDS
    return ()


# The task fields a "task_changed" notification names, in words.
FIELD_LABEL = {
    "title": _l("Title"),
    "description": _l("Description"),
    "source_document": _l("Source document"),
    "source_number": _l("Document number"),
    "source_date": _l("Document date"),
    "priority": _l("Priority"),
}
