"""Words for the fields whose changes the audit log shows (event kinds: views.timeline)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

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
    # counts of an import
    "created": _l("Created"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "assignments": _l("Assignments added"),
    # a reorganisation (tracker.services.reorganisation)
    "effective": _l("In effect from"),
    "sources": _l("Merged units"),
    "created_unit": _l("New unit"),
    "moved": _l("Assignments moved"),
    "merged": _l("Assignments merged"),
    "users": _l("People moved"),
    "extensions_closed": _l("Extension requests closed"),
    "other_unit": _l("Other unit"),
    "other_unit_id": _l("Other unit (number)"),
    "other_assignment_id": _l("Other assignment (number)"),
}
