"""My account → Two-factor sign-in, the policy that makes some roles use it, and an
administrator's reset, through the test client on both backends."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import func, select
from support import two_factor
from support.people import office
from support.today import NOW

from tracker.extensions import db
from tracker.models import Event, RecoveryCode, TwoFactor, User, UserSession

EMAIL = "dp@example.org"
PASSWORD = "secret-pass"


@pytest.fixture
def people(build):
    def make(f):
        office(f, "admin", "coordinator", language="en")
        f.user("viewer", email="ld@example.org", language="en")

    build(make)


@pytest.fixture
def phone(app, build, people):
    """The coordinator's authenticator app."""

    def make(_f):
        user = db.session.scalar(select(User).where(User.email == EMAIL))
        return two_factor.enrol(user, secret_key=app.config["SECRET_KEY"], now=NOW)

    return build(make)


def sign_in(client, email: str = EMAIL, code: str | None = None):
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    if code is not None:
        assert client.post("/login/code", data={"code": code}).status_code == 302
    return client


def events(app, kind: str) -> list[Event]:
    with app.app_context():
        return list(db.session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def row(app, email: str = EMAIL) -> TwoFactor | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return db.session.get(TwoFactor, user.id)


def live_sessions(app, email: str = EMAIL) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(UserSession)
            .join(User, User.id == UserSession.user_id)
            .where(User.email == email, UserSession.ended_at.is_(None))
            .where(UserSession.generation == User.session_token)
        )


def set_up_through_the_pages(client) -> tuple[str, list[str]]:
    """Set up an app on the pages as a person would: read the key, type its code."""
    assert client.post("/account/two-factor/start").headers["Location"].endswith("/setup")
    page = client.get("/account/two-factor/setup").text
    secret = re.search(r'data-testid="secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    response = client.post("/account/two-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, response.text
    codes = re.findall(r"\b[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}\b", response.text)
    return secret, codes


def test_setting_up_shows_a_qr_code_and_the_key_then_recovery_codes_once(app, client, people):
    sign_in(client)
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "Set up two-factor sign-in" in page.text
    client.post("/account/two-factor/start")
    setup = client.get("/account/two-factor/setup").text
    assert "<svg" in setup and 'data-testid="qr-code"' in setup
    assert row(app).secret is None  # not on until a first code from it

    other = sign_in(app.test_client())  # another browser, signed in before
    secret, codes = set_up_through_the_pages(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = row(app)
    assert stored.secret is not None and stored.pending_secret is None
    assert secret not in stored.secret  # sealed, not kept as typed into apps
    with app.app_context():
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(hashes) == 10 and not set(codes) & set(hashes)
    [enabled] = events(app, "two_factor_enabled")
    assert enabled.data == {"codes_left": 10}
    # The sessions that began without the code end; this one goes on.
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 200
    # Neither the key nor the codes are shown again.
    assert client.get("/account/two-factor/setup").headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor").text
    assert secret not in page and codes[0] not in page
    assert 'data-testid="codes-left">10<' in page


def test_the_recovery_codes_page_is_kept_out_of_caches(client, people):
    sign_in(client)
    client.post("/account/two-factor/start")
    page = client.get("/account/two-factor/setup").text
    secret = re.search(r'data-testid="secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    response = client.post("/account/two-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Cache-Control"] == "no-store"


def test_a_wrong_first_code_changes_nothing(app, client, people):
    sign_in(client)
    client.post("/account/two-factor/start")
    for code in ("123456", "abc", "12345678"):
        response = client.post("/account/two-factor/setup", data={"code": code})
        assert response.status_code == 422
    assert "does not match" in response.text or "6-digit" in response.text
    assert row(app).secret is None and events(app, "two_factor_enabled") == []


def test_moving_to_another_app_keeps_the_old_one_until_the_new_one_is_confirmed(app, client, phone):
    sign_in(client, code=phone.code())
    client.post("/account/two-factor/start")
    assert row(app).secret is not None  # the old app still works meanwhile
    secret, _codes = set_up_through_the_pages(client)
    assert [e.kind for e in events(app, "two_factor_replaced")] == ["two_factor_replaced"]
    client.post("/logout")
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    old = client.post("/login/code", data={"code": phone.code(steps=1)})
    assert old.status_code == 200  # the old app's code is refused now
    new = client.post("/login/code", data={"code": pyotp.TOTP(secret).at(time.time() + 30)})
    assert new.status_code == 302


def test_turning_off_asks_for_the_password_or_a_code(app, client, phone):
    sign_in(client, code=phone.code())
    response = client.post("/account/two-factor/disable", data={"disable-proof": "nope"})
    assert response.status_code == 422 and "Enter your password or a current code" in response.text
    assert row(app).secret is not None
    response = client.post("/account/two-factor/disable", data={"disable-proof": PASSWORD})
    assert response.status_code == 302
    assert row(app) is None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert len(events(app, "two_factor_disabled")) == 1
    client.post("/logout")
    assert sign_in(client).get("/").status_code == 200  # the password alone again


def test_turning_off_with_a_code_uses_it_up(app, client, phone):
    sign_in(client, code=phone.code())
    code = phone.code(steps=1)
    response = client.post("/account/two-factor/disable", data={"disable-proof": code})
    assert response.status_code == 302 and row(app) is None


def test_turning_off_is_refused_when_the_role_requires_it(app, client, phone):
    app.config["TWO_FACTOR_ROLES"] = ("coordinator",)
    sign_in(client, code=phone.code())
    assert "cannot be turned off" in client.get("/account/two-factor").text
    response = client.post("/account/two-factor/disable", data={"disable-proof": PASSWORD})
    assert response.status_code == 422 and "cannot be turned off" in response.text
    assert row(app).secret is not None and events(app, "two_factor_disabled") == []


def test_new_recovery_codes_void_the_old_ones(app, client, phone):
    sign_in(client, code=phone.code())
    refused = client.post("/account/two-factor/recovery-codes", data={"codes-proof": "x" * 12})
    assert refused.status_code == 422
    response = client.post("/account/two-factor/recovery-codes", data={"codes-proof": PASSWORD})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"\b[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}\b", response.text)
    assert len(codes) == 10 and not set(codes) & set(phone.recovery_codes)
    assert len(events(app, "recovery_codes_generated")) == 1
    client.post("/logout")
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert client.post("/login/code", data={"code": phone.recovery_codes[0]}).status_code == 200
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 302


def test_guessing_codes_on_the_account_page_is_limited(app, client, phone):
    app.config["RATELIMIT_TWO_FACTOR"] = "2 per minute"
    sign_in(client, code=phone.code())
    for _ in range(2):
        response = client.post("/account/two-factor/disable", data={"disable-proof": "000000"})
        assert response.status_code == 422
    response = client.post("/account/two-factor/disable", data={"disable-proof": PASSWORD})
    assert response.status_code == 429 and row(app).secret is not None


# --- The policy ---------------------------------------------------------------------------


def test_a_required_role_without_an_app_can_do_nothing_but_set_it_up(app, client, people):
    app.config["TWO_FACTOR_ROLES"] = ("admin", "coordinator")
    sign_in(client)
    for page in ("/", "/tasks/", "/account", "/reports/"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.headers["Location"] == "/account/two-factor", page
    page = client.get("/account/two-factor").text
    assert "Your role must use two-factor sign-in" in page
    assert 'href="/tasks/"' not in page  # no menu of pages that would not open
    set_up_through_the_pages(client)
    assert 'href="/tasks/"' in client.get("/tasks/").text


def test_the_required_set_up_still_lets_one_sign_out_and_change_language(app, client, people):
    app.config["TWO_FACTOR_ROLES"] = ("coordinator",)
    sign_in(client)
    assert client.post("/language/vi", data={"next": "/account/two-factor"}).status_code == 302
    assert client.post("/logout").status_code == 302
    assert client.get("/account/two-factor").headers["Location"].startswith("/login")


def test_roles_outside_the_policy_are_not_made_to(app, client, people):
    app.config["TWO_FACTOR_ROLES"] = ("admin",)
    sign_in(client, "ld@example.org")
    assert client.get("/").status_code == 200


def test_a_policy_turned_on_sends_users_already_signed_in_to_set_it_up(app, client, people):
    sign_in(client)
    assert client.get("/tasks/").status_code == 200
    app.config["TWO_FACTOR_ROLES"] = ("coordinator",)
    assert client.get("/tasks/").headers["Location"] == "/account/two-factor"


def test_the_api_is_not_held_by_the_policy(app, client, people, build):
    from tracker.services import api_tokens

    def token(_f):
        user = db.session.scalar(select(User).where(User.email == EMAIL))
        return api_tokens.create(user, name="e-office", scopes=["read"], days=30, now=NOW)[1]

    secret = build(token)
    app.config["TWO_FACTOR_ROLES"] = ("coordinator",)
    response = client.get("/api/v1/units", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


# --- An administrator's reset -------------------------------------------------------------


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def test_an_administrator_resets_a_lost_app(app, client, phone):
    victim = sign_in(app.test_client(), code=phone.code())
    target = user_id(app, EMAIL)
    sign_in(client, "admin@example.org")
    page = client.get(f"/admin/users/{target}").text
    assert "Reset two-factor sign-in" in page
    response = client.post(f"/admin/users/{target}/two-factor/reset")
    assert response.status_code == 302
    assert "has been reset" in client.get(f"/admin/users/{target}").text
    assert row(app) is None and live_sessions(app) == 0
    assert victim.get("/").status_code == 302  # signed out everywhere
    [reset] = events(app, "two_factor_reset")
    assert reset.actor_id == user_id(app, "admin@example.org")
    assert reset.target == f"user:{target}"
    # The password alone signs in again; with the policy, straight to setting it up.
    app.config["TWO_FACTOR_ROLES"] = ("coordinator",)
    again = sign_in(app.test_client())
    assert again.get("/").headers["Location"] == "/account/two-factor"


def test_an_administrator_cannot_reset_their_own_and_others_cannot_at_all(app, client, phone):
    admin = user_id(app, "admin@example.org")
    sign_in(client, "admin@example.org")
    client.post(f"/admin/users/{admin}/two-factor/reset")
    target = user_id(app, EMAIL)
    coordinator = sign_in(app.test_client(), code=phone.code())
    assert coordinator.post(f"/admin/users/{target}/two-factor/reset").status_code == 403
    assert row(app).secret is not None and events(app, "two_factor_reset") == []


def test_the_audit_log_lists_and_filters_two_factor_events(app, client, phone):
    wrong = app.test_client()
    wrong.post("/language/en")
    wrong.post("/login", data={"email": EMAIL, "password": PASSWORD})
    wrong.post("/login/code", data={"code": "000000"})
    sign_in(client, "admin@example.org")
    page = client.get("/admin/audit?kind=sign_in_failed").text
    assert "Sign-in refused" in page and "Second factor: totp" in page
    assert "Reason: wrong_code" in page
    page = client.get("/admin/audit?kind=two_factor_enabled").text
    assert "Two-factor sign-in turned on" in page and "Recovery codes left: 10" in page
