"""Signing in with two-factor sign-in, through the test client on both backends: the
password alone opens nothing, then an authenticator app code or a recovery code does, each
once; the step expires, is throttled, and is skipped on a remembered device; everything is
in the audit log."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from support import two_factor
from support.today import NOW

from tracker.extensions import db
from tracker.models import Event, User, UserSession
from tracker.services import accounts

EMAIL = "dp@example.org"
PASSWORD = "secret-pass"


@pytest.fixture
def phone(app, build):
    """The coordinator dp@example.org (English pages) with an authenticator app."""

    def make(f):
        user = f.user("coordinator", email=EMAIL, name="Trần Văn Minh", language="en")
        db.session.commit()
        return two_factor.enrol(user, secret_key=app.config["SECRET_KEY"], now=NOW)

    return build(make)


def password_step(client, email: str = EMAIL, **extra):
    client.post("/language/en")  # pages before signing in: English, as the users read
    response = client.post("/login", data={"email": email, "password": PASSWORD, **extra})
    assert response.status_code == 302, response.status_code
    return response


def code_step(client, code: str, follow_redirects: bool = False, **extra):
    return client.post(
        "/login/code", data={"code": code, **extra}, follow_redirects=follow_redirects
    )


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def events(app, kind: str) -> list[Event]:
    with app.app_context():
        return list(db.session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def sessions_of(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(UserSession)).all())


def test_the_password_alone_opens_nothing_until_the_code(app, client, phone):
    response = password_step(client)
    assert response.headers["Location"] == "/login/code"
    page = client.get("/login/code")
    assert page.status_code == 200 and "authenticator app" in page.text
    assert not signed_in(client)
    assert client.get("/account").headers["Location"].startswith("/login")
    # Nothing of a sign-in happened yet: no session, no event, no "last sign-in".
    assert sessions_of(app) == 0 and events(app, "signed_in") == []
    with app.app_context():
        assert db.session.scalar(select(User.last_login_at)) is None

    response = code_step(client, phone.code())
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert signed_in(client)
    [event] = events(app, "signed_in")
    assert event.data == {"method": "password", "second_factor": "totp"}
    assert sessions_of(app) == 1


def test_the_code_step_is_answered_in_the_users_language(client, phone):
    password_step(client)
    client.post("/language/vi")
    page = client.get("/login/code").text
    assert "Xác thực hai bước" in page and "mã khôi phục" in page


def test_a_wrong_code_is_refused_and_recorded(app, client, phone):
    password_step(client)
    wrong = f"{(int(phone.code()) + 1) % 1_000_000:06d}"
    response = code_step(client, wrong)
    assert response.status_code == 200
    assert "This code is not right" in response.text
    assert not signed_in(client)
    [failed] = events(app, "sign_in_failed")
    assert failed.data["reason"] == "wrong_code" and failed.data["second_factor"] == "totp"
    assert failed.data["email"] == EMAIL and failed.actor_id is None
    assert failed.target.startswith("user:")
    assert wrong not in str(failed.data)  # the code typed is never kept


def test_a_code_signs_in_once(app, client, phone):
    code = phone.code(steps=1)
    password_step(client)
    assert code_step(client, code).status_code == 302
    client.post("/logout")

    password_step(client)
    response = code_step(client, code)
    assert response.status_code == 200 and "already been used" in response.text
    assert not signed_in(client)
    assert events(app, "sign_in_failed")[-1].data["reason"] == "reused_code"
    # An earlier code than the one used opens nothing either, though still in the window.
    response = code_step(client, phone.code())
    assert "already been used" in response.text


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(app, client, phone):
    recovery = phone.recovery_codes[3]
    password_step(client)
    response = code_step(client, recovery.upper().replace("-", " "), follow_redirects=True)
    assert response.status_code == 200 and "9 codes are left" in response.text
    [event] = events(app, "signed_in")
    assert event.data == {"method": "password", "second_factor": "recovery_code", "codes_left": 9}
    client.post("/logout")

    password_step(client)
    response = code_step(client, recovery)
    assert response.status_code == 200 and "This code is not right" in response.text
    refused = events(app, "sign_in_failed")[-1].data
    assert refused["second_factor"] == "recovery_code" and refused["reason"] == "wrong_code"
    assert code_step(client, phone.recovery_codes[4]).status_code == 302


def test_the_code_step_expires_after_five_minutes(app, client, phone):
    password_step(client)
    with client.session_transaction() as session:
        session["two_factor_pending"] = {**session["two_factor_pending"], "t": time.time() - 301}
    response = code_step(client, phone.code())
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "took too long" in client.get("/login").text
    assert not signed_in(client)
    assert events(app, "sign_in_failed")[-1].data["reason"] == "expired"
    # The waiting sign-in is gone: the code page sends back to the password.
    assert client.get("/login/code").headers["Location"] == "/login"


def test_a_password_changed_meanwhile_voids_the_waiting_sign_in(app, client, phone):
    password_step(client)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EMAIL))
        accounts.change_password(
            user, PASSWORD, "another-long-pass", now=NOW, method="pbkdf2:sha256:1"
        )
    response = code_step(client, phone.code())
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not signed_in(client)


def test_the_code_step_without_a_password_first_goes_back_to_it(client, phone):
    assert client.get("/login/code").headers["Location"] == "/login"
    assert client.post("/login/code", data={"code": phone.code()}).status_code == 302
    assert not signed_in(client)


def test_wrong_codes_are_limited_per_account_whatever_the_address(app, phone):
    app.config["RATELIMIT_TWO_FACTOR"] = "3 per minute"
    first = app.test_client()
    first.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    password_step(first)
    for _ in range(3):
        assert code_step(first, "000000").status_code == 200
    assert code_step(first, phone.code()).status_code == 429
    # Another address, after the password again: the account's limit still holds.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    password_step(other)
    response = code_step(other, phone.code())
    assert response.status_code == 429 and "Too many attempts" in response.text
    assert not signed_in(other)
    assert events(app, "sign_in_failed")[-1].data["reason"] == "limited"


def test_a_right_code_does_not_count_against_the_limit(app, client, phone):
    app.config["RATELIMIT_TWO_FACTOR"] = "2 per minute"
    password_step(client)
    assert code_step(client, "000000").status_code == 200
    assert code_step(client, phone.code()).status_code == 302
    client.post("/logout")
    password_step(client)
    assert code_step(client, "000000").status_code == 200  # the second failure: allowed


def remembered(client, phone, code: str):
    password_step(client)
    response = code_step(client, code, remember_device="y")
    assert response.status_code == 302
    client.post("/logout")
    return response


def test_a_remembered_device_skips_the_code_for_thirty_days(app, client, phone):
    response = remembered(client, phone, phone.code())
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if "two_factor_device" in h)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert f"Max-Age={30 * 86400}" in cookie

    response = password_step(client)
    assert response.headers["Location"] == "/"
    assert signed_in(client)
    assert events(app, "signed_in")[-1].data == {
        "method": "password",
        "second_factor": "remembered_device",
    }


def test_a_changed_password_forgets_remembered_devices(app, client, phone):
    remembered(client, phone, phone.code())
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EMAIL))
        accounts.change_password(user, PASSWORD, PASSWORD + "-2", now=NOW, method="pbkdf2:sha256:1")
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD + "-2"})
    assert response.headers["Location"] == "/login/code"


def test_a_remembered_device_is_remembered_for_its_account_only(app, client, phone, build):
    def other(f):
        user = f.user("coordinator", email="other@example.org", language="en")
        db.session.commit()
        return two_factor.enrol(user, secret_key=app.config["SECRET_KEY"], now=NOW)

    build(other)
    remembered(client, phone, phone.code())
    assert password_step(client, "other@example.org").headers["Location"] == "/login/code"


def test_a_device_is_not_remembered_unless_asked_or_when_switched_off(app, client, phone):
    password_step(client)
    response = code_step(client, phone.code())
    assert "two_factor_device" not in " ".join(response.headers.getlist("Set-Cookie"))
    client.post("/logout")

    app.config["TWO_FACTOR_REMEMBER_DAYS"] = 0
    password_step(client)
    page = client.get("/login/code").text
    assert "Do not ask again" not in page
    response = code_step(client, phone.code(steps=1), remember_device="y")
    assert "two_factor_device" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_a_remembered_cookie_is_ignored_once_the_setting_is_off(app, client, phone):
    remembered(client, phone, phone.code())
    app.config["TWO_FACTOR_REMEMBER_DAYS"] = 0
    assert password_step(client).headers["Location"] == "/login/code"


def test_users_without_two_factor_sign_in_as_before(app, client, build):
    build(lambda f: f.user("viewer", email="ld@example.org"))
    response = password_step(client, "ld@example.org")
    assert response.headers["Location"] == "/"
    [event] = events(app, "signed_in")
    assert event.data is None
