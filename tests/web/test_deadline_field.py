"""The deadline field reads officials' wording and explains refusals in the user's language."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from tracker.forms.fields import DeadlineField


class _Form(FlaskForm):
    class Meta:
        csrf = False

    deadline = DeadlineField("Deadline")
    optional = DeadlineField("Optional", optional=True)


def _validate(app, text: str, language: str = "vi", optional: str = ""):
    with app.test_request_context(), force_locale(language):
        form = _Form(formdata=MultiDict({"deadline": text, "optional": optional}))
        ok = form.validate()
        return ok, form


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("tháng 9/2024", date(2024, 9, 30)),
        ("trước ngày 20/7/2024", date(2024, 7, 19)),
        ("Quý III/2024", date(2024, 9, 30)),
        ("30/09/2024", date(2024, 9, 30)),
    ],
)
def test_deadline_field_reads_official_wording(app, text, due):
    ok, form = _validate(app, text)
    assert ok, form.errors
    assert form.deadline.deadline.due == due
    assert form.deadline.deadline.wording == text
    assert form.optional.deadline is None


def test_unreadable_deadline_names_the_accepted_forms_in_vietnamese(app):
    ok, form = _validate(app, "cuối tháng chín")
    assert not ok
    message = form.errors["deadline"][0]
    assert "không đọc được" in message
    assert "Quý III/2024" in message and "trước ngày 20/7/2024" in message


def test_unreadable_deadline_message_in_english(app):
    ok, form = _validate(app, "end of September", language="en")
    assert not ok
    assert "Accepted forms" in form.errors["deadline"][0]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("31/02/2024", "không phải là ngày có thật"),
        ("trước 20/7", "thiếu năm"),
        ("", "Nhập thời hạn"),
    ],
)
def test_each_refusal_says_why(app, text, fragment):
    ok, form = _validate(app, text)
    assert not ok
    assert fragment in form.errors["deadline"][0]


def test_before_can_be_configured_inclusive(app):
    app.config["DEADLINE_BEFORE_IS_EXCLUSIVE"] = False
    ok, form = _validate(app, "trước ngày 20/7/2024")
    assert ok and form.deadline.deadline.due == date(2024, 7, 20)
