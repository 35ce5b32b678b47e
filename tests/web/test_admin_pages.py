"""The administration pages through HTTP: admins only, forms that refuse bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from support.outbox import deliver, point_at, queued
from support.people import office
from support.tasks import work_events
from support.units import hue_province

from tracker.extensions import db
from tracker.models import CalendarOverride, Event, Unit, User


@pytest.fixture
def world(build):
    def setup(make):
        unit = hue_province(make, code="46")
        office(make, "admin", "coordinator", "viewer", language="en")
        fp = make.user("focal_point", email="fp@example.org", language="en", unit_id=unit.id)
        override = CalendarOverride(day=datetime(2024, 9, 3).date(), is_working=True, note="TB")
        db.session.add(override)
        db.session.flush()
        return {"unit": unit.id, "user": fp.id, "override": override.id}

    return build(setup)


@pytest.fixture
def smtp(app, smtp_server):
    point_at(app, smtp_server)
    return smtp_server


def _admin_urls(world) -> list[tuple[str, str]]:
    user, unit, override = world["user"], world["unit"], world["override"]
    return [
        ("GET", "/admin/"),
        ("GET", "/admin/users"),
        ("GET", "/admin/users/new"),
        ("POST", "/admin/users/new"),
        ("GET", f"/admin/users/{user}"),
        ("POST", f"/admin/users/{user}"),
        ("POST", f"/admin/users/{user}/deactivate"),
        ("POST", f"/admin/users/{user}/reactivate"),
        ("POST", f"/admin/users/{user}/send-reset"),
        ("GET", "/admin/units"),
        ("GET", "/admin/units/new"),
        ("POST", "/admin/units/new"),
        ("GET", f"/admin/units/{unit}"),
        ("POST", f"/admin/units/{unit}"),
        ("POST", f"/admin/units/{unit}/deactivate"),
        ("POST", f"/admin/units/{unit}/reactivate"),
        ("GET", "/admin/calendar"),
        ("POST", "/admin/calendar"),
        ("POST", f"/admin/calendar/{override}/delete"),
        ("GET", "/admin/audit"),
    ]


@pytest.mark.parametrize("email", ["dp@example.org", "ld@example.org", "fp@example.org"])
def test_every_admin_url_refuses_other_roles(client, login, world, app, email):
    login(email)
    for method, url in _admin_urls(world):
        response = client.open(url, method=method, data={})
        assert response.status_code == 403, (method, url)
    with app.app_context():
        assert db.session.get(User, world["user"]).active
        assert db.session.get(Unit, world["unit"]).active
        assert db.session.scalars(select(Event).where(work_events())).all() == []


def test_admin_urls_require_sign_in(client, world):
    for method, url in _admin_urls(world):
        response = client.open(url, method=method, data={})
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_admin_reaches_every_page(client, login, world):
    login("admin@example.org")
    for url in ("/admin/users", "/admin/units", "/admin/calendar?year=2024", "/admin/audit"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/users/999999").status_code == 404
    assert client.get("/admin/units/999999").status_code == 404
    assert client.get("/admin/users/new").status_code == 200
    assert client.get(f"/admin/units/{world['unit']}").status_code == 200


def test_creating_a_user_queues_the_link_and_says_it_will_be_sent(client, login, world, smtp, app):
    login("admin@example.org")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "Huong@Example.org",
            "name": "Nguyễn Thị Hương",
            "role": "focal_point",
            "unit_id": str(world["unit"]),
            "language": "vi",
        },
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "The account of Nguyễn Thị Hương has been created." in html
    assert "will be sent to the new user in a moment" in html
    assert smtp.messages == []  # nothing is sent inside the request
    assert deliver(app).sent == 1
    (message,) = smtp.messages
    assert message["To"].addresses[0].display_name == "Nguyễn Thị Hương"
    # The Vietnamese catalog is the lead's; the vi user's role label already reads Vietnamese.
    assert "Đầu mối" in message.get_body(("plain",)).get_content()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "huong@example.org"))
        assert user.unit_id == world["unit"] and user.language == "vi"


def test_a_password_link_is_queued_and_the_page_says_it_will_be_sent(
    client, login, world, smtp, app
):
    login("admin@example.org")
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "dp@example.org"))
    response = client.post(f"/admin/users/{user_id}/send-reset", follow_redirects=True)
    assert "will be sent in a moment" in response.get_data(as_text=True)
    assert [(e.kind, e.to) for e in queued(app)] == [("password_reset", "dp@example.org")]
    assert smtp.messages == []
    assert deliver(app).sent == 1
    assert smtp.messages[0]["To"].addresses[0].addr_spec == "dp@example.org"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"role": "focal_point", "unit_id": ""}, "A focal point must belong to a unit."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"email": "DP@example.org"}, "Another account already uses this email address."),
        ({"name": ""}, "Enter the name."),
    ],
)
def test_a_bad_new_user_form_is_shown_again_and_saves_nothing(
    client, login, world, smtp, app, data, message
):
    login("admin@example.org")
    form = {
        "email": "x@example.org",
        "name": "X",
        "role": "viewer",
        "unit_id": "",
        "language": "en",
    }
    response = client.post("/admin/users/new", data={**form, **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert queued(app) == []
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "x@example.org")) is None


def test_editing_and_deactivating_a_user(client, login, world, app):
    login("admin@example.org")
    url = f"/admin/users/{world['user']}"
    response = client.post(
        url,
        data={"name": "Renamed", "role": "viewer", "unit_id": "", "language": "en"},
        follow_redirects=True,
    )
    assert "The account has been saved." in response.get_data(as_text=True)
    response = client.post(f"{url}/deactivate", follow_redirects=True)
    assert "has been deactivated" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, world["user"])
        assert (user.name, user.role, user.unit_id, user.active) == (
            "Renamed",
            "viewer",
            None,
            False,
        )


def test_an_admin_cannot_deactivate_themself_through_the_page(client, login, world, app):
    login("admin@example.org")
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.role == "admin"))
    response = client.post(f"/admin/users/{admin_id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert client.get("/admin/users").status_code == 200


def test_units_take_vietnamese_dates_and_refuse_a_code_in_use(client, login, world, app):
    login("admin@example.org")
    form = {
        "code": "46",
        "name": "Thành phố Huế",
        "kind": "city",
        "group": "",
        "valid_from": "01/01/2025",
        "valid_to": "",
        "successor_id": "",
    }
    response = client.post("/admin/units/new", data=form)
    assert response.status_code == 422
    assert "already used by Tỉnh Thừa Thiên Huế" in response.get_data(as_text=True)

    response = client.post("/admin/units/new", data={**form, "valid_from": "31/02/2025"})
    assert response.status_code == 422
    assert "“31/02/2025” is not a real date." in response.get_data(as_text=True)

    old = f"/admin/units/{world['unit']}"
    old_form = {**form, "name": "Tỉnh Thừa Thiên Huế", "kind": "province", "valid_from": ""}
    response = client.post(old, data={**old_form, "valid_to": "31/12/2024"})
    assert response.status_code == 302
    response = client.post("/admin/units/new", data=form, follow_redirects=True)
    assert "The unit has been created." in response.get_data(as_text=True)
    with app.app_context():
        new = db.session.scalar(select(Unit).where(Unit.name == "Thành phố Huế"))
        assert new.valid_from.isoformat() == "2025-01-01" and new.group == "local"
    html = client.get(old).get_data(as_text=True)
    assert 'value="31/12/2024"' in html


def test_the_calendar_page_lists_holidays_and_takes_overrides(client, login, world, app):
    login("admin@example.org")
    html = client.get("/admin/calendar?year=2024").get_data(as_text=True)
    assert "02/09/2024" in html and "National Day" in html
    assert "03/09/2024" in html and "TB" in html
    response = client.post(
        "/admin/calendar?year=2024",
        data={"day": "14/09/2024", "is_working": "1", "note": "Thông báo 6150/TB-LĐTBXH"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "The change of 14/09/2024 has been saved." in html
    assert "Thông báo 6150/TB-LĐTBXH" in html
    response = client.post("/admin/calendar", data={"day": "2024", "is_working": "0", "note": "x"})
    assert response.status_code == 422
    assert "Write the date as dd/mm/yyyy" in response.get_data(as_text=True)
    client.post(f"/admin/calendar/{world['override']}/delete?year=2024")
    with app.app_context():
        days = sorted(o.day.isoformat() for o in db.session.scalars(select(CalendarOverride)))
    assert days == ["2024-09-14"]


def test_the_audit_log_shows_changes_in_words_and_filters_them(client, login, world, app):
    login("admin@example.org")
    client.post(f"/admin/users/{world['user']}/deactivate")
    client.post(f"/admin/units/{world['unit']}/deactivate")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "Account deactivated" in html and "Unit deactivated" in html
    assert "Tỉnh Thừa Thiên Huế" in html
    html = client.get("/admin/audit?kind=user_deactivated").get_data(as_text=True)
    rows = html.split("<tbody>")[1]
    assert "Account deactivated" in rows and "Unit deactivated" not in rows
    html = client.get("/admin/audit?date_from=02/07/2024").get_data(as_text=True)
    assert "Nothing matches these filters." in html
    html = client.get("/admin/audit?date_from=30/02/2024").get_data(as_text=True)
    assert "is not a date" in html


def _events(make, n: int) -> None:
    unit = make.unit()
    task = make.task()
    actor = make.user("coordinator")
    from tracker.services import events
    from tracker.services.accounts import new_session_token

    for i in range(n):
        events.record(
            "note",
            actor=actor,
            now=datetime(2024, 6, 1, tzinfo=UTC),
            unit_id=unit.id,
            task_id=task.id,
            target=f"user:{actor.id}",
            note=str(i),
        )
        # Added directly: hashing a password per row would only slow the test down.
        db.session.add(
            User(
                email=f"fp{unit.id}-{i}@example.org",
                name=f"Đầu mối {i}",
                role="focal_point",
                unit_id=unit.id,
                password_hash="-",
                session_token=new_session_token(),
            )
        )


def test_admin_lists_run_a_constant_number_of_queries(client, login, world, build, query_counter):
    login("admin@example.org")
    urls = ["/admin/users", "/admin/units", "/admin/audit", "/admin/calendar?year=2024"]

    def measure():
        counts = {}
        for url in urls:
            with query_counter() as statements:
                assert client.get(url).status_code == 200
            counts[url] = len(statements)
        return counts

    build(lambda make: _events(make, 2))
    small = measure()
    build(lambda make: _events(make, 20))
    assert measure() == small
