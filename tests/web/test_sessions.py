"""Sessions end on the server: a cookie copied before signing out opens nothing afterwards;
My account lists where one is signed in and signs the others out; sessions end after their
idle and absolute time and when the password changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tracker.extensions import db
from tracker.models import Event, UserSession

EMAIL = "dp@example.org"
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
PHONE = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


@pytest.fixture
def coordinator(build):
    return build(lambda make: make.user("coordinator", email=EMAIL, name="Trần Văn Minh").id)


def sign_in(client, email: str):
    response = client.post("/login", data={"email": email, "password": "secret-pass"})
    assert response.status_code == 302, response.status_code
    return client


def _browser(app, agent: str = CHROME):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    return sign_in(client, EMAIL)


def _signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200 and "/login" not in response.headers.get("Location", "")


def _copy(client, app):
    """Return another client holding a copy of ``client``'s cookies (as a thief would)."""
    thief = app.test_client()
    for name in ("session", "remember_token"):
        cookie = client.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def test_a_cookie_copied_before_signing_out_opens_nothing_after(app, coordinator):
    browser = _browser(app)
    copied = _copy(browser, app)
    assert _signed_in(copied)

    assert browser.post("/logout").status_code == 302

    response = copied.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not _signed_in(browser)
    with app.app_context():
        kinds = db.session.scalars(select(Event.kind).order_by(Event.id)).all()
        assert kinds[-2:] == ["signed_in", "signed_out"]


def test_a_remembered_cookie_copied_before_signing_out_opens_nothing_after(app, coordinator):
    browser = app.test_client()
    browser.post("/login", data={"email": EMAIL, "password": "secret-pass", "remember": "y"})
    thief = app.test_client()  # the "keep me signed in" cookie alone, without the session
    thief.set_cookie("remember_token", browser.get_cookie("remember_token").value)
    assert _signed_in(thief)

    browser.post("/logout")

    thief.delete_cookie("session")  # what it gained from signing in with the copy
    assert not _signed_in(thief)


def test_my_account_lists_the_sessions_and_signs_the_others_out(app, coordinator):
    laptop, phone = _browser(app), _browser(app, PHONE)
    page = laptop.get("/account").get_data(as_text=True)
    listed = page.split('data-testid="sessions"', 1)[1].split("</table>", 1)[0]
    assert "Chrome trên Windows" in listed and "Chrome trên Android" in listed
    assert listed.count("<tr>") == 3  # the header and two sessions
    assert "Trình duyệt này" in listed

    response = laptop.post("/account/sessions/end-others", follow_redirects=True)

    assert "Đã đăng xuất 1 phiên khác." in response.get_data(as_text=True)
    assert not _signed_in(phone)
    assert _signed_in(laptop)


def test_one_other_session_is_signed_out_and_no_one_elses(app, coordinator, build):
    build(lambda make: make.user("coordinator", email="other@example.org"))
    laptop, phone = _browser(app), _browser(app, PHONE)
    other = app.test_client()
    other.environ_base["HTTP_USER_AGENT"] = "someone else's browser"
    sign_in(other, "other@example.org")
    with app.app_context():
        ids = dict(db.session.execute(select(UserSession.user_agent, UserSession.id)).all())
    theirs = ids["someone else's browser"]

    laptop.post(f"/account/sessions/{theirs}/end")
    assert _signed_in(other)  # not the laptop owner's to end
    laptop.post(f"/account/sessions/{ids[PHONE]}/end")
    assert not _signed_in(phone) and _signed_in(laptop)


@pytest.mark.parametrize(
    ("column", "back"),
    [("last_seen_at", timedelta(minutes=121)), ("created_at", timedelta(hours=13))],
    ids=["idle", "absolute"],
)
def test_a_session_ends_after_its_idle_and_absolute_time(app, coordinator, column, back):
    browser = _browser(app)
    assert _signed_in(browser)
    with app.app_context():
        row = db.session.scalars(select(UserSession)).one()
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == row.id)
            .values({column: getattr(row, column) - back})
        )
        db.session.commit()
    assert not _signed_in(browser)


def test_changing_the_password_signs_out_the_other_sessions_only(app, coordinator):
    laptop, phone = _browser(app), _browser(app, PHONE)
    response = laptop.post(
        "/account/password",
        data={"current": "secret-pass", "password": "a-new-pass-123", "confirm": "a-new-pass-123"},
    )
    assert response.status_code == 302
    assert _signed_in(laptop) and not _signed_in(phone)
    listed = laptop.get("/account").get_data(as_text=True).split('data-testid="sessions"')[1]
    assert "Android" not in listed.split("</table>")[0]
