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
    "series_created": _l("Recurring task created"),
    "series_updated": _l("Recurring task changed"),
    "series_paused": _l("Recurring task paused"),
    "series_resumed": _l("Recurring task resumed"),
    "occurrence_generated": _l("Period's task created"),
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
    "transferred_out": _l("Transferred to the successor unit"),
    "transferred_in": _l("Taken over from a merged unit"),
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
    "feed_created": _l("Calendar feed address created"),
    "feed_revoked": _l("Calendar feed address revoked"),
    # units and calendar
    "unit_created": _l("Unit created"),
    "unit_updated": _l("Unit changed"),
    "unit_deactivated": _l("Unit deactivated"),
    "unit_reactivated": _l("Unit reactivated"),
    "units_merged": _l("Units merged"),
    "calendar_override_added": _l("Calendar day changed"),
    "calendar_override_deleted": _l("Calendar change removed"),
    # bulk changes
    "import": _l("Import from a file"),
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
        if event.kind in ("transferred_out", "transferred_in"):
            return _transfer_detail(event.kind, data)
        if event.kind == "due_changed":
            return _("%(old)s → %(new)s", old=_day(data.get("old")), new=_day(data.get("new")))
        if event.kind in ("extension_requested", "extension_approved", "extension_rejected"):
            return _("New date requested: %(day)s", day=_day(data.get("requested")))
        if event.kind == "evidence_added" and data.get("files"):
            return _("Files: %(names)s", names=", ".join(data["files"]))
    except (TypeError, ValueError):
        return ""
    return ""


def _transfer_detail(kind: str, data: dict) -> str:
    unit = data.get("other_unit") or ""
    if kind == "transferred_out":
        if data.get("merged"):
            return _("Merged into the assignment of %(unit)s for the same task", unit=unit)
        return _("Passed to %(unit)s", unit=unit)
    if data.get("merged"):
        return _("Merged in from %(unit)s", unit=unit)
    return _("Taken over from %(unit)s", unit=unit)


def items(timeline: list[Event]) -> list[Item]:
    """Return the events with their kind in words and a one-line detail."""
    return [Item(e, str(EVENT_KIND.get(e.kind, e.kind)), _detail(e)) for e in timeline]
