"""Forms of two-factor sign-in: the code after the password, the first code of an app
being set up, and the password or code that confirms turning it off or new recovery
codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from tracker.forms.base import Form

_TOO_LONG = _l("This code is too long.")


class CodeForm(Form):
    """The second step of signing in: an app code or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(message=_l("Enter the code your authenticator app shows.")),
            Length(max=40, message=_TOO_LONG),
        ],
    )
    remember_device = BooleanField(_l("Do not ask again on this device"))


class ConfirmSetupForm(Form):
    """The first code of the app being set up, which puts it in use."""

    code = StringField(
        _l("Code from the app"),
        validators=[
            DataRequired(message=_l("Enter the 6-digit code your authenticator app shows.")),
            Length(max=40, message=_TOO_LONG),
        ],
    )


class ProofForm(Form):
    """The password or a current app code, before turning it off or new recovery codes."""

    proof = PasswordField(
        _l("Your password or a code from your app"),
        validators=[
            DataRequired(
                message=_l("Enter your password or a current code from your authenticator app.")
            ),
            Length(max=200, message=_l("This is too long.")),
        ],
    )
