"""Merging units through the admin page, and what the unit and assignment pages show after."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from support.tasks import work_events

from tests.support.reorganisation import merger_world
from tracker.extensions import db
from tracker.models import Assignment, Event, Unit, User

URL = "/admin/units/merge"


@pytest.fixture
def w(build):
    return build(lambda make: merger_world(make, staff=True))


def _form(w, **changes) -> dict:
    form = {
        "sources": [str(w["an"]), str(w["binh"])],
        "successor_kind": "new",
        "successor_id": "",
        "code": "N1",
        "name": "Tỉnh Mới",
        "kind": "province",
        "effective": "01/07/2024",
        "check": "1",
    }
    return form | changes


def _state(app) -> tuple:
    with app.app_context():
        return (
            db.session.execute(
                select(Assignment.id, Assignment.state, Assignment.unit_id).order_by(Assignment.id)
            ).all(),
            db.session.execute(
                select(Unit.id, Unit.successor_id, Unit.active).order_by(Unit.id)
            ).all(),
            db.session.execute(select(User.id, User.unit_id).order_by(User.id)).all(),
            db.session.scalar(select(func.count()).select_from(Event).where(work_events())),
        )


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" ;", ";")


@pytest.mark.parametrize("email", ["dp@example.org", "ld@example.org", "fa@example.org"])
def test_only_admins_reach_the_merge_page(client, login, w, app, email):
    before = _state(app)
    assert client.get(URL).status_code == 302  # sign in first
    login(email)
    assert client.get(URL).status_code == 403
    assert client.post(URL, data=_form(w, check="", apply="1")).status_code == 403
    assert _state(app) == before


def test_checking_a_merger_shows_what_would_move_and_changes_nothing(client, login, w, app):
    before = _state(app)
    login("admin@example.org")
    assert "Tỉnh An (A1)" in client.get(URL).get_data(as_text=True)

    response = client.post(URL, data=_form(w))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    preview = _text(html[html.index('data-testid="merge-preview"') :])
    assert "Tỉnh An, Tỉnh Bình merge into Tỉnh Mới from 01/07/2024." in preview
    for testid, value in (("open-before", 3), ("moved", 2), ("merged", 1), ("users", 2)):
        assert re.search(rf'data-testid="{testid}">{value}<', html), testid
    assert "Kế hoạch chung 1 1" in preview
    assert 'name="apply"' in html
    assert _state(app) == before


def test_applying_a_merger_shows_it_on_every_page_concerned(client, login, w, app):
    login("admin@example.org")
    response = client.post(URL, data=_form(w, check="", apply="1"))

    assert response.status_code == 302
    new_url = response.headers["Location"]
    page = _text(client.get(new_url).get_data(as_text=True))
    assert (
        "Tỉnh An, Tỉnh Bình merged into Tỉnh Mới from 01/07/2024: 2 open assignments moved" in page
    )
    assert "Formed from Tỉnh An; Tỉnh Bình (from 01/07/2024)" in page
    old = client.get(f"/units/{w['an']}").get_data(as_text=True)
    assert re.search(r'Merged into <a href="/units/\d+">Tỉnh Mới</a> on 01/07/2024', old)
    assert "Danh mục đã ban hành" in old  # its history stays listed
    assert re.search(r'data-testid="transferred-to">→ <a href="/assignments/\d+">Tỉnh Mới</a>', old)
    moved = _text(client.get(f"/assignments/{w['an_shared']}").get_data(as_text=True))
    assert "Transferred to Tỉnh Mới when the units merged" in moved
    assert "Passed to Tỉnh Mới" in moved
    with app.app_context():
        target = db.session.get(Assignment, w["an_shared"]).transferred_to_id
    taken = _text(client.get(f"/assignments/{target}").get_data(as_text=True))
    assert "Taken over from: Tỉnh An; Tỉnh Bình" in taken
    assert "Taken over from Tỉnh An" in taken and "Merged in from Tỉnh Bình" in taken


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"effective": ""}, "Enter a date (dd/mm/yyyy)."),
        ({"effective": "31/02/2024"}, "“31/02/2024” is not a real date."),
        ({"effective": "2/7/2024"}, "after today: record it on the day it takes effect."),
        ({"sources": []}, "Choose the units to merge."),
        ({"sources": ["abc"]}, "Some of the chosen units do not exist."),
        ({"successor_kind": "existing"}, "Choose the successor: an existing unit or a new one."),
        ({"code": "C1"}, "The code C1 is already used by Tỉnh Cường"),
        ({"name": " "}, "Enter the code and the name."),
        ({"kind": "<b>x</b>"}, "Choose a kind."),
    ],
)
def test_bad_input_is_refused_in_words_and_changes_nothing(client, login, w, app, changes, message):
    before = _state(app)
    login("admin@example.org")

    response = client.post(URL, data=_form(w, check="", apply="1", **changes))

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert "<b>x</b>" not in response.get_data(as_text=True)
    assert _state(app) == before


def test_a_unit_cannot_merge_into_itself_through_the_page(client, login, w, app):
    before = _state(app)
    login("admin@example.org")
    form = _form(w, successor_kind="existing", successor_id=str(w["an"]), check="", apply="1")
    response = client.post(URL, data=form)
    assert response.status_code == 422
    assert "Tỉnh An cannot be merged into itself." in response.get_data(as_text=True)
    assert _state(app) == before


def test_the_merge_form_needs_its_csrf_token(client, login, w, app):
    before = _state(app)
    login("admin@example.org")
    app.config["WTF_CSRF_ENABLED"] = True
    html = client.get(URL).get_data(as_text=True)
    assert 'name="csrf_token"' in html
    assert client.post(URL, data=_form(w, check="", apply="1")).status_code == 400
    assert _state(app) == before


def test_unit_lists_leave_out_merged_units_unless_asked(client, login, w):
    login("admin@example.org")
    client.post(URL, data=_form(w, check="", apply="1"), follow_redirects=True)
    for url in ("/units/", "/admin/units"):
        current = client.get(url).get_data(as_text=True)
        assert "Tỉnh Mới" in current and "Tỉnh Cường" in current and "Tỉnh An" not in current
        former = client.get(f"{url}?former=1").get_data(as_text=True)
        assert "Tỉnh An" in former and "Tỉnh Bình" in former


def test_a_focal_point_of_a_merged_unit_works_for_the_successor(client, login, w, app):
    login("admin@example.org")
    new_url = client.post(URL, data=_form(w, check="", apply="1")).headers["Location"]
    client.post("/logout")
    login("fa@example.org")

    response = client.get("/units/")
    assert response.status_code == 302 and response.headers["Location"].endswith(new_url)
    page = client.get(new_url).get_data(as_text=True)
    assert "Tỉnh An" in page and f'href="/units/{w["an"]}"' not in page
    assert client.get(f"/units/{w['an']}").status_code == 404
    assert client.get(f"/assignments/{w['an_shared']}").status_code == 404
    with app.app_context():
        target = db.session.get(Assignment, w["an_shared"]).transferred_to_id
    taken = client.get(f"/assignments/{target}").get_data(as_text=True)
    assert "Taken over from:" in taken and f'href="/assignments/{w["an_shared"]}"' not in taken


def test_a_completion_that_a_merged_units_open_report_joins_goes_back_for_a_decision(
    client, login, w, app
):
    with app.app_context():
        db.session.get(Assignment, w["cuong_report"]).state = "completed"
        db.session.commit()
    login("admin@example.org")
    form = _form(w, sources=[str(w["binh"])], successor_kind="existing")
    form["successor_id"] = str(w["cuong"])

    preview = _text(client.post(URL, data=form).get_data(as_text=True))

    assert (
        "1 assignment the successor had settled goes back for a coordinator's decision, because "
        "a merged unit still had it open: Báo cáo 6 tháng: Completed → Awaiting confirmation "
        "(Tỉnh Bình)"
    ) in preview
    applied = client.post(URL, data=form | {"check": "", "apply": "1"}, follow_redirects=True)
    assert "1 assignment the successor had settled went back" in applied.get_data(as_text=True)
    with app.app_context():
        target = db.session.get(Assignment, w["cuong_report"])
        assert (target.state, target.merge_review["units"]) == ("submitted", ["Tỉnh Bình"])
    note = "Completed before a merger, while Tỉnh Bình still had it open: confirm that this"
    page = _text(client.get(f"/assignments/{w['cuong_report']}").get_data(as_text=True))
    assert note in page
    assert "Put back for review: a merged unit" in page and "Still open at: Tỉnh Bình" in page
    client.post("/logout")
    login("dp@example.org")
    queue = _text(client.get("/review/").get_data(as_text=True))
    assert "Needs review" in queue and note in queue
