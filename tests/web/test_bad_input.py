"""Input no database can store is refused with a translated page before any view runs, so
nothing changes: a NUL character in any field, an id or page number past 32 bits."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from support.people import office
from support.units import hanoi_city

from tracker.extensions import db
from tracker.models import Event, Task


@pytest.fixture
def world(build):
    def make_world(make):
        office(make, "coordinator")
        unit = hanoi_city(make)
        task = make.task(title="Kế hoạch dữ liệu mở")
        assignment = make.assignment(task, unit)
        return {"task": task.id, "unit": unit.id, "assignment": assignment.id}

    return build(make_world)


def _counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Task, Event))


@pytest.mark.parametrize(
    "url",
    ["/tasks/?q=%00", "/tasks/?q=ab%00cd", "/units/?q=%00", "/review/?unit=%00", "/reports/?q=%00"],
)
def test_a_nul_in_a_query_gets_a_translated_page(client, login, world, url):
    login("dp@example.org")
    response = client.get(url)
    assert response.status_code == 400
    assert "ký tự ẩn (NUL)" in response.get_data(as_text=True)


def test_a_nul_in_a_form_changes_nothing(app, client, login, world):
    login("dp@example.org")
    before = _counts(app)
    response = client.post(
        f"/assignments/{world['assignment']}/notes", data={"note": "ab\x00cd", "version": "1"}
    )
    assert response.status_code == 400
    assert "ký tự ẩn (NUL)" in response.get_data(as_text=True)
    assert _counts(app) == before


def test_a_multipart_part_without_a_name_is_no_server_error(app, client, login, world):
    login("dp@example.org")
    before = _counts(app)
    body = (
        b"--X\r\nContent-Disposition: form-data\r\n\r\nno name\r\n"
        b'--X\r\nContent-Disposition: form-data; name="note"\r\n\r\nab\x00cd\r\n--X--\r\n'
    )
    response = client.post(
        f"/assignments/{world['assignment']}/notes",
        data=body,
        content_type="multipart/form-data; boundary=X",
    )
    assert response.status_code == 400  # the NUL is still found and refused, in words
    assert "ký tự ẩn (NUL)" in response.get_data(as_text=True)
    assert _counts(app) == before


@pytest.mark.parametrize(
    "url",
    [
        "/tasks/?page=9223372036854775807",
        "/tasks/{task}?page=9223372036854775807",
        "/units/{unit}?page=2147483648",
        "/reports/?task=1234567890123456789012345",
        "/reports/matrix?unit=1234567890123456789012345",
        "/review/?task=1234567890123456789012345",
    ],
)
def test_an_id_or_page_past_32_bits_is_not_found(client, login, world, url):
    login("dp@example.org")
    response = client.get(url.format(**world))
    assert response.status_code == 404
    assert "Trang không tồn tại" in response.get_data(as_text=True)


def test_assigning_a_unit_id_past_32_bits_changes_nothing(app, client, login, world):
    login("dp@example.org")
    before = _counts(app)
    response = client.post(f"/tasks/{world['task']}/assign", data={"unit_ids": "2147483648"})
    assert response.status_code == 404
    assert _counts(app) == before


@pytest.mark.parametrize("character", ["\x01", "\x08", "\x0b", "\x1b", "\x7f"])
def test_a_control_character_in_a_text_field_gets_a_message_at_the_field(
    app, client, login, world, character
):
    login("dp@example.org")
    before = _counts(app)
    response = client.post(
        f"/assignments/{world['assignment']}/notes",
        data={"note": f"ab{character}cd", "version": "1"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400, 422), response.status_code
    assert f"ký tự điều khiển ẩn (U+{ord(character):04X})" in page
    assert _counts(app) == before


def test_the_control_character_message_speaks_english_in_english(app, client, login, world):
    login("dp@example.org")
    client.post("/language/en")
    response = client.post(
        f"/assignments/{world['assignment']}/notes", data={"note": "ab\x01cd", "version": "1"}
    )
    assert "invisible control character (U+0001)" in response.get_data(as_text=True)


def test_tabs_and_line_breaks_are_text_not_control_characters(app, client, login, world):
    login("dp@example.org")
    before = _counts(app)
    response = client.post(
        f"/assignments/{world['assignment']}/notes",
        data={"note": "Dòng 1\r\n\tDòng 2", "version": "1"},
    )
    assert response.status_code == 302
    assert _counts(app) != before  # the note was recorded


def test_every_form_of_the_app_refuses_control_characters(app):
    from flask_wtf import FlaskForm

    from tracker.forms.base import Form

    def every(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)

    forms = [cls for cls in every(FlaskForm) if cls.__module__.startswith("tracker.")]
    assert len(forms) > 20
    assert [cls.__qualname__ for cls in forms if not issubclass(cls, Form)] == []
