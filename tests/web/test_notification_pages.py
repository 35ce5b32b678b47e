"""The notification centre and the preferences page through HTTP: the bell, the list and
its filters, marking read, nobody else's notifications, CSRF, constant queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, select
from support.people import office
from support.today import NOW
from support.units import hanoi_city, hue_province

from tracker.extensions import db
from tracker.models import Event, Notification, NotificationPreference

FOCAL = "hn@example.org"
OTHER = "hue@example.org"


def _world(make):
    hanoi, hue = hanoi_city(make), hue_province(make)
    office(make, "coordinator", "admin", name="Trần Văn Minh", language="en")
    focal = make.user("focal_point", email=FOCAL, unit_id=hanoi.id, language="en", name="Lan")
    other = make.user("focal_point", email=OTHER, unit_id=hue.id, language="en")
    task = make.task(title="Kế hoạch dữ liệu mở")
    ours, theirs = make.assignment(task, hanoi), make.assignment(task, hue)
    return {
        "focal": focal.id,
        "other": other.id,
        "task": task.id,
        "ours": ours.id,
        "theirs": theirs.id,
        "unit": hanoi.id,
    }


def _add(w, user: str = "focal", kind: str = "assigned", count: int = 1, read=False, **data):
    """Insert ``count`` notifications for one of the world's users; return their ids."""
    rows = [
        {
            "user_id": w[user],
            "kind": kind,
            "created_at": NOW + timedelta(minutes=n),
            "read_at": NOW if read else None,
            "task_id": w["task"],
            "assignment_id": w["ours" if user == "focal" else "theirs"],
            "unit_id": w["unit"],
            "data": data,
            "delivery": "emailed",
        }
        for n in range(count)
    ]
    return list(db.session.scalars(insert(Notification).returning(Notification.id), rows))


@pytest.fixture
def world(build):
    return build(_world)


def _bell(html: str) -> str | None:
    found = re.search(r'data-testid="bell-count">([^<]+)<', html)
    return found.group(1) if found else None


def _listed(response) -> str:
    """Return the list part of the centre's page (the filters name every kind too)."""
    html = response.get_data(as_text=True)
    return html.split('class="filters', 1)[1].split("</form>", 1)[1]


def test_the_bell_counts_unread_notifications_and_stops_at_99_plus(client, login, world, build):
    login(FOCAL)
    assert _bell(client.get("/").get_data(as_text=True)) is None
    build(lambda make: _add(world, count=3) and _add(world, count=2, read=True))
    build(lambda make: _add(world, user="other", count=5))  # someone else's
    assert _bell(client.get("/").get_data(as_text=True)) == "3"
    build(lambda make: _add(world, count=150))
    assert _bell(client.get("/tasks/").get_data(as_text=True)) == "99+"


def test_the_centre_lists_newest_first_with_filters(client, login, world, build):
    build(lambda make: _add(world, kind="assigned", due="2024-09-30"))
    build(lambda make: _add(world, kind="returned", reason="Thiếu phụ lục 02", read=True))
    build(lambda make: _add(world, user="other", kind="confirmed"))
    login(FOCAL)
    html = _listed(client.get("/notifications"))
    assert html.index("Report returned") < html.index("Task assigned")  # newest first
    assert "Thiếu phụ lục 02" in html and "30/09/2024" in html
    assert "Report confirmed" not in html  # another user's
    only_returned = _listed(client.get("/notifications?kind=returned"))
    assert "Thiếu phụ lục 02" in only_returned and "30/09/2024" not in only_returned
    unread = _listed(client.get("/notifications?unread=1"))
    assert "30/09/2024" in unread and "Thiếu phụ lục 02" not in unread
    nothing = client.get("/notifications?kind=confirmed").get_data(as_text=True)
    assert "No notification matches these filters." in nothing


def test_marking_one_or_all_read(app, client, login, world, build):
    first, second = build(lambda make: _add(world, count=2))
    login(FOCAL)
    response = client.post(f"/notifications/{first}/read", data={"kind": "assigned"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/notifications?kind=assigned")
    with app.app_context():
        assert db.session.get(Notification, first).read_at is not None
        assert db.session.get(Notification, second).read_at is None
    assert _bell(client.get("/").get_data(as_text=True)) == "1"
    assert client.post("/notifications/read").status_code == 302
    assert _bell(client.get("/").get_data(as_text=True)) is None


def test_opening_a_notification_marks_it_read_and_goes_to_its_assignment(
    app, client, login, world, build
):
    [mine] = build(lambda make: _add(world))
    login(FOCAL)
    response = client.get(f"/notifications/{mine}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assignments/{world['ours']}")
    with app.app_context():
        assert db.session.get(Notification, mine).read_at is not None
    assert client.get(response.headers["Location"]).status_code == 200


def test_another_users_notification_can_be_neither_seen_nor_marked(
    app, client, login, world, build
):
    [theirs] = build(lambda make: _add(world, user="other"))
    login(FOCAL)
    assert client.get(f"/notifications/{theirs}").status_code == 404
    assert client.post(f"/notifications/{theirs}/read").status_code == 404
    assert client.post("/notifications/read").status_code == 302  # marks only one's own
    with app.app_context():
        assert db.session.get(Notification, theirs).read_at is None


def test_marking_read_and_saving_preferences_need_the_csrf_token(app, client, login, world, build):
    [mine] = build(lambda make: _add(world))
    login(FOCAL)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/notifications/{mine}/read").status_code == 400
    assert client.post("/notifications/read").status_code == 400
    assert client.post("/account/notifications", data={"assigned": "off"}).status_code == 400
    with app.app_context():
        assert db.session.get(Notification, mine).read_at is None
        assert db.session.scalars(select(NotificationPreference)).all() == []


def test_the_centre_runs_the_same_queries_whatever_the_volume(
    client, login, world, build, query_counter
):
    login(FOCAL)

    def measure() -> tuple[int, int]:
        counts = []
        for url in ("/notifications", "/notifications?kind=assigned&unread=1&page=2", "/"):
            with query_counter() as statements:
                assert client.get(url).status_code == 200
            counts.append(len(statements))
        return tuple(counts)

    build(lambda make: _add(world, count=5) and _add(world, kind="returned", count=2))
    small = measure()
    build(lambda make: _add(world, count=180) and _add(world, kind="due_changed", count=40))
    large = measure()
    assert small == large, (small, large)
    assert max(large) <= 12


def test_preferences_offer_the_kinds_of_the_role_and_are_saved_with_an_event(
    app, client, login, world
):
    login(FOCAL)
    html = client.get("/account/notifications").get_data(as_text=True)
    for label in ("Task assigned to your unit", "Report returned", "Report confirmed"):
        assert label in html
    assert "Report awaiting confirmation" not in html  # a coordinator's kind
    assert "Deadline reminders for your unit" in html and "Always on" in html
    assert 'name="reminder"' not in html  # reminders have no switch
    form = {"assigned": "digest", "task_changed": "off", "due_changed": "immediate",
            "returned": "immediate", "confirmed": "off", "extension_decided": "immediate",
            "reminder": "off"}  # fmt: skip
    response = client.post("/account/notifications", data=form)
    assert response.status_code == 302
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Your notification settings have been saved." in page
    assert re.search(r'value="digest"\s+checked', page.split('name="assigned"', 1)[1])
    with app.app_context():
        saved = dict(
            db.session.execute(
                select(NotificationPreference.kind, NotificationPreference.mode)
            ).all()
        )
        assert saved == {"assigned": "digest", "task_changed": "off", "confirmed": "off"}
        [event] = db.session.scalars(select(Event).where(Event.kind == "notifications_changed"))
        assert event.actor_id == world["focal"]


def test_a_bad_choice_is_refused_and_changes_nothing(app, client, login, world):
    login(FOCAL)
    response = client.post("/account/notifications", data={"assigned": "sometimes"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalars(select(NotificationPreference)).all() == []


def test_coordinators_choose_for_their_kinds_and_admins_see_a_users_settings(
    client, login, world, build
):
    login("dp@example.org")
    html = client.get("/account/notifications").get_data(as_text=True)
    assert "Report awaiting confirmation" in html and "Extension requested" in html
    assert "Task assigned to your unit" not in html
    client.post("/account/notifications", data={"submitted": "immediate",
                                                 "extension_requested": "off"})  # fmt: skip
    client.post("/logout")
    login("admin@example.org")
    response = client.get(f"/admin/users/{world['focal']}")
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    assert "Notification settings" in page and "Task assigned to your unit" in page
    assert "Immediately" in page
    coordinator_id = build(
        lambda make: db.session.scalar(
            select(Event.actor_id).where(Event.kind == "notifications_changed")
        )
    )
    page = client.get(f"/admin/users/{coordinator_id}").get_data(as_text=True)
    section = page.split("Notification settings", 1)[1]
    assert "Off (in the app only)" in section and "Immediately" in section


def test_the_list_unsubscribe_address_is_the_preferences_page(client, login, world):
    from tracker.services.outbox.queue import PREFERENCES_PATH

    login(FOCAL)
    assert PREFERENCES_PATH == "/account/notifications"
    assert client.get(PREFERENCES_PATH).status_code == 200
