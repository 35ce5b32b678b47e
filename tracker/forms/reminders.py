"""Forms for reminder policies and nudges."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, NumberRange, ValidationError

from tracker.domain.reminders.policy import ReminderPolicy
from tracker.forms.base import Form


class PolicyForm(Form):
    before = StringField(
        _l("Reminders before the due date (working days, comma-separated)"),
        validators=[DataRequired(message=_l("Enter at least one number, e.g. 7, 3, 1."))],
    )
    on_due_day = BooleanField(_l("Remind on the due day"))
    overdue_every = IntegerField(
        _l("Then every … working days while overdue"),
        validators=[NumberRange(min=1, max=250, message=_l("Enter a number from 1 to 250."))],
    )
    escalate_after = IntegerField(
        _l("Escalate to the unit head after … working days overdue"),
        validators=[NumberRange(min=1, max=250, message=_l("Enter a number from 1 to 250."))],
    )

    def validate_before(self, field) -> None:
        parts = [part for part in field.data.replace(";", ",").split(",") if part.strip()]
        try:
            numbers = [int(part) for part in parts]
        except ValueError as exc:
            message = _l("Use whole numbers separated by commas, e.g. 7, 3, 1.")
            raise ValidationError(message) from exc
        if not numbers:
            raise ValidationError(_l("Enter at least one number, e.g. 7, 3, 1."))
        self.before_days = tuple(sorted(numbers, reverse=True))

    def policy(self) -> ReminderPolicy:
        return ReminderPolicy(
            before=self.before_days,
            on_due_day=bool(self.on_due_day.data),
            overdue_every=self.overdue_every.data,
            escalate_after=self.escalate_after.data,
        )

    def fill(self, policy: ReminderPolicy) -> None:
        self.before.data = ", ".join(str(n) for n in policy.before)
        self.on_due_day.data = policy.on_due_day
        self.overdue_every.data = policy.overdue_every
        self.escalate_after.data = policy.escalate_after


class TaskPolicyForm(PolicyForm):
    use_default = BooleanField(_l("Follow the programme's default policy"))


class NudgeForm(Form):
    """A bare form: its only field is the CSRF token."""


class RetryForm(Form):
    """A bare form: its only field is the CSRF token (retrying failed emails)."""
