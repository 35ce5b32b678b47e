"""Error pages in the user's language."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from tracker.services.errors import NotAllowed, NotFound

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have permission to see this page."),
    404: _l("This page does not exist or you cannot see it."),
    405: _l("This action is not allowed here."),
    413: _l("The upload is larger than allowed."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. The error has been logged."),
}


def init_app(app: Flask) -> None:
    def render(code: int, message=None):
        text = message or MESSAGES.get(code, MESSAGES[500])
        return render_template("error.html", code=code, message=text), code

    for code in MESSAGES:
        app.register_error_handler(code, lambda e, code=code: render(code))

    @app.errorhandler(NotFound)
    def _not_found(error):
        return render(404, error.message)

    @app.errorhandler(NotAllowed)
    def _not_allowed(error):
        return render(403, error.message)

    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return render(400, _l("The form has expired. Please go back, reload and try again."))
