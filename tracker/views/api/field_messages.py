"""The per-parameter messages of an API 422, in the request's language.

webargs and marshmallow word their messages in English when a schema is loaded, and ours
are written as English msgids when the module is imported (no request, so no language
yet). Both are translated here, when the answer is written: a message of ours through the
catalog, marshmallow's by its wording (numbers and choices kept).
"""

from __future__ import annotations

import re

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

_RANGE = {
    "greater than or equal to": _l("at least %(value)s"),
    "greater than": _l("more than %(value)s"),
    "less than or equal to": _l("at most %(value)s"),
    "less than": _l("less than %(value)s"),
}
_BOUND = "|".join(re.escape(words) for words in _RANGE)

# marshmallow 4's wordings (fields' default_error_messages, validators' messages).
_FIXED = {
    "Missing data for required field.": _l("This field is required."),
    "Unknown field.": _l("This field is not part of the request."),
    "Field may not be null.": _l("This field cannot be null."),
    "Invalid input type.": _l("The value has the wrong type."),
    "Invalid value.": _l("The value is not valid."),
    "Invalid input.": _l("The value is not valid."),
    "Not a valid integer.": _l("Give a whole number."),
    "Not a valid number.": _l("Give a number."),
    "Number too large.": _l("The number is too large."),
    "Not a valid boolean.": _l("Give true or false."),
    "Not a valid string.": _l("Give a text."),
    "Not a valid list.": _l("Give a list."),
    "Not a valid mapping type.": _l("Give an object."),
    "Not a valid date.": _l("Give a date as YYYY-MM-DD."),
    "Not a valid datetime.": _l("Give a moment in ISO 8601, e.g. 2024-06-30T17:00:00+07:00."),
    "Not a valid UUID.": _l("Give a UUID."),
    "Not a valid email address.": _l("Give a valid email address."),
    "Not a valid URL.": _l("Give an http:// or https:// address."),
    "String does not match expected pattern.": _l("The text has a character or form not allowed."),
}


def _bound(words: str, value: str) -> str:
    return str(_RANGE[words]) % {"value": value}


_PATTERNS = [
    (
        re.compile(r"Longer than maximum length (\d+)\."),
        lambda m: _l("At most %(max)s characters.", max=m[1]),
    ),
    (
        re.compile(r"Shorter than minimum length (\d+)\."),
        lambda m: _l("At least %(min)s characters.", min=m[1]),
    ),
    (
        re.compile(r"Length must be between (\d+) and (\d+)\."),
        lambda m: _l("Between %(min)s and %(max)s characters.", min=m[1], max=m[2]),
    ),
    (
        re.compile(r"Must be one of: (.*)\."),
        lambda m: _l("Choose one of: %(choices)s.", choices=m[1]),
    ),
    (
        re.compile(rf"Must be ({_BOUND}) (\S+) and ({_BOUND}) (\S+)\."),
        lambda m: _l(
            "Must be %(low)s and %(high)s.", low=_bound(m[1], m[2]), high=_bound(m[3], m[4])
        ),
    ),
    (
        re.compile(rf"Must be ({_BOUND}) (\S+)\."),
        lambda m: _l("Must be %(bound)s.", bound=_bound(m[1], m[2])),
    ),
]


def translated(message: str) -> str:
    """Return one message in the request's language (unchanged when unknown)."""
    if (fixed := _FIXED.get(message)) is not None:
        return str(fixed)
    for pattern, words in _PATTERNS:
        if found := pattern.fullmatch(message):
            return str(words(found))
    return gettext(message)  # ours: an English msgid of the catalog


def translate(errors):
    """Return webargs' nested {location: {field: [messages]}} with every message translated."""
    if isinstance(errors, dict):
        return {key: translate(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [translate(item) for item in errors]
    return translated(errors) if isinstance(errors, str) else errors
