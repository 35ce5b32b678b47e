"""Errors services raise for the views to show: each carries a message in the user's language."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal that changes nothing; ``message`` is translated in the acting user's language.

    The message is turned into a plain ``str`` at once: Flask-Babel's lazy strings declare
    themselves safe HTML, so one interpolating a user-typed value (a unit name, a file name)
    would reach templates unescaped.
    """

    def __init__(self, message) -> None:
        text = str(message)
        super().__init__(text)
        self.message = text


class NotFound(ServiceError):
    """The object does not exist or the acting user may not see it (answered as 404)."""


class NotAllowed(ServiceError):
    """The acting user may see the object but not do this to it (answered as 403)."""


class InvalidInput(ServiceError):
    """What was sent cannot be accepted as it is (a missing reason, a date out of range, a
    file of the wrong type): the same request will never succeed (the API answers 422)."""


class StaleEdit(ServiceError):
    """Someone else changed the object since the form was loaded; nothing was saved."""


def discard_failed_work() -> None:
    """Roll back what the request's session holds, so that an error page can still read
    (after a failed statement the session refuses every query until then)."""
    from tracker.extensions import db

    try:
        db.session.rollback()
    except Exception:  # a broken connection: the page renders without it
        db.session.remove()
