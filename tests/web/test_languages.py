"""Every page in both languages: no catalog text of the other language shows through."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from support.people import office
from support.units import lao_cai_province

from tracker import catalogs
from tracker.models import UnitKind


def _pairs() -> list[tuple[str, str]]:
    """Return (English, Vietnamese) catalog texts of two words or more that differ."""
    pairs = []
    for message in catalogs.load("vi"):
        if not message.id or not isinstance(message.id, str) or "%(" in message.id:
            continue
        if len(message.id.split()) >= 2 and message.string != message.id:
            pairs.append((message.id, message.string))
    return pairs


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", unescape(html))


@pytest.fixture
def site(build):
    def world(make):
        (admin,) = office(make, "admin", name="Quản trị viên")
        unit = lao_cai_province(make, head_email="ld@example.org")
        make.unit(name="Bộ Tư pháp", kind=UnitKind.MINISTRY)
        focal = make.user("focal_point", email="fp@example.org", unit_id=unit.id, name="Hoa")
        task = make.task(title="Kế hoạch dữ liệu mở", deadline=date(2024, 6, 28),
                         owner_id=admin.id)  # fmt: skip
        a = make.assignment(task, unit, state="submitted", submitted_on=date(2024, 6, 20))
        return {"task": task.id, "unit": unit.id, "assignment": a.id, "user": focal.id}

    return build(world)


def _pages(ids) -> list[str]:
    return [
        "/",
        "/tasks/",
        f"/tasks/{ids['task']}",
        "/tasks/new",
        f"/tasks/{ids['task']}/edit",
        f"/tasks/{ids['task']}/assign",
        "/units/",
        f"/units/{ids['unit']}",
        f"/assignments/{ids['assignment']}",
        "/review/",
        "/review/extensions",
        "/reminders/",
        "/reminders/policy",
        f"/reminders/tasks/{ids['task']}/policy",
        "/reminders/log",
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{ids['user']}",
        "/admin/units",
        "/admin/units/new",
        f"/admin/units/{ids['unit']}",
        "/admin/calendar?year=2024",
        "/admin/audit",
        "/account",
    ]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_page_shows_text_of_the_other_language(client, login, site, language):
    pairs = _pairs()
    assert len(pairs) > 200
    login("admin@example.org")
    client.post(f"/language/{language}")
    for url in _pages(site):
        response = client.get(url)
        assert response.status_code == 200, url
        text = _visible_text(response.get_data(as_text=True))
        for english, vietnamese in pairs:
            foreign = english if language == "vi" else vietnamese
            assert foreign not in text, f"{url} ({language}) shows {foreign!r}"
    client.post("/logout")
    for url in ("/login", "/password/forgot"):
        text = _visible_text(client.get(url).get_data(as_text=True))
        if language == "en":
            continue  # signed out, pages speak the default language: checked in Vietnamese
        for english, _vietnamese in pairs:
            assert english not in text, f"{url} shows {english!r}"
