"""Single sign-on through a real OpenID provider (oidc-provider, run by node), driven
through the test client on both backends: who is signed in, who is refused and why, what
the audit log keeps, and who may still use a password."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support import oidc

from tracker.extensions import db
from tracker.models import Event, User, UserSession

CALLBACK = "http://localhost/sso/callback"
ACCOUNTS = {
    "alice": {"email": "Alice@Example.org", "email_verified": True, "name": "Alice"},
    "boss": {"email": "boss@example.org", "email_verified": True, "groups": ["tracker-admins"]},
    "carol": {"email": "carol@example.org", "groups": ["staff", "tracker-coordinators"]},
    "dave": {"email": "dave@example.org", "email_verified": True, "groups": []},
    "nobody": {"email": "nobody@example.org", "email_verified": True},
    "unverified": {"email": "alice@example.org", "email_verified": False},
    "gone": {"email": "gone@example.org", "email_verified": True},
}
ROLE_GROUPS = "admin=tracker-admins,coordinator=tracker-coordinators|tracker-office"


@pytest.fixture(scope="module")
def provider():
    with oidc.provider([CALLBACK], ACCOUNTS) as running:
        yield running


@pytest.fixture
def people(build):
    def make(f):
        f.user("coordinator", email="alice@example.org")
        f.user("viewer", email="boss@example.org")
        f.user("viewer", email="carol@example.org")
        f.user("admin", email="dave@example.org")
        f.user("coordinator", email="gone@example.org", active=False)
        f.user("admin", email="root@example.org")

    build(make)


@pytest.fixture
def sso_app(app, provider, people):
    app.config.update(provider.config())
    return app


def through_provider(client, login: str, *, next_url: str | None = None):
    """Start single sign-on, sign in at the provider as ``login``, come back; return our
    final answer (redirects followed)."""
    start = client.get("/sso/login" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.text
    location = start.headers["Location"]
    assert "code_challenge_method=S256" in location and "nonce=" in location
    assert "state=" in location
    back = oidc.walk(location, login)
    assert back.startswith(CALLBACK), back
    return client.get(back.removeprefix("http://localhost"), follow_redirects=True)


def signed_in_as(client) -> str | None:
    page = client.get("/account")
    if page.status_code != 200:
        return None
    return page.text


def events(app, kind: str) -> list[Event]:
    with app.app_context():
        return list(db.session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def user(app, email: str) -> User:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def test_a_known_email_signs_in_with_a_server_side_session_recorded_as_sso(sso_app, client):
    page = through_provider(client, "alice", next_url="/tasks/")
    assert page.request.path == "/tasks/"
    assert "alice@example.org" in signed_in_as(client)
    with sso_app.app_context():
        alice = db.session.scalar(select(User).where(User.email == "alice@example.org"))
        assert alice.role == "coordinator"  # no group mapping configured: unchanged
        assert alice.last_login_at is not None
        sessions = db.session.scalars(select(UserSession).where(UserSession.user_id == alice.id))
        assert len(list(sessions)) == 1
    [signed] = events(sso_app, "signed_in")
    assert signed.data == {"method": "sso"}
    # Signing out ends it as it ends a password session.
    client.post("/logout")
    assert signed_in_as(client) is None


def test_only_the_session_a_single_sign_on_started_counts_as_one(sso_app, client):
    from tracker.views.sso import started_by_sso

    through_provider(client, "alice")
    with client:
        client.get("/account")
        assert started_by_sso()
    client.post("/logout")
    client.post("/login", data={"email": "root@example.org", "password": "secret-pass"})
    with client:
        assert client.get("/account").status_code == 200
        assert not started_by_sso()  # a password session in the same browser


def test_a_single_sign_on_is_not_asked_for_the_trackers_own_second_factor(sso_app, client):
    """The provider does its own multi-factor authentication: a role the policy covers is
    not sent to set up an app, and an app set up is not asked for, after a single sign-on;
    a password sign-in (the break-glass administrator) in the same browser still is."""
    from support import two_factor
    from support.today import NOW

    sso_app.config["TWO_FACTOR_ROLES"] = ("admin", "coordinator")
    page = through_provider(client, "alice", next_url="/tasks/")  # a coordinator, no app
    assert page.request.path == "/tasks/" and page.status_code == 200
    client.post("/logout")
    with sso_app.app_context():
        alice = db.session.scalar(select(User).where(User.email == "alice@example.org"))
        two_factor.enrol(alice, secret_key=sso_app.config["SECRET_KEY"], now=NOW)
    page = through_provider(client, "alice", next_url="/tasks/")  # with one
    assert page.request.path == "/tasks/" and page.status_code == 200
    assert events(sso_app, "signed_in")[-1].data == {"method": "sso"}
    client.post("/logout")

    client.post("/login", data={"email": "root@example.org", "password": "secret-pass"})
    assert client.get("/tasks/").headers["Location"] == "/account/two-factor"


def test_the_sign_in_page_offers_the_provider_and_keeps_passwords_for_admins(sso_app, client):
    page = client.get("/login")
    assert "Sign in with Test ID" in page.text and 'href="/sso/login"' in page.text
    refused = client.post("/login", data={"email": "alice@example.org", "password": "secret-pass"})
    assert refused.status_code == 200 and signed_in_as(client) is None
    assert user(sso_app, "alice@example.org").last_login_at is None
    admin = client.post("/login", data={"email": "root@example.org", "password": "secret-pass"})
    assert admin.status_code == 302 and signed_in_as(client) is not None


def test_everyone_keeps_passwords_when_configured(sso_app, client):
    sso_app.config["OIDC_LOCAL_PASSWORDS"] = "everyone"
    answer = client.post("/login", data={"email": "alice@example.org", "password": "secret-pass"})
    assert answer.status_code == 302


def test_without_sso_configured_there_is_no_button_and_no_route(app, client, people):
    assert "/sso/login" not in client.get("/login").text
    assert client.get("/sso/login").status_code == 404
    assert client.get("/sso/callback?code=x&state=y").status_code == 404
    answer = client.post("/login", data={"email": "alice@example.org", "password": "secret-pass"})
    assert answer.status_code == 302


def test_an_unknown_email_is_refused_and_no_account_is_created(sso_app, client):
    with sso_app.app_context():
        before = db.session.scalar(select(db.func.count(User.id)))
    page = through_provider(client, "nobody")
    assert page.request.path == "/login"
    assert "There is no account for nobody@example.org" in page.text
    assert signed_in_as(client) is None
    with sso_app.app_context():
        assert db.session.scalar(select(db.func.count(User.id))) == before
        assert not list(db.session.scalars(select(UserSession)))
    [failed] = events(sso_app, "sign_in_failed")
    assert failed.data["reason"] == "unknown_email" and failed.data["method"] == "sso"
    assert failed.actor_id is None and not events(sso_app, "signed_in")


@pytest.fixture
def client(app):
    """A test client whose pages are in English (the default language is Vietnamese)."""
    test_client = app.test_client()
    test_client.post("/language/en")
    return test_client


def test_a_deactivated_account_is_refused(sso_app, client):
    page = through_provider(client, "gone")
    assert "This account has been deactivated" in page.text
    assert signed_in_as(client) is None
    [failed] = events(sso_app, "sign_in_failed")
    assert failed.data["reason"] == "deactivated"
    assert failed.actor_id == user(sso_app, "gone@example.org").id


def test_an_email_the_provider_has_not_verified_is_refused(sso_app, client):
    page = through_provider(client, "unverified")
    assert "has not verified your email address" in page.text
    assert signed_in_as(client) is None
    assert events(sso_app, "sign_in_failed")[0].data["reason"] == "email_not_verified"


def test_an_id_token_issued_for_another_client_is_refused(sso_app, client, provider):
    sso_app.config.update(provider.config("tracker-mixed-up"))
    page = through_provider(client, "alice")
    assert "did not succeed" in page.text
    assert signed_in_as(client) is None
    [failed] = events(sso_app, "sign_in_failed")
    assert failed.data["reason"] == "invalid_response"
    assert "aud" in failed.data["detail"], failed.data
    assert user(sso_app, "alice@example.org").last_login_at is None


def test_an_expired_id_token_is_refused(app, client, people):
    # The provider's clock runs ten minutes behind ours: its ID tokens, valid for one
    # minute, have expired nine minutes before we read them (beyond the leeway).
    with oidc.provider([CALLBACK], ACCOUNTS, clock_offset_seconds=-600, id_token_ttl=60) as p:
        app.config.update(p.config(OIDC_CLOCK_LEEWAY=60))
        page = through_provider(client, "alice")
    assert "did not succeed" in page.text
    assert signed_in_as(client) is None
    [failed] = events(app, "sign_in_failed")
    assert "ExpiredTokenError" in failed.data["detail"], failed.data


def test_a_provider_clock_within_the_leeway_is_accepted(app, client, people):
    with oidc.provider([CALLBACK], ACCOUNTS, clock_offset_seconds=-30, id_token_ttl=10) as p:
        app.config.update(p.config(OIDC_CLOCK_LEEWAY=60))
        through_provider(client, "alice")
    assert signed_in_as(client) is not None


def test_provider_groups_give_roles_and_take_them_back(sso_app, client):
    sso_app.config["OIDC_ROLE_GROUPS"] = ROLE_GROUPS
    through_provider(client, "boss")
    assert user(sso_app, "boss@example.org").role == "admin"
    assert client.get("/admin/users").status_code == 200
    client.post("/logout")

    through_provider(client, "carol")  # groups as a list, one of them mapped
    assert user(sso_app, "carol@example.org").role == "coordinator"
    client.post("/logout")

    through_provider(client, "dave")  # an admin no longer in the admins' group
    assert user(sso_app, "dave@example.org").role == "viewer"
    assert client.get("/admin/users").status_code == 403
    client.post("/logout")

    through_provider(client, "alice")  # no groups claim: the role stays
    assert user(sso_app, "alice@example.org").role == "coordinator"
    changes = [e.data for e in events(sso_app, "user_updated")]
    assert {"role": ["viewer", "admin"], "method": "sso"} in changes
    assert {"role": ["admin", "viewer"], "method": "sso"} in changes


def test_a_state_that_is_not_ours_is_refused(sso_app, client):
    client.get("/sso/login")
    answer = client.get("/sso/callback?code=made-up&state=forged", follow_redirects=True)
    assert answer.request.path == "/login" and "did not succeed" in answer.text
    assert signed_in_as(client) is None
    assert events(sso_app, "sign_in_failed")[0].data["reason"] == "invalid_response"


def test_cancelling_at_the_provider_is_recorded(sso_app, client):
    answer = client.get("/sso/callback?error=access_denied&state=x", follow_redirects=True)
    assert "was cancelled" in answer.text
    assert events(sso_app, "sign_in_failed")[0].data["reason"] == "cancelled"


def test_a_provider_that_cannot_be_reached_gets_a_message(app, client, people):
    app.config.update(oidc.Provider("http://127.0.0.1:9").config())
    answer = client.get("/sso/login", follow_redirects=True)
    assert answer.request.path == "/login" and "cannot be reached" in answer.text
    assert events(app, "sign_in_failed")[0].data["reason"] == "unavailable"
