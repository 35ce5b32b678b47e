"""Forms coordinators use to create, edit and assign tasks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
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

from tracker.domain.deadlines import Deadline
from tracker.forms.base import Form
from tracker.forms.fields import DayField, DeadlineField
from tracker.models import AssignmentRole, Field, Task
from tracker.services.tasks.assigning import UnitSelection
from tracker.services.tasks.editing import TaskInput


class IdListField(SelectMultipleField):
    """Several ids from a multiple select; the service checks that they exist."""

    def __init__(self, *args, **kw):
        super().__init__(*args, choices=[], validate_choice=False, **kw)

    def process_formdata(self, valuelist) -> None:
        self.data = [int(v) for v in valuelist if v.isdigit()]
        if len(self.data) != len(valuelist):
            self.data = []
            raise ValueError(_l("Choose units from the list."))


# The task's own rule for a deadline on a day off, as the form's select spells it, and the
# words of its options (the template renders them: WTForms 3.3 deprecates tuple choices).
DAY_OFF_RULES = {"": None, "roll": True, "keep": False}
DAY_OFF_RULE_LABELS = {
    "": _l("Follow the general setting"),
    "roll": _l("Move to the next working day"),
    "keep": _l("Keep the date as written"),
}


class TaskForm(Form):
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
        current_year=True,
        validators=[Length(max=200, message=_l("At most %(max)d characters."))],
        description=_l("As written in the document: 30/9/2024, tháng 9/2024, Quý III/2024…"),
    )
    owner_id = SelectField(
        _l("Coordinator in charge"), coerce=int, validate_choice=False, validators=[Optional()]
    )
    day_off_rule = SelectField(_l("A deadline on a day off"), default="", validate_choice=False)
    move_due_dates = BooleanField(_l("Also move matching due dates"), default=True)
    # The deadline as last shown back to the user; saving requires it to match the input.
    checked_deadline = HiddenField()
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    check = SubmitField(_l("Check"))
    save = SubmitField(_l("Save"))

    def __init__(self, *args, owners=(), **kw):
        super().__init__(*args, **kw)
        # The template renders the options (WTForms 3.3 deprecates tuple choices).
        self.owners = list(owners)
        if not isinstance(self.deadline.data, str):
            # Loaded from a task (a date): ``show_task`` puts the original wording back.
            self.deadline.data = ""

    def show_task(self, task: Task) -> None:
        """Fill the fields a task does not fill by name: the deadline as it was written, the
        version edited, and the saved deadline as already checked (saving it unchanged
        needs no check)."""
        self.deadline.data = task.deadline_wording or (
            task.deadline.strftime("%d/%m/%Y") if task.deadline else ""
        )
        self.version.data = task.version
        rules = {own: key for key, own in DAY_OFF_RULES.items()}
        self.day_off_rule.data = rules[task.deadline_day_off_rolls]
        saved = task.deadline.isoformat() if task.deadline else "-"
        self.checked_deadline.data = f"{saved} {self.deadline.data}"

    def task_input(self) -> TaskInput:
        """Return the task's facts as entered (the form validated)."""
        deadline = self.deadline.deadline
        return TaskInput(
            title=self.title.data or "",
            field=self.field.data,
            description=(self.description.data or "").strip(),
            source_document=(self.source_document.data or "").strip(),
            source_number=(self.source_number.data or "").strip() or None,
            source_date=self.source_date.day,
            priority=bool(self.priority.data),
            deadline=deadline.due if deadline else None,
            deadline_wording=deadline.wording if deadline else "",
            owner_id=self.owner_id.data,
            deadline_day_off_rolls=DAY_OFF_RULES[self.day_off_rule.data or ""],
        )

    def validate_field(self, field) -> None:
        if field.data not in {f.value for f in Field}:
            raise ValidationError(_l("Choose the task's field."))

    def validate_day_off_rule(self, field) -> None:
        if (field.data or "") not in DAY_OFF_RULES:
            raise ValidationError(_l("Choose how a deadline on a day off ends."))

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

    def deadline_to_show(self, task: Task | None) -> Deadline | None:
        """Return the deadline to show back: the saved one when an edit opens, else the one
        typed (None when it could not be read)."""
        if task is not None and not self.is_submitted():
            return Deadline(task.deadline, self.deadline.data, "date")
        return self.deadline.deadline if not self.deadline.errors else None

    def shows_checked(self, task: Task | None) -> bool:
        """Return whether the deadline shown is the one that will be saved."""
        if not self.is_submitted():
            return task is not None
        return self.deadline_is_checked() and not self.errors


class AssignForm(Form):
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
        current_year=True,
        validators=[Length(max=200, message=_l("At most %(max)d characters."))],
        description=_l("Leave empty to use the task's deadline."),
    )
    # The selection as last previewed; assigning requires it to match the input.
    previewed = HiddenField()
    preview = SubmitField(_l("Preview"))
    assign = SubmitField(_l("Assign"))

    def validate_role(self, field) -> None:
        if field.data not in {r.value for r in AssignmentRole}:
            raise ValidationError(_l("Choose lead or support."))

    def validate_unit_ids(self, field) -> None:
        if not (field.data or self.groups.data or self.kinds.data):
            raise ValidationError(_l("Choose at least one group or unit."))

    def selection(self) -> UnitSelection:
        """Return the units chosen, as the services take them."""
        return UnitSelection(
            groups=frozenset(self.groups.data or ()),
            kinds=frozenset(self.kinds.data or ()),
            unit_ids=frozenset(self.unit_ids.data or ()),
        )

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


class ActionForm(Form):
    """A button that only needs CSRF protection (close, reopen, remove)."""
