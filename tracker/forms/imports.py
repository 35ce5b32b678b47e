"""The upload form of the import pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SubmitField

from tracker.forms.base import Form


class ImportForm(Form):
    """A CSV or XLSX file to check, or to check and import."""

    file = FileField(
        _l("CSV or Excel (.xlsx) file"),
        validators=[FileRequired(message=_l("Choose a file to import."))],
    )
    invite = BooleanField(_l("Email each new account a link to choose a password"), default=True)
    check = SubmitField(_l("Check only"))
    submit = SubmitField(_l("Import"))
