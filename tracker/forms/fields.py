"""Form fields that speak the programme's language: deadlines as officials write them."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from wtforms import StringField
from wtforms.validators import ValidationError

from tracker.domain.deadlines import ACCEPTED_FORMS, Deadline, DeadlineError, parse_deadline


def deadline_error_message(error: DeadlineError) -> str:
    """Return the user's-language explanation of why a deadline phrase was refused."""
    forms = "; ".join(ACCEPTED_FORMS)
    if error.code == "empty":
        return _("Enter a deadline, for example: %(forms)s.", forms=forms)
    if error.code == "invalid_date":
        return _("“%(text)s” is not a real date.", text=error.text)
    if error.code == "missing_year":
        return _("“%(text)s” has no year: add the year, e.g. 30/9/2024.", text=error.text)
    return _(
        "“%(text)s” is not a deadline this system can read. Accepted forms: %(forms)s.",
        text=error.text,
        forms=forms,
    )


class DeadlineField(StringField):
    """A text field parsed with the official deadline rules; ``.deadline`` holds the result.

    Empty input means no deadline when ``optional`` is true; ``reference_year`` lets
    "trước 20/7" be read for a known year.
    """

    def __init__(self, *args, optional: bool = False, reference_year: int | None = None, **kw):
        super().__init__(*args, **kw)
        self.optional = optional
        self.reference_year = reference_year
        self.deadline: Deadline | None = None

    def pre_validate(self, form) -> None:
        text = (self.data or "").strip()
        self.deadline = None
        if not text and self.optional:
            return
        try:
            self.deadline = parse_deadline(
                text,
                reference_year=self.reference_year,
                before_is_exclusive=current_app.config["DEADLINE_BEFORE_IS_EXCLUSIVE"],
            )
        except DeadlineError as error:
            raise ValidationError(deadline_error_message(error)) from error
