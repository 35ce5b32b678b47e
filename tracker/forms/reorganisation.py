"""The administrators' form to merge units into a successor."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import Length, Optional

from tracker.forms.base import Form
from tracker.forms.fields import DayField
from tracker.labels import KIND
from tracker.models import UnitKind

EXISTING, NEW = "existing", "new"


def _unit_id(value) -> int | None:
    """Coerce a posted unit id; anything that is not a number becomes 0, an id no unit has,
    so the service refuses it in words instead of WTForms in English."""
    if value in (None, "", "None"):
        return None
    text = str(value)
    return int(text) if text.isdigit() else 0


class MergeForm(Form):
    sources = SelectMultipleField(
        _l("Units that merge"), coerce=_unit_id, choices=[], validate_choice=False
    )
    successor_kind = RadioField(
        _l("They merge into"),
        choices=[
            SelectChoice(EXISTING, _l("An existing unit (it absorbs them)")),
            SelectChoice(NEW, _l("A new unit (formed from them)")),
        ],
        default=EXISTING,
        validate_choice=False,
    )
    successor_id = SelectField(
        _l("Existing unit"), coerce=_unit_id, choices=[], validate_choice=False
    )
    code = StringField(
        _l("Code of the new unit"),
        validators=[Optional(), Length(max=20, message=_l("At most %(max)d characters."))],
    )
    name = StringField(
        _l("Name of the new unit"),
        validators=[Optional(), Length(max=255, message=_l("At most %(max)d characters."))],
    )
    kind = SelectField(
        _l("Kind of the new unit"),
        choices=lambda: [SelectChoice(k.value, KIND[k]) for k in UnitKind],
        validate_choice=False,
    )
    effective = DayField(_l("In effect from"), required=True)

    def set_units(self, options: list[tuple[int, str]]) -> None:
        self.sources.choices = [SelectChoice(uid, label) for uid, label in options]
        self.successor_id.choices = [
            SelectChoice("", "—"),
            *(SelectChoice(uid, label) for uid, label in options),
        ]
