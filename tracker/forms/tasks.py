"""Forms coordinators use to create, edit and assign tasks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tracker import clock
from tracker.forms.fields import DayField, DeadlineField
from tracker.models import AssignmentRole, Field


class IdListField(SelectMultipleField):
    """Several ids from a multiple select; the service checks that they exist."""

    def __init__(self, *args, **kw):
        super().__init__(*args, choices=[], validate_choice=False, **kw)

    def process_formdata(self, valuelist) -> None:
        self.data = [int(v) for v in valuelist if v.isdigit()]
        if len(self.data) != len(valuelist):
            self.data = []
            raise ValueError(_l("Choose units from the list."))


class TaskForm(FlaskForm):
    """Create or edit a task; the deadline is checked (shown back) before it is saved."""

    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("Enter the task's title.")),
            Length(max=500, message=_l("At most %(max)d characters.")),
        ],
    )
    description = TextAreaField(_l("Description"))
    source_document = StringField(
        _l("Source document"),
        validators=[Length(max=500, message=_l("At most %(max)d characters."))],
        description=_l("For example: Kế hoạch chuyển đổi số năm 2024"),
    )
    source_number = StringField(
        _l("Document number"),
        validators=[Length(max=100, message=_l("At most %(max)d characters."))],
        description=_l("For example: 01/KH-UBQGCĐS"),
    )
    source_date = DayField(_l("Document date"), description=_l("dd/mm/yyyy"))
    field = SelectField(
        _l("Field"),
        validators=[InputRequired(message=_l("Choose the task's field."))],
        validate_choice=False,
    )
    priority = BooleanField(_l("Priority task"))
    deadline = DeadlineField(
        _l("Deadline"),
        optional=True,
        validators=[Length(max=200, message=_l("At most %(max)d characters."))],
        description=_l("As written in the document: 30/9/2024, tháng 9/2024, Quý III/2024…"),
    )
    owner_id = SelectField(
        _l("Coordinator in charge"), coerce=int, validate_choice=False, validators=[Optional()]
    )
    move_due_dates = BooleanField(_l("Also move matching due dates"), default=True)
    # The deadline as last shown back to the user; saving requires it to match the input.
    checked_deadline = HiddenField()
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    check = SubmitField(_l("Check"))
    save = SubmitField(_l("Save"))

    def __init__(self, *args, owners=(), **kw):
        super().__init__(*args, **kw)
        self.deadline.reference_year = clock.today().year
        # The template renders the options (WTForms 3.3 deprecates tuple choices).
        self.owners = list(owners)
        if not isinstance(self.deadline.data, str):
            # Loaded from a task (a date): the view puts the original wording back.
            self.deadline.data = ""

    def validate_field(self, field) -> None:
        if field.data not in {f.value for f in Field}:
            raise ValidationError(_l("Choose the task's field."))

    def validate_owner_id(self, field) -> None:
        if field.data is not None and field.data not in {u.id for u in self.owners}:
            raise ValidationError(_l("Choose a coordinator from the list."))

    def deadline_signature(self) -> str:
        """Return what the parsed deadline looks like now, to compare with the checked one."""
        parsed = self.deadline.deadline
        due = parsed.due.isoformat() if parsed and parsed.due else "-"
        return f"{due} {(self.deadline.data or '').strip()}"

    def deadline_is_checked(self) -> bool:
        return self.checked_deadline.data == self.deadline_signature()


class AssignForm(FlaskForm):
    """Choose units (by group, by kind, one by one), the role and an optional due date."""

    # Options are rendered by the template; the service refuses unknown values.
    groups = SelectMultipleField(_l("Whole groups"), choices=[], validate_choice=False)
    kinds = SelectMultipleField(_l("All units of a kind"), choices=[], validate_choice=False)
    unit_ids = IdListField(_l("Single units"))
    role = RadioField(
        _l("Role"),
        default=AssignmentRole.LEAD.value,
        validate_choice=False,
    )
    due = DeadlineField(
        _l("Due date for these units"),
        optional=True,
        validators=[Length(max=200, message=_l("At most %(max)d characters."))],
        description=_l("Leave empty to use the task's deadline."),
    )
    # The selection as last previewed; assigning requires it to match the input.
    previewed = HiddenField()
    preview = SubmitField(_l("Preview"))
    assign = SubmitField(_l("Assign"))

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.due.reference_year = clock.today().year

    def validate_role(self, field) -> None:
        if field.data not in {r.value for r in AssignmentRole}:
            raise ValidationError(_l("Choose lead or support."))

    def validate_unit_ids(self, field) -> None:
        if not (field.data or self.groups.data or self.kinds.data):
            raise ValidationError(_l("Choose at least one group or unit."))

    def selection_signature(self) -> str:
        """Return the choice as a string, to tell whether it changed since the preview."""
        parts = [
            ",".join(sorted(self.groups.data or [])),
            ",".join(sorted(self.kinds.data or [])),
            ",".join(str(i) for i in sorted(self.unit_ids.data or [])),
            self.role.data or "",
            (self.due.data or "").strip(),
        ]
        return "|".join(parts)


class ActionForm(FlaskForm):
    """A button that only needs CSRF protection (close, reopen, remove)."""
