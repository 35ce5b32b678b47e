"""Calendar feeds through HTTP: the public .ics address and the cards that manage it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select
from support.feeds import assignment_ids, feed_world, parse
from support.tasks import work_events

from tracker.extensions import db
from tracker.models import CalendarFeed, Event, Unit, User


@pytest.fixture
def world(build):
    return build(feed_world)


def _read(app, fn):
    with app.app_context():
        return fn()


def _active(app) -> list[CalendarFeed]:
    return _read(
        app,
        lambda: list(
            db.session.scalars(select(CalendarFeed).where(CalendarFeed.revoked_at.is_(None)))
        ),
    )


def _feed_count(app) -> int:
    return _read(app, lambda: db.session.scalar(select(func.count(CalendarFeed.id))))


def _address(html: str) -> str:
    return re.search(r'id="feed-address" type="url" readonly value="([^"]+)"', html).group(1)


def _path(html: str) -> str:
    """Return the path of the feed address shown on a page (the host is BASE_URL's)."""
    return "/" + _address(html).split("/", 3)[3]


def _create_unit_feed(client, login, unit_id: int, email="hn@example.org") -> str:
    """Create the unit's feed through the page as ``email``; return the feed's path."""
    login(email)
    response = client.post(f"/feeds/units/{unit_id}", follow_redirects=True)
    assert response.status_code == 200
    client.post("/logout")
    return _path(response.get_data(as_text=True))


def test_the_feed_needs_no_sign_in_and_is_a_private_calendar(app, client, login, world):
    path = _create_unit_feed(client, login, world["hanoi"])
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=900"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert assignment_ids(parse(response.data)) == set(world["open"].values())
    assert _active(app)[0].last_fetched_at is not None


def test_revoked_and_unknown_addresses_answer_the_same_404(app, client, login, world):
    path = _create_unit_feed(client, login, world["hanoi"])
    unknown = client.get("/feeds/" + "A" * 43 + ".ics")
    login("hn@example.org")
    client.post(f"/feeds/units/{world['hanoi']}/revoke")
    client.post("/logout")
    assert _active(app) == []
    gone = client.get(path)
    assert gone.status_code == unknown.status_code == 404
    assert gone.data == unknown.data
    assert "Set-Cookie" not in gone.headers


def test_resetting_gives_a_new_address_and_the_old_one_stops(client, login, world):
    old = _create_unit_feed(client, login, world["hanoi"])
    new = _create_unit_feed(client, login, world["hanoi"], email="dp@example.org")
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


@pytest.mark.parametrize(("email", "status"), [("hue@example.org", 404), ("ld@example.org", 403)])
def test_only_the_units_focal_points_and_coordinators_manage_its_feed(
    app, client, login, world, email, status
):
    _create_unit_feed(client, login, world["hanoi"])
    login(email)
    assert client.post(f"/feeds/units/{world['hanoi']}").status_code == status
    assert client.post(f"/feeds/units/{world['hanoi']}/revoke").status_code == status
    assert _feed_count(app) == 1 and len(_active(app)) == 1
    if email == "ld@example.org":
        html = client.get(f"/units/{world['hanoi']}").get_data(as_text=True)
        assert "calendar-feed" not in html


def test_the_unit_page_shows_the_card_to_its_focal_point(client, login, world):
    login("hn@example.org")
    html = client.get(f"/units/{world['hanoi']}").get_data(as_text=True)
    assert 'data-testid="calendar-feed"' in html
    assert f'action="/feeds/units/{world["hanoi"]}"' in html
    assert "feed-address" not in html
    client.post(f"/feeds/units/{world['hanoi']}")
    html = client.get(f"/units/{world['hanoi']}").get_data(as_text=True)
    assert _address(html).startswith("http://127.0.0.1:5000/feeds/")
    assert f'action="/feeds/units/{world["hanoi"]}/revoke"' in html


def test_a_personal_feed_is_managed_from_the_account_page(app, client, login, world):
    login("dp@example.org")
    assert "feed-address" not in client.get("/account").get_data(as_text=True)
    created = client.post("/feeds/mine", follow_redirects=True).get_data(as_text=True)
    assert "A new calendar feed address has been created" in created
    path = _path(created)
    client.post("/logout")
    calendar = parse(client.get(path).data)
    assert [str(e["UID"]).split("@")[0] for e in calendar.events] == [f"task-{world['main']}"]
    login("dp@example.org")
    client.post("/feeds/mine/revoke")
    assert "feed-address" not in client.get("/account").get_data(as_text=True)
    again = client.post("/feeds/mine/revoke", follow_redirects=True).get_data(as_text=True)
    assert "There is no calendar feed address to revoke." in again
    kinds = _read(app, lambda: list(db.session.scalars(
        select(Event.kind).where(work_events()).order_by(Event.id))))  # fmt: skip
    assert kinds == ["feed_created", "feed_revoked"]


def test_feed_forms_carry_a_csrf_token_and_posts_without_it_are_refused(app, client, login, world):
    login("hn@example.org")
    app.config["WTF_CSRF_ENABLED"] = True
    for url in (f"/units/{world['hanoi']}", "/account"):
        html = client.get(url).get_data(as_text=True)
        form = html[html.index('id="calendar-feed"') :]
        assert 'name="csrf_token"' in form, url
    for url in (f"/feeds/units/{world['hanoi']}", "/feeds/mine", "/feeds/mine/revoke"):
        assert client.post(url).status_code == 400, url
    assert _feed_count(app) == 0


def _grow(make, unit_id: int, tasks: int) -> None:
    for n in range(tasks):
        task = make.task(
            deadline=date(2024, 8, 1 + n % 28),
            reminder_policy={"before": [5, 2]} if n % 2 else None,
        )
        make.assignment(task, db.session.get(Unit, unit_id))


def test_a_feed_runs_a_constant_number_of_queries(app, build, client, login, world, query_counter):
    def fetch(path: str) -> tuple[int, int]:
        with query_counter() as statements:
            response = client.get(path)
        assert response.status_code == 200
        return len(statements), len(parse(response.data).events)

    def new_feeds() -> tuple[str, str]:
        unit = _create_unit_feed(client, login, world["hanoi"])
        login("ld@example.org")
        created = client.post("/feeds/mine", follow_redirects=True).get_data(as_text=True)
        client.post("/logout")
        return unit, _path(created)

    small = [fetch(path) for path in new_feeds()]
    build(lambda make: _grow(make, world["hanoi"], 25))
    large = [fetch(path) for path in new_feeds()]
    assert [count for count, _events in small] == [count for count, _events in large]
    assert all(big > few + 20 for (_c, few), (_d, big) in zip(small, large, strict=True))
    assert max(count for count, _events in large) <= 6, large


def test_a_deactivated_users_personal_feed_stops(app, client, login, world):
    login("hue@example.org")
    created = client.post("/feeds/mine", follow_redirects=True).get_data(as_text=True)
    path = _path(created)
    client.post("/logout")
    assert client.get(path).status_code == 200

    def deactivate():
        db.session.scalar(select(User).where(User.email == "hue@example.org")).active = False
        db.session.commit()

    _read(app, deactivate)
    assert client.get(path).status_code == 404
