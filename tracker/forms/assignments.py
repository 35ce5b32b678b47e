"""Forms of the assignment page and the review queue. Forms that change an assignment carry
the version it was loaded at, so a concurrent change is refused, not overwritten."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage
from wtforms import (
    Field,
    IntegerField,
    MultipleFileField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import HiddenInput

from tracker.forms.base import Form
from tracker.forms.fields import DayField, DeadlineField

NOTE_MAX = 5000
TOO_LONG = _l("At most %(max)d characters.")


class VersionedForm(Form):
    version = IntegerField(
        widget=HiddenInput(),
        validators=[InputRequired(message=_l("The form is incomplete: reload the page."))],
    )


def _reason(label, message) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[DataRequired(message=message), Length(max=NOTE_MAX, message=TOO_LONG)],
    )


class NewDueField(DeadlineField):
    """A new due date written as officials write deadlines (a wording without a year is read
    in the current year); it must name a date."""

    def __init__(self, *args, **kw):
        super().__init__(*args, current_year=True, **kw)

    def pre_validate(self, form) -> None:
        super().pre_validate(form)
        if self.deadline is None or self.deadline.due is None:
            raise ValidationError(_l("Give the new due date, for example 30/09/2024."))

    @property
    def due(self) -> date | None:
        return self.deadline.due if self.deadline is not None else None


class StartForm(VersionedForm):
    pass


class ConfirmForm(VersionedForm):
    pass


class NoteForm(Form):
    note = _reason(_l("Progress note"), _l("Write the note."))


class SubmitForm(VersionedForm):
    doc_number = StringField(
        _l("Document number (số ký hiệu)"),
        validators=[Length(max=100, message=TOO_LONG)],
        description=_l("For example: 1234/QĐ-UBND"),
    )
    doc_date = DayField(_l("Document date"))
    signer = StringField(_l("Signed by"), validators=[Length(max=255, message=TOO_LONG)])
    summary = TextAreaField(
        _l("Summary (trích yếu)"), validators=[Length(max=NOTE_MAX, message=TOO_LONG)]
    )
    files = MultipleFileField(_l("Files"))

    def uploads(self) -> list:
        """Return the files actually chosen (browsers send one empty part for none; a
        hand-made request may send text in the field, which is no file)."""
        return [f for f in (self.files.data or []) if isinstance(f, FileStorage) and f.filename]

    def validate_files(self, _field) -> None:
        if not self.uploads() and not (self.doc_number.data or "").strip():
            raise ValidationError(
                _l("Give the output document's number or attach at least one file as evidence.")
            )


class ReturnForm(VersionedForm):
    reason = _reason(
        _l("Reason for returning"), _l("Say why the report is returned: the unit will see it.")
    )


class NotApplicableForm(VersionedForm):
    reason = _reason(_l("Reason"), _l("Say why this assignment does not apply."))


class ReopenForm(VersionedForm):
    reason = _reason(_l("Reason"), _l("Say why the assignment is reopened."))


class DueDateForm(VersionedForm):
    new_due = NewDueField(_l("New due date"))
    reason = _reason(_l("Reason"), _l("Say why the due date changes."))


class ExtensionRequestForm(Form):
    new_due = NewDueField(_l("New due date requested"))
    reason = _reason(_l("Reason"), _l("Say why more time is needed."))


class ApproveForm(Form):
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=NOTE_MAX, message=TOO_LONG)])


class RejectForm(Form):
    reason = _reason(
        _l("Reason for refusing"), _l("Say why the extension is refused: the unit will see it.")
    )


class SelectionField(Field):
    """Checked rows of the review queue, each sent as ``<assignment id>:<version>``."""

    def process_formdata(self, valuelist) -> None:
        self.data = {}
        for value in valuelist:
            id_, sep, version = value.partition(":")
            if not (id_.isdigit() and sep and version.isdigit()):
                self.data = {}
                raise ValueError(_l("The selection could not be read: reload the page."))
            self.data[int(id_)] = int(version)

    def _value(self) -> str:
        return ""


class BulkConfirmForm(Form):
    """Confirm the checked rows, or every row the page showed."""

    selected = SelectionField()
    shown = SelectionField()
    confirm_all = SubmitField(_l("Confirm all on this page"))
    confirm_selected = SubmitField(_l("Confirm selected"))

    def chosen(self) -> dict[int, int]:
        """Return the rows to confirm: id -> version the page showed."""
        return (self.shown.data if self.confirm_all.data else self.selected.data) or {}

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.chosen():
            self.selected.errors.append(_l("Select at least one report to confirm."))
            return False
        if len(self.chosen()) > 500:
            self.selected.errors.append(_l("Select at most 500 reports at a time."))
            return False
        return True
