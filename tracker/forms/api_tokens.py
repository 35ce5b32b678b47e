"""The form making a personal access token in My account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from tracker.forms.base import Form
from tracker.services.api_tokens import ADMIN, LIFETIMES_DAYS, WRITE


class ApiTokenForm(Form):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Give the token a name.")),
            Length(max=100, message=_l("At most %(max)s characters.", max=100)),
        ],
    )
    write = BooleanField(_l("Write: act as you (report, confirm, assign...)"))
    admin = BooleanField(_l("Administration: manage units and users"))
    days = SelectField(
        _l("Valid for"),
        choices=[SelectChoice(str(d), _l("%(days)s days", days=d)) for d in LIFETIMES_DAYS],
        default="90",
    )

    def scopes(self) -> list[str]:
        """Return the scopes ticked beyond reading (which every token has)."""
        return [WRITE] * bool(self.write.data) + [ADMIN] * bool(self.admin.data)
