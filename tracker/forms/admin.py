"""Forms of the administration pages: users, units and calendar overrides."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import URL, DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.forms.account import LANGUAGE_CHOICES
from tracker.forms.base import Form
from tracker.forms.fields import DayField
from tracker.labels import GROUP, KIND, ROLE
from tracker.models import Role, UnitGroup, UnitKind


def optional_id(value) -> int | None:
    """Coerce a select's value to an id, "" (no choice) to None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def _role_choices():
    return [SelectChoice(role.value, ROLE[role]) for role in Role]


def _with_blank(options, blank_label="—") -> list[SelectChoice]:
    """Return a "no choice" option followed by ``options`` given as (value, label) pairs."""
    return [SelectChoice("", blank_label), *(SelectChoice(str(v), label) for v, label in options)]


class _RoleAndUnit(Form):
    """An account's role and, for a focal point's, its unit (a person's or a system's)."""

    role = SelectField(_l("Role"), choices=_role_choices)
    unit_id = SelectField(_l("Unit (focal points only)"), coerce=optional_id, choices=[])

    def set_units(self, options: list[tuple[int, str]]) -> None:
        self.unit_id.choices = _with_blank(options)


class UserForm(_RoleAndUnit):
    name = StringField(
        _l("Full name"),
        validators=[
            DataRequired(message=_l("Enter the name.")),
            Length(max=255, message=_l("At most %(max)d characters.")),
        ],
    )
    language = SelectField(_l("Language of the interface and emails"), choices=LANGUAGE_CHOICES)


class NewUserForm(UserForm):
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(message=_l("Enter the email address.")),
            Email(message=_l("Enter a valid email address."), check_deliverability=False),
            Length(max=255, message=_l("At most %(max)d characters.")),
        ],
    )


class UnitForm(Form):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(message=_l("Enter the code.")),
            Length(max=20, message=_l("At most %(max)d characters.")),
        ],
    )
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Enter the name.")),
            Length(max=255, message=_l("At most %(max)d characters.")),
        ],
    )
    short_name = StringField(
        _l("Short name"),
        validators=[Optional(), Length(max=40, message=_l("At most %(max)d characters."))],
    )
    name_en = StringField(
        _l("English name"),
        validators=[Optional(), Length(max=255, message=_l("At most %(max)d characters."))],
    )
    kind = SelectField(
        _l("Kind"), choices=lambda: [SelectChoice(k.value, KIND[k]) for k in UnitKind]
    )
    group = SelectField(
        _l("Reporting group"),
        choices=lambda: _with_blank(((g.value, GROUP[g]) for g in UnitGroup), _("From the kind")),
    )
    head_email = EmailField(
        _l("Head's email"),
        validators=[
            Optional(),
            Email(message=_l("Enter a valid email address."), check_deliverability=False),
            Length(max=255, message=_l("At most %(max)d characters.")),
        ],
    )
    valid_from = DayField(_l("Active from"))
    valid_to = DayField(_l("Active until"))
    successor_id = SelectField(_l("Successor"), coerce=optional_id, choices=[])

    def set_successors(self, options: list[tuple[int, str]]) -> None:
        self.successor_id.choices = _with_blank(options)


class OverrideForm(Form):
    day = DayField(_l("Day"), required=True)
    is_working = RadioField(
        _l("The day becomes"),
        choices=[SelectChoice("0", _l("A day off")), SelectChoice("1", _l("A working day"))],
        default="0",
        validators=[DataRequired(message=_l("Choose a working day or a day off."))],
    )
    note = StringField(
        _l("Official notice"),
        validators=[
            DataRequired(message=_l("Enter the official notice this change comes from.")),
            Length(max=255, message=_l("At most %(max)d characters.")),
        ],
    )


class ConfirmForm(Form):
    """An action button: the form carries only the CSRF token."""


class WebhookForm(Form):
    """A webhook endpoint: where to POST, and which events."""

    url = StringField(
        _l("Address (URL)"),
        validators=[
            DataRequired(message=_l("Enter the address to send events to.")),
            Length(max=500, message=_l("At most %(max)s characters.", max=500)),
            URL(require_tld=False, message=_l("Enter an http:// or https:// address.")),
        ],
    )
    description = StringField(
        _l("Description"),
        validators=[Length(max=200, message=_l("At most %(max)s characters.", max=200))],
    )
    kinds = SelectMultipleField(
        _l("Events"),
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(message=_l("Choose at least one kind of event."))],
    )


class ServiceAccountForm(_RoleAndUnit):
    """A service account: the system that uses it, its role and (a focal point's) unit."""

    name = StringField(
        _l("System"),
        validators=[
            DataRequired(message=_l("Name the system that will use this account.")),
            Length(max=255, message=_l("At most %(max)d characters.")),
        ],
    )
