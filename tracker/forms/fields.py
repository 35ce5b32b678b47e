"""Form fields that speak the programme's language: deadlines as officials write them."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import gettext as _
from wtforms import StringField
from wtforms.validators import ValidationError

from tracker import clock
from tracker.domain.deadlines import DayError, Deadline, DeadlineError, parse_day, parse_deadline
from tracker.labels import day_error_message, deadline_error_message


class DeadlineField(StringField):
    """A text field parsed with the official deadline rules; ``.deadline`` holds the result.

    Empty input means no deadline when ``optional`` is true; a wording without a year
    ("trước 20/7") is read in ``reference_year``, or in the current year when
    ``current_year`` is true, and refused otherwise.
    """

    def __init__(
        self,
        *args,
        optional: bool = False,
        reference_year: int | None = None,
        current_year: bool = False,
        **kw,
    ):
        super().__init__(*args, **kw)
        self.optional = optional
        self.reference_year = reference_year
        self.current_year = current_year
        self.deadline: Deadline | None = None

    def pre_validate(self, form) -> None:
        text = (self.data or "").strip()
        self.deadline = None
        if not text and self.optional:
            return
        try:
            self.deadline = parse_deadline(
                text,
                reference_year=clock.today().year if self.current_year else self.reference_year,
                before_is_exclusive=current_app.config["DEADLINE_BEFORE_IS_EXCLUSIVE"],
            )
        except DeadlineError as error:
            raise ValidationError(deadline_error_message(error)) from error


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
