"""Form fields that speak the programme's language: deadlines as officials write them."""

from __future__ import annotations

import re
from datetime import date

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


_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
FIRST_YEAR, LAST_YEAR = 1900, 2100


class DayError(ValueError):
    """A date that is not written dd/mm/yyyy (``malformed``) or does not exist."""

    def __init__(self, text: str, malformed: bool) -> None:
        super().__init__(text)
        self.text, self.malformed = text, malformed


def parse_day(text: str) -> date:
    """Return the date written dd/mm/yyyy; DayError if malformed or impossible."""
    text = text.strip()
    match = _DAY.fullmatch(text)
    if match is None:
        raise DayError(text, malformed=True)
    day, month, year = (int(part) for part in match.groups())
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DayError(text, malformed=False)
    try:
        return date(year, month, day)
    except ValueError:
        raise DayError(text, malformed=False) from None


def day_error_message(error: DayError) -> str:
    """Return why a typed date was refused, in the user's language (eager: it quotes input)."""
    if error.malformed:
        return _("Write the date as dd/mm/yyyy, for example 15/03/2024.")
    return _("“%(text)s” is not a real date.", text=error.text)


class DayField(StringField):
    """A date typed as dd/mm/yyyy and nothing else; ``.day`` holds the parsed date."""

    def __init__(self, *args, required: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.required = required
        self.day: date | None = None

    def process_data(self, value) -> None:
        if isinstance(value, date):
            self.day = value
            self.data = value.strftime("%d/%m/%Y")
        else:
            super().process_data(value)

    def pre_validate(self, form) -> None:
        text = (self.data or "").strip()
        self.day = None
        if not text:
            if self.required:
                raise ValidationError(_("Enter a date (dd/mm/yyyy)."))
            return
        try:
            self.day = parse_day(text)
        except DayError as error:
            raise ValidationError(day_error_message(error)) from error
