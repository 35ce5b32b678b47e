"""Words for the kinds of recorded event, as the audit log shows them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Kinds recorded elsewhere are listed too; an unknown kind is shown as recorded.
EVENT_KIND = {
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
    # tasks and assignments
    "task_created": _l("Task created"),
    "task_updated": _l("Task changed"),
    "task_closed": _l("Task closed"),
    "task_reopened": _l("Task reopened"),
    "assigned": _l("Assigned to the unit"),
    "assignment_removed": _l("Assignment removed"),
    "due_changed": _l("Due date changed"),
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
    "extension_rejected": _l("Extension rejected"),
}

# Names of the fields an event's data records changes of.
DATA_KEY = {
    "name": _l("Name"),
    "email": _l("Email"),
    "role": _l("Role"),
    "unit_id": _l("Unit"),
    "language": _l("Language"),
    "code": _l("Code"),
    "kind": _l("Kind"),
    "group": _l("Group"),
    "short_name": _l("Short name"),
    "name_en": _l("English name"),
    "head_email": _l("Head's email"),
    "valid_from": _l("Active from"),
    "valid_to": _l("Active until"),
    "successor_id": _l("Successor"),
    "working": _l("Working day"),
    "expires_at": _l("Link expires"),
    "old": _l("Before"),
    "new": _l("After"),
}
