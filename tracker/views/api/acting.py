"""How the API's writes act, whatever they act on: the version the client read (``If-Match``
against the ``ETag``), the change made through the request's token (the audit log names
it), a service's refusal turned into the problem it answers, and the text and day fields
every write's arguments share.

Writes check the version the client read: none (428), or an older one (412: someone
changed it meanwhile), changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import date

import marshmallow as ma
from flask import abort, g, request
from flask_babel import lazy_gettext as _l

from tracker.services import events
from tracker.services.errors import InvalidInput, NotAllowed, NotFound, ServiceError, StaleEdit
from tracker.views.api.common import problem

ERRORS_WRITE = (400, 401, 403, 404, 409, 412, 422, 428, 429)
ETAG_HEADER = {"ETag": {"description": "The version, for If-Match", "schema": {"type": "string"}}}
ANY = -1  # If-Match: * (whatever the version)

STALE = _l("The assignment changed since it was read: read it again.")
NO_ETAG = _l("Send the assignment's ETag in If-Match.")
REFUSED = _l("The token's user may not do this.")


def etag(found) -> str:
    return f'"v{found.version}"'


def if_match(what: str, *, required: bool = True, digest: bool = False) -> dict:
    """Return the ``If-Match`` parameter of a write on ``what`` (its description's words):
    a version ETag (``"v3"``) or, for rows without a version column, a digest one."""
    tag = r'"h[0-9a-f]{16}"' if digest else r'(W/)?"v[0-9]{1,9}"'
    description = f'The ETag {what} was read with (or "*": whatever its version).'
    if not required:
        description += " Optional: without it, no check."
    return {
        "in": "header",
        "name": "If-Match",
        "required": required,
        "schema": {"type": "string", "pattern": f"^(\\*|{tag})$"},
        "description": description,
    }


IF_MATCH = if_match("the assignment")


def digest_etag(representation: dict) -> str:
    """Return the ETag of a row without a version column: a digest of how the API shows
    it (so any change a client could see changes it)."""
    text = json.dumps(representation, sort_keys=True, default=str, ensure_ascii=False)
    return f'"h{hashlib.sha256(text.encode()).hexdigest()[:16]}"'


def digest_refusal(current: str, no_etag, stale):
    """Return the problem a write on a digest-tagged row answers when ``If-Match`` is
    missing (428, ``no_etag``) or names another state than ``current`` (412, ``stale``),
    else None."""
    header = request.headers.get("If-Match")
    if header is None:
        return problem(428, no_etag)
    if header.strip() == "*" or header.strip() == current:
        return None
    return problem(412, stale)


def version_asked() -> int | None:
    """Return the version If-Match names (``ANY`` for "*"), None when the header is
    missing; abort 412 on one that names no version of ours."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    if header.strip() == "*":
        return ANY
    match = re.fullmatch(r'\s*(?:W/)?"v(\d{1,9})"\s*', header)
    if match is None:
        abort(412)
    return int(match.group(1))


def as_token(
    run: Callable[[], object], *, conflicts: tuple[type[Exception], ...] = (), stale=STALE
):
    """Run a service call as a change made through the request's token; return the
    problem its refusal answers, or None when it was done.

    Bad input (``InvalidInput``) is 422 with the service's message, a state that does not
    allow it 409; a stale version 412 (``stale``: what to say), unless the refusal is one
    of ``conflicts`` (e.g. a decision already taken: 409, with the service's message)."""
    try:
        with events.through_token(g.api_token.name):
            run()
    except conflicts as error:
        return problem(409, error.message)
    except StaleEdit:
        return problem(412, stale)
    except NotFound:
        return problem(404)
    except NotAllowed:
        return problem(403, REFUSED)
    except InvalidInput as error:
        return problem(422, error.message)
    except ServiceError as error:
        return problem(409, error.message)
    return None


# Text a database can store: no control characters (tab and line breaks aside), and not
# only spaces. The same pattern is in the OpenAPI description, so clients see the rule.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
# (Spaces spelled out: a regex's \s matches other characters in Python than in JSON Schema.)
STORABLE_TEXT = rf"^[^{_CONTROL}]*[^ \t\n\r{_CONTROL}][^{_CONTROL}]*$"
OPTIONAL_TEXT = rf"^[^{_CONTROL}]*$"
_SURROGATE = re.compile("[\ud800-\udfff]")
TEXT_MAX = 5000


def _no_surrogates(text: str) -> None:
    if _SURROGATE.search(text):
        raise ma.ValidationError(str(_l("The text holds characters that cannot be stored.")))


def text_field(*, max_length: int = TEXT_MAX, required: bool = True, **kwargs) -> ma.fields.String:
    """Return a text argument of at most ``max_length`` characters, without control
    characters; ``required``: present and not blank, else it may be empty (default "")."""
    message = str(_l("Write a text without control characters."))
    validate = [
        ma.validate.Length(min=1 if required else 0, max=max_length),
        ma.validate.Regexp(STORABLE_TEXT if required else OPTIONAL_TEXT, error=message),
        _no_surrogates,
    ]
    if required:
        return ma.fields.String(required=True, validate=validate, **kwargs)
    return ma.fields.String(load_default="", validate=validate, **kwargs)


# The days the programme's dates may be (those reports cover); a document may be older.
# Each also as a pattern in the description, so that clients see the rule.
FIRST_DUE, LAST_DUE = date(2000, 1, 1), date(2099, 12, 31)
FIRST_DOCUMENT, LAST_DOCUMENT = date(1900, 1, 1), date(2099, 12, 31)
DUE_RANGE = _l("A day from 01/01/2000 to 31/12/2099.")
DOCUMENT_RANGE = _l("A day from 01/01/1900 to 31/12/2099.")
_MONTH_DAY = r"-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_CENTURIES = {FIRST_DUE: "20", FIRST_DOCUMENT: "(19|20)"}


def day_field(first: date, last: date, message, **kwargs) -> ma.fields.Date:
    """Return a day argument (YYYY-MM-DD) from ``first`` (2000-01-01 or 1900-01-01) to
    ``last`` (2099-12-31)."""
    metadata = {
        "description": f"YYYY-MM-DD, {first.isoformat()} to {last.isoformat()}.",
        "pattern": f"^{_CENTURIES[first]}[0-9]{{2}}{_MONTH_DAY}",
    }
    extra = kwargs.pop("metadata", {})
    if "description" in extra:
        extra["description"] = f"{extra['description']} {metadata['description']}"
    metadata.update(extra)
    return ma.fields.Date(
        validate=ma.validate.Range(first, last, error=message), metadata=metadata, **kwargs
    )
