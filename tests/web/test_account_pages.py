"""One's own account, and the public forgot/reset password pages, through HTTP."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from support.outbox import deliver, queued

from tracker.app import create_app
from tracker.extensions import db
from tracker.models import User

SAME_ANSWER = (
    "If an account uses this address, a link to choose a new password will be emailed to it in "
    "a moment."
)


@pytest.fixture
def people(build):
    build(lambda make: make.user("focal_point", email="fp@example.org", language="en"))


@pytest.fixture
def anonymous(client):
    """A visitor who is not signed in and reads English (the default is Vietnamese)."""
    client.post("/language/en")
    return client


@pytest.fixture
def smtp(app, smtp_server):
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, BASE_URL="https://cds.example.vn"
    )
    smtp_server.app = app
    return smtp_server


@pytest.fixture
def a_day_later(app):
    """Return a visitor reading English on a second app, on the same database, whose day is
    the one after the test app's."""
    later = create_app({**app.config, "TODAY": "2024-07-02"})
    client = later.test_client()
    client.post("/language/en")
    yield client
    with later.app_context():
        db.engine.dispose()


def _link_path(smtp) -> str:
    """Deliver what the outbox holds; return the path of the last link received."""
    deliver(smtp.app)
    body = smtp.messages[-1].get_body(("plain",)).get_content()
    return re.search(r"https://cds\.example\.vn(/password/reset/\S+)", body).group(1)


def test_the_account_page_needs_sign_in_and_shows_the_user(client, login, people):
    assert client.get("/account").status_code == 302
    login("fp@example.org")
    html = client.get("/account").get_data(as_text=True)
    assert "fp@example.org" in html and "Change password" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"current": "wrong-password"}, "The current password is not correct."),
        ({"password": "short", "confirm": "short"}, "at least 10 characters"),
        ({"confirm": "something else"}, "The two passwords are not the same."),
        ({"current": ""}, "Enter your current password."),
    ],
)
def test_a_refused_password_change_changes_nothing(client, login, people, app, data, message):
    login("fp@example.org")
    form = {
        "current": "secret-pass",
        "password": "a new long secret",
        "confirm": "a new long secret",
    }
    response = client.post("/account/password", data={**form, **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    client.post("/logout")
    response = client.post("/login", data={"email": "fp@example.org", "password": "secret-pass"})
    assert response.headers["Location"] == "/"


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, people):
    here, elsewhere = app.test_client(), app.test_client()
    for client in (here, elsewhere):
        client.post("/login", data={"email": "fp@example.org", "password": "secret-pass"})
        assert client.get("/account").status_code == 200
    response = here.post(
        "/account/password",
        data={
            "current": "secret-pass",
            "password": "a new long secret",
            "confirm": "a new long secret",
        },
        follow_redirects=True,
    )
    assert "Your password has been changed." in response.get_data(as_text=True)
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    response = elsewhere.post(
        "/login", data={"email": "fp@example.org", "password": "a new long secret"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_the_language_is_saved_on_the_account(client, login, people, app):
    login("fp@example.org")
    response = client.post("/account/language", data={"language": "vi"}, follow_redirects=True)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(User.language)) == "vi"
    assert client.post("/account/language", data={"language": "fr"}).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(User.language)) == "vi"


@pytest.mark.parametrize("email", ["fp@example.org", "nobody@example.org"])
def test_forgot_password_answers_the_same_for_every_address(anonymous, people, smtp, email):
    client = anonymous
    assert "Forgot password?" in client.get("/login").get_data(as_text=True)
    response = client.post("/password/forgot", data={"email": email}, follow_redirects=True)
    assert response.status_code == 200
    assert SAME_ANSWER in response.get_data(as_text=True)
    # Queued, never sent inside the request: the answer does not wait for the mail server.
    assert smtp.messages == []
    assert len(queued(smtp.app)) == (1 if email == "fp@example.org" else 0)
    deliver(smtp.app)
    assert len(smtp.messages) == (1 if email == "fp@example.org" else 0)


def test_forgot_password_refuses_a_malformed_address(anonymous, people, smtp):
    client = anonymous
    response = client.post("/password/forgot", data={"email": "not an email"})
    assert response.status_code == 422
    assert "Enter a valid email address." in response.get_data(as_text=True)
    assert queued(smtp.app) == []


def test_the_emailed_link_works_once(anonymous, people, smtp):
    client = anonymous
    client.post("/password/forgot", data={"email": "fp@example.org"})
    path = _link_path(smtp)

    page = client.get(path)
    assert page.status_code == 200
    assert "fp@example.org" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"

    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.get_data(as_text=True)

    done = client.post(path, data={"password": "a new long secret", "confirm": "a new long secret"})
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    signed_in = client.post(
        "/login", data={"email": "fp@example.org", "password": "a new long secret"}
    )
    assert signed_in.headers["Location"] == "/"
    client.post("/logout")
    client.post("/language/en")  # signed out, the page speaks the session's language

    again = client.get(path)
    assert again.status_code == 410
    assert "This password reset link has already been used." in again.get_data(as_text=True)
    reuse = client.post(
        path, data={"password": "yet another secret", "confirm": "yet another secret"}
    )
    assert reuse.status_code == 410


def test_an_expired_or_unknown_link_is_refused_with_a_message(anonymous, people, smtp, a_day_later):
    anonymous.post("/password/forgot", data={"email": "fp@example.org"})
    path = _link_path(smtp)
    client = a_day_later  # past the 2 hours
    response = client.get(path)
    assert response.status_code == 410
    assert "This password reset link has expired." in response.get_data(as_text=True)
    response = client.post(
        path, data={"password": "a new long secret", "confirm": "a new long secret"}
    )
    assert response.status_code == 410
    response = client.get("/password/reset/not-a-real-token")
    assert response.status_code == 410
    assert "This password reset link is not valid." in response.get_data(as_text=True)
