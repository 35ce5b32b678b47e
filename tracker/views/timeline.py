"""An assignment's events in words: what happened, and the detail worth a line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker import i18n
from tracker.models import Event

# Every kind of recorded event in words: an assignment's timeline and the audit log share
# this table; an unknown kind is shown as recorded.
EVENT_KIND = {
    # tasks and assignments
    "task_created": _l("Task created"),
    "task_updated": _l("Task changed"),
    "task_closed": _l("Task closed"),
    "task_reopened": _l("Task reopened"),
    "assigned": _l("Assigned"),
    "assignment_removed": _l("Assignment removed"),
    "state": _l("Status changed"),
    "started": _l("Work started"),
    "note": _l("Progress note"),
    "submitted": _l("Completion reported"),
    "evidence_added": _l("Evidence added"),
    "confirmed": _l("Completion confirmed"),
    "returned": _l("Returned for rework"),
    "not_applicable": _l("Marked not applicable"),
    "reopened": _l("Reopened"),
    "extension_requested": _l("Extension requested"),
    "extension_approved": _l("Extension approved"),
    "extension_rejected": _l("Extension refused"),
    "due_changed": _l("Due date changed"),
    "nudged": _l("Reminded by a coordinator"),
    "policy_changed": _l("Reminder policy changed"),
    # accounts
    "user_created": _l("Account created"),
    "user_updated": _l("Account changed"),
    "user_deactivated": _l("Account deactivated"),
    "user_reactivated": _l("Account reactivated"),
    "invitation_sent": _l("Link to choose a first password sent"),
    "password_reset_sent": _l("Password link sent by an administrator"),
    "password_reset_requested": _l("Password reset requested"),
    "password_reset": _l("Password reset through a link"),
    "password_changed": _l("Password changed"),
    "language_changed": _l("Language changed"),
    # units and calendar
    "unit_created": _l("Unit created"),
    "unit_updated": _l("Unit changed"),
    "unit_deactivated": _l("Unit deactivated"),
    "unit_reactivated": _l("Unit reactivated"),
    "calendar_override_added": _l("Calendar day changed"),
    "calendar_override_deleted": _l("Calendar change removed"),
}


@dataclass
class Item:
    event: Event
    label: str
    detail: str


def _day(value: str | None) -> str:
    return i18n.format_day(date.fromisoformat(value)) if value else _("none")


def _detail(event: Event) -> str:
    data = event.data or {}
    try:
        if event.kind == "due_changed":
            return _("%(old)s → %(new)s", old=_day(data.get("old")), new=_day(data.get("new")))
        if event.kind in ("extension_requested", "extension_approved", "extension_rejected"):
            return _("New date requested: %(day)s", day=_day(data.get("requested")))
        if event.kind == "evidence_added" and data.get("files"):
            return _("Files: %(names)s", names=", ".join(data["files"]))
    except (TypeError, ValueError):
        return ""
    return ""


def items(timeline: list[Event]) -> list[Item]:
    """Return the events with their kind in words and a one-line detail."""
    return [Item(e, str(EVENT_KIND.get(e.kind, e.kind)), _detail(e)) for e in timeline]
