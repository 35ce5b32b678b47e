"""Forms of signing in and of the account pages: one's own password and language, and the
password reset."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from tracker.forms.base import Form
from tracker.services.accounts import MIN_PASSWORD_LENGTH

LANGUAGE_CHOICES = [SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]


class LoginForm(Form):
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            Email(message=_l("Enter a valid email address.")),
        ],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(message=_l("Enter your password."))]
    )
    remember = BooleanField(_l("Keep me signed in"))


def _new_password_fields():
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(message=_l("Enter the new password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=_l(
                    "The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH
                ),
            ),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(message=_l("Repeat the new password.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )
    return password, confirm


class ChangePasswordForm(Form):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password."))],
    )
    password, confirm = _new_password_fields()


class ResetPasswordForm(Form):
    password, confirm = _new_password_fields()


class LanguageForm(Form):
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class ForgotPasswordForm(Form):
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            Email(message=_l("Enter a valid email address."), check_deliverability=False),
            Length(max=255, message=_l("This email address is too long.")),
        ],
    )
