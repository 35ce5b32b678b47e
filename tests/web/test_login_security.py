"""Sign-in hardening: throttling, cookie flags, HTTPS, proxies, and sessions that end."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from support.people import office

from tracker.app import create_app
from tracker.extensions import db
from tracker.models import Event, User
from tracker.services import accounts, known_devices
from tracker.services.admin import users as admin_users

BAD = {"email": "fp@example.org", "password": "wrong-password"}
GOOD = {"email": "fp@example.org", "password": "secret-pass"}
NOW = datetime(2024, 7, 1, 3, tzinfo=UTC)


@pytest.fixture
def people(build):
    def setup(make):
        (admin,) = office(make, "admin", language="en")
        user = make.user("focal_point", email="fp@example.org", language="en")
        return admin.id, user.id

    return build(setup)


def _set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def _app_like(app, **overrides):
    """Return another app on the same database, with some settings changed."""
    keys = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED", "TODAY")
    return create_app({**{k: app.config[k] for k in keys}, **overrides})


def test_the_eleventh_failed_sign_in_within_a_minute_is_refused(client, people):
    client.post("/language/en")
    for attempt in range(10):
        assert client.post("/login", data=BAD).status_code == 200, attempt
    response = client.post("/login", data=GOOD)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers


def test_the_limit_follows_the_email_across_addresses(app, people):
    for n in range(10):
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        assert other.post("/login", data=BAD).status_code == 200
    fresh = app.test_client()
    fresh.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    assert fresh.post("/login", data=BAD).status_code == 429
    assert fresh.post("/login", data={**BAD, "email": "admin@example.org"}).status_code == 200


def test_successful_sign_ins_do_not_count(client, people):
    for _ in range(12):
        assert client.post("/login", data=GOOD).status_code == 302
        client.post("/logout")
    assert client.post("/login", data=BAD).status_code == 200


def test_forgot_password_is_throttled_per_address_and_per_email(app, people):
    def ask(client, email):
        return client.post("/password/forgot", data={"email": email}).status_code

    one, two = app.test_client(), app.test_client()
    one.environ_base["REMOTE_ADDR"], two.environ_base["REMOTE_ADDR"] = "10.0.0.1", "10.0.0.2"
    # Per email: 3 an hour, so nobody is flooded with links.
    assert [ask(one, "x@example.org") for _ in range(4)] == [302, 302, 302, 429]
    assert ask(one, "y@example.org") == 302
    # Per address: 5 a minute, whatever the emails.
    assert [ask(two, f"{n}@example.org") for n in range(6)] == [302] * 5 + [429]


def test_cookies_are_http_only_and_same_site_lax_but_not_secure_over_http(client, people):
    response = client.post("/login", data={**GOOD, "remember": "y"})
    cookies = _set_cookies(response)
    for name in ("session", "remember_token"):
        header = cookies[name]
        assert "HttpOnly" in header and "SameSite=Lax" in header, header
        assert "Secure" not in header
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("setting", [{"PREFERRED_URL_SCHEME": "https"}, {"HTTPS": True}])
def test_https_makes_cookies_secure_and_sends_hsts(app, people, setting):
    secure = _app_like(app, **setting)
    assert secure.config["SESSION_COOKIE_SECURE"] and secure.config["REMEMBER_COOKIE_SECURE"]
    client = secure.test_client()
    response = client.post(
        "/login", data={**GOOD, "remember": "y"}, base_url="https://tracker.example.vn"
    )
    cookies = _set_cookies(response)
    for name in ("session", "remember_token"):
        assert "Secure" in cookies[name] and "HttpOnly" in cookies[name]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with secure.app_context():
        db.engine.dispose()


def test_forwarded_headers_are_trusted_only_behind_a_proxy(app, people):
    proxied = _app_like(app, BEHIND_PROXY=True)
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    response = proxied.test_client().get("/login", headers=headers)
    assert "Strict-Transport-Security" in response.headers
    assert (
        "Strict-Transport-Security" not in app.test_client().get("/login", headers=headers).headers
    )
    # Directly exposed, a forged X-Forwarded-For does not escape the limit.
    direct = app.test_client()
    for n in range(10):
        direct.post(
            "/login",
            data={**BAD, "email": f"u{n}@example.org"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
    assert direct.post("/login", data={**BAD, "email": "v@example.org"}).status_code == 429
    with proxied.app_context():
        db.engine.dispose()


def test_a_deactivated_users_session_ends_on_the_next_request(app, client, people):
    admin_id, user_id = people
    client.post("/login", data={**GOOD, "remember": "y"})
    assert client.get("/").status_code == 200
    with app.app_context():
        admin = db.session.get(User, admin_id)
        admin_users.set_user_active(admin, NOW, user_id, False)
    assert client.get("/").status_code == 302
    client.delete_cookie("session")  # nor does "keep me signed in" bring it back
    assert client.get("/").status_code == 302
    assert client.post("/login", data=GOOD).status_code == 200


def test_a_password_change_signs_out_other_sessions_and_remember_cookies(app, people, settings):
    _admin_id, user_id = people
    with_session, with_remember_only = app.test_client(), app.test_client()
    with_session.post("/login", data=GOOD)
    with_remember_only.post("/login", data={**GOOD, "remember": "y"})
    with_remember_only.delete_cookie("session")
    for client in (with_session, with_remember_only):
        assert client.get("/").status_code == 200
    with_remember_only.delete_cookie("session")
    with app.app_context():
        user = db.session.get(User, user_id)
        accounts.change_password(
            user, "secret-pass", "a new long secret", now=NOW, method=settings.password_method
        )
    for client in (with_session, with_remember_only):
        assert client.get("/").status_code == 302


def test_the_owner_signs_in_from_a_known_browser_when_guesses_have_locked_the_account(app, people):
    """The account's limit holds against guesses from elsewhere; a browser its owner
    signed in from before is not held by it (the address's own limit still holds)."""
    proxied = _app_like(app, BEHIND_PROXY=True)
    owner = proxied.test_client()
    home = {"X-Forwarded-For": "198.51.100.7"}
    assert owner.post("/login", data=GOOD, headers=home).status_code == 302
    owner.post("/logout", headers=home)
    assert owner.get_cookie("tracker_known_device") is not None

    attacker = proxied.test_client()
    for n in range(10):  # guesses from ten addresses: only the account's limit is reached
        answer = attacker.post("/login", data=BAD, headers={"X-Forwarded-For": f"203.0.113.{n}"})
        assert answer.status_code == 200
    elsewhere = {"X-Forwarded-For": "203.0.113.99"}
    assert attacker.post("/login", data=GOOD, headers=elsewhere).status_code == 429

    assert owner.post("/login", data=GOOD, headers=home).status_code == 302
    with proxied.app_context():
        refused = db.session.query(Event).filter_by(kind="sign_in_failed").all()
        assert sorted({e.data["reason"] for e in refused}) == ["limited", "wrong_password"]
        assert {e.data["email"] for e in refused} == {"fp@example.org"}
        assert {e.data["ip"] for e in refused} >= {"203.0.113.0", "203.0.113.99"}
        assert not any("wrong-password" in str(e.data) for e in refused)


def test_a_changed_password_makes_the_known_browser_a_stranger(app, people):
    owner = app.test_client()
    assert owner.post("/login", data=GOOD).status_code == 302
    cookie = owner.get_cookie("tracker_known_device").value
    key = app.config["SECRET_KEY"]
    with app.app_context():
        assert known_devices.recognises(cookie, "fp@example.org", key)
        assert not known_devices.recognises(cookie, "admin@example.org", key)
        assert not known_devices.recognises(cookie + "x", "fp@example.org", key)
        user = db.session.query(User).filter_by(email="fp@example.org").one()
        user.session_token = accounts.new_session_token()  # what a new password does
        db.session.commit()
        assert not known_devices.recognises(cookie, "fp@example.org", key)


def test_forgot_password_answers_in_the_same_time_for_any_address(app, people):
    """Known or unknown, the answer comes after the configured time: the work it hides
    (finding the account, queuing the email) takes a few milliseconds either way."""
    import statistics
    import time

    from tracker.extensions import limiter

    app.config["PASSWORD_FORGOT_SECONDS"] = 0.2
    # Ten requests for one address go past its limit (the app fixture turns it back on).
    limiter.enabled = False
    client = app.test_client()

    def took(email: str) -> float:
        started = time.perf_counter()
        assert client.post("/password/forgot", data={"email": email}).status_code == 302
        return time.perf_counter() - started

    known = [took("fp@example.org") for _ in range(5)]
    unknown = [took(f"nobody{n}@example.org") for n in range(5)]
    assert min(known + unknown) >= 0.2
    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.03
