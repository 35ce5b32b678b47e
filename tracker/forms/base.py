"""The base of every form: text fields refuse control characters with a message."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

# What no text of ours may hold: C0 controls but tab and line breaks, and DEL (the API's
# schemas refuse the same characters).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Form(FlaskForm):
    """A Flask-WTF form (CSRF included) whose text fields refuse invisible control
    characters that could not be stored or exported, each with a message at the field."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            found = _CONTROL.search(field.data) if isinstance(field.data, str) else None
            if found is None:
                continue
            code = f"U+{ord(found.group()):04X}"
            message = _l(
                "The text holds an invisible control character (%(code)s) that cannot be "
                "saved. Remove it and try again.",
                code=code,
            )
            field.errors = [*field.errors, message]
            valid = False
        return valid
