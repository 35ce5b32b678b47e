"""The notification preferences form (one choice per kind the user receives) and the
centre's buttons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from tracker.forms.base import Form
from tracker.services.notifications.kinds import LABEL, MODE_LABEL, MODES


class ButtonForm(Form):
    """A button that only needs CSRF protection (mark read, mark all read)."""


class PreferencesForm(Form):
    """One radio choice per kind; the fields are added for the user's kinds."""

    def choices(self) -> dict[str, str]:
        """Return the chosen mode of each kind."""
        return {field.name: field.data for field in self if isinstance(field, RadioField)}


def preferences_form(kinds: Sequence[str], modes: Mapping[str, str], **kwargs) -> PreferencesForm:
    """Return a preferences form for ``kinds``, showing ``modes`` unless data was posted."""

    class Form(PreferencesForm):
        pass

    for kind in kinds:
        setattr(
            Form,
            kind,
            RadioField(
                LABEL[kind],
                choices=[SelectChoice(mode, MODE_LABEL[mode]) for mode in MODES],
                default=modes.get(kind),
                validators=[InputRequired(message=_l("Choose how you want to be told."))],
            ),
        )
    return Form(**kwargs)
