"""Error pages in the user's language."""

from __future__ import annotations

from flask import Flask, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError

from tracker.services.errors import NotAllowed, NotFound, discard_failed_work
from tracker.views.api import common as api_common
from tracker.views.api import field_messages

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have permission to see this page."),
    404: _l("This page does not exist or you cannot see it."),
    405: _l("This action is not allowed here."),
    413: _l("The upload is larger than allowed."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. The error has been logged."),
}


# Values of these query and form fields are ids or page numbers: stored as 32-bit integers.
INTEGER_FIELDS = frozenset(
    {"page", "tasks_page", "task", "unit", "unit_id", "unit_ids", "task_id", "version"}
)
INT_MAX = 2**31 - 1
# The character no database text can hold (PostgreSQL refuses it).
_NUL = "\x00"
NUL_MESSAGE = _l(
    "The text sent holds an invisible character (NUL) that cannot be saved. "
    "Remove it and try again."
)


def refuse_unusable_input():
    """Refuse, before any view runs (so nothing changes), a request whose fields hold a NUL
    character (no database text can) or an id or page number past what the database
    holds: a translated page instead of an error from the database."""
    integers = () if api_common.is_api_request() else INTEGER_FIELDS  # the API: its schemas
    for fields in (request.args, request.form):
        for name, value in fields.items(multi=True):
            name = name or ""  # a multipart part may come without a name
            if _NUL in value or _NUL in name:
                abort(400, NUL_MESSAGE)
            number = value.strip().lstrip("-")
            if name in integers and number.isdigit() and int(number) > INT_MAX:
                abort(404)


def _own_description(error) -> LazyString | None:
    """Return the translated reason our own code gave ``abort``, else None (Werkzeug's
    and extensions' reasons are English and technical: the page's message serves)."""
    found = vars(error).get("description")
    return found if isinstance(found, LazyString) else None


def _validation_errors(error) -> dict | None:
    """Return the per-parameter messages webargs gave a 422 (flask-smorest's ``abort``)."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    return field_messages.translate(messages) if isinstance(messages, dict) else None


def init_app(app: Flask) -> None:
    def render(code: int, message=None, error=None):
        if code >= 500:
            discard_failed_work()
        if api_common.is_api_request():
            headers = dict(getattr(error, "headers", None) or {}) if code == 429 else None
            errors = _validation_errors(error) if error is not None else None
            return api_common.problem(code, message, errors=errors, headers=headers)
        text = message or MESSAGES.get(code, MESSAGES[500])
        return render_template("error.html", code=code, message=text), code

    app.before_request(refuse_unusable_input)

    for code in (*MESSAGES, 401, 409, 412, 422):
        app.register_error_handler(code, lambda e, code=code: render(code, _own_description(e), e))

    @app.errorhandler(NotFound)
    def _not_found(error):
        return render(404, error.message)

    @app.errorhandler(NotAllowed)
    def _not_allowed(error):
        return render(403, error.message)

    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return render(400, _l("The form has expired. Please go back, reload and try again."))
