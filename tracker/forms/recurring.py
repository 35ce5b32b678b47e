"""The form coordinators use to create and edit a recurring task (a series)."""

from __future__ import annotations

from flask_babel import gettext as _
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
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from tracker.domain.recurrence import (
    ANCHORS,
    FREQUENCIES,
    MAX_LEAD_DAYS,
    MAX_MONTHS_OFFSET,
    DayRule,
    Recurrence,
    RecurrenceError,
)
from tracker.forms.base import Form
from tracker.forms.fields import DayField
from tracker.forms.tasks import IdListField, TaskForm
from tracker.models import AssignmentRole

_MONTHS = NumberRange(0, MAX_MONTHS_OFFSET, message=_l("Between %(min)s and %(max)s."))
_DAY = NumberRange(1, 31, message=_l("Between %(min)s and %(max)s."))


class WholeNumberField(IntegerField):
    """An optional whole number whose parse error speaks the user's language."""

    def process_formdata(self, valuelist) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            try:
                self.data = int(text)
            except ValueError:
                raise ValueError(_l("Enter a whole number.")) from None


def rule_error_message(error: RecurrenceError) -> str:
    """Return why a rule was refused, in the user's language (eager: it may quote input)."""
    code = error.code
    if code == "rrule_required":
        return _("Write the RRULE, for example FREQ=MONTHLY;BYMONTHDAY=-1.")
    if code == "bad_rrule":
        return _(
            "“%(text)s” is not an RRULE this system can read, for example "
            "FREQ=MONTHLY;BYMONTHDAY=-1.",
            text=error.detail,
        )
    if code == "rrule_forbidden_part":
        return _(
            "Write the RRULE alone on one line, without DTSTART, RDATE or EXDATE: the first "
            "period is set by the start date."
        )
    if code == "rrule_too_frequent":
        return _("The periods of this rule are shorter than a week: periodic reports need longer.")
    if code == "no_period":
        return _("This rule gives no period after the start date.")
    if code == "until_before_start":
        return _("The end date is before the start date.")
    if code == "bad_lead_days":
        return _("Generate between 0 and %(max)s days ahead.", max=MAX_LEAD_DAYS)
    if code in ("bad_anchor", "bad_months", "bad_day"):
        return _("Check the day the task is due.")
    if code == "unknown_frequency":
        return _("Choose how often the task recurs.")
    return _("This recurring task's stored rule cannot be read.")


# Which field shows a rule error.
_ERROR_FIELD = {
    "rrule_required": "rrule",
    "bad_rrule": "rrule",
    "rrule_forbidden_part": "rrule",
    "rrule_too_frequent": "rrule",
    "no_period": "rrule",
    "until_before_start": "until",
    "bad_lead_days": "lead_days",
    "unknown_frequency": "frequency",
}


class SeriesForm(Form):
    """A recurring task: the task's facts, how it recurs, when each period is due, to whom."""

    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("Enter the task's title.")),
            Length(max=400, message=_l("At most %(max)d characters.")),
        ],
        description=_l(
            "Each period's task gets this title followed by its period, e.g. "
            "“… — first half of 2025”."
        ),
    )
    description = TaskForm.description
    source_document = TaskForm.source_document
    source_number = TaskForm.source_number
    source_date = TaskForm.source_date
    field = TaskForm.field
    priority = TaskForm.priority
    owner_id = TaskForm.owner_id

    frequency = SelectField(_l("Recurs"), default="half_yearly", validate_choice=False)
    rrule = StringField(
        _l("RRULE (RFC 5545)"),
        validators=[Length(max=200, message=_l("At most %(max)d characters."))],
        description=_l(
            "Only for a custom rule: each instant ends a period, e.g. FREQ=MONTHLY;BYMONTHDAY=-1."
        ),
    )
    start = DayField(
        _l("First period includes"),
        required=True,
        description=_l("dd/mm/yyyy: the first period is the one containing this day."),
    )
    until = DayField(_l("No period starting after"), description=_l("dd/mm/yyyy, optional"))
    due_anchor = SelectField(_l("Counted from"), default="period_end", validate_choice=False)
    due_months = WholeNumberField(
        _l("Months after"), default=0, validators=[Optional(), _MONTHS], render_kw={"min": 0}
    )
    due_day = WholeNumberField(
        _l("Day of that month"),
        validators=[Optional(), _DAY],
        description=_l("31 means the month's last day; empty means the period's own day."),
    )
    next_working_day = BooleanField(_l("If it falls on a day off, move it to the next working day"))
    cutoff = BooleanField(_l("Give a data cut-off date in each period's description"))
    cutoff_anchor = SelectField(_l("Counted from"), default="period_end", validate_choice=False)
    cutoff_months = WholeNumberField(
        _l("Months after"), default=0, validators=[Optional(), _MONTHS]
    )
    cutoff_day = WholeNumberField(_l("Day of that month"), validators=[Optional(), _DAY])
    lead_days = WholeNumberField(
        _l("Generate ahead (days)"),
        default=0,
        validators=[
            Optional(),
            NumberRange(0, MAX_LEAD_DAYS, message=_l("Between %(min)s and %(max)s.")),
        ],
        description=_l("0: each period's task is created the day the period starts."),
    )

    groups = SelectMultipleField(_l("Whole groups"), choices=[], validate_choice=False)
    kinds = SelectMultipleField(_l("All units of a kind"), choices=[], validate_choice=False)
    unit_ids = IdListField(_l("Single units"))
    role = RadioField(_l("Role"), default=AssignmentRole.LEAD.value, validate_choice=False)

    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    check = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))

    def __init__(self, *args, owners=(), **kw):
        super().__init__(*args, **kw)
        self.owners = list(owners)
        self.recurrence: Recurrence | None = None

    validate_field = TaskForm.validate_field
    validate_owner_id = TaskForm.validate_owner_id

    def validate_frequency(self, field) -> None:
        if field.data not in FREQUENCIES:
            raise ValidationError(_l("Choose how often the task recurs."))

    def validate_due_anchor(self, field) -> None:
        if field.data not in ANCHORS:
            raise ValidationError(_l("Choose the period's first or last month."))

    def validate_cutoff_anchor(self, field) -> None:
        if self.cutoff.data and field.data not in ANCHORS:
            raise ValidationError(_l("Choose the period's first or last month."))

    def validate_role(self, field) -> None:
        if field.data not in {r.value for r in AssignmentRole}:
            raise ValidationError(_l("Choose lead or support."))

    def validate_unit_ids(self, field) -> None:
        if not (field.data or any(self.groups.data or ()) or any(self.kinds.data or ())):
            raise ValidationError(_l("Choose at least one group or unit."))

    def validate(self, extra_validators=None) -> bool:
        """Validate the fields, then build ``self.recurrence`` from them (errors on a field)."""
        self.recurrence = None
        if not super().validate(extra_validators):
            return False
        try:
            cutoff = None
            if self.cutoff.data:
                cutoff = DayRule(
                    self.cutoff_anchor.data, self.cutoff_months.data or 0, self.cutoff_day.data
                )
            self.recurrence = Recurrence(
                frequency=self.frequency.data,
                start=self.start.day,
                due=DayRule(self.due_anchor.data, self.due_months.data or 0, self.due_day.data),
                rrule=(self.rrule.data or "").strip() or None,
                until=self.until.day,
                cutoff=cutoff,
                next_working_day=bool(self.next_working_day.data),
                lead_days=self.lead_days.data or 0,
            )
        except RecurrenceError as error:
            field = getattr(self, _ERROR_FIELD.get(error.code, "due_day"))
            field.errors = [*field.errors, rule_error_message(error)]
            return False
        return True

    def load(self, recurrence: Recurrence) -> None:
        """Fill the rule fields from a saved rule (for editing)."""
        self.frequency.data = recurrence.frequency
        self.rrule.data = recurrence.rrule or ""
        self.start.process_data(recurrence.start)
        self.until.process_data(recurrence.until)
        self.due_anchor.data = recurrence.due.anchor
        self.due_months.data = recurrence.due.months
        self.due_day.data = recurrence.due.day
        self.next_working_day.data = recurrence.next_working_day
        self.cutoff.data = recurrence.cutoff is not None
        if recurrence.cutoff is not None:
            self.cutoff_anchor.data = recurrence.cutoff.anchor
            self.cutoff_months.data = recurrence.cutoff.months
            self.cutoff_day.data = recurrence.cutoff.day
        self.lead_days.data = recurrence.lead_days
