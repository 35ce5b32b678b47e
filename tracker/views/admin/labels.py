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
}
