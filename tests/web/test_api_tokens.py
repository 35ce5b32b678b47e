"""Personal access tokens in My account: made with a name, permissions and a lifetime, the
secret shown once and only its hash kept, listed with the last use, revoked; a token
authenticates until it expires or is revoked, or its user is deactivated."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from support.people import office
from support.units import lao_cai_province

from tracker import clock
from tracker.extensions import db
from tracker.models import ApiToken, Event
from tracker.services import api_tokens

FOCAL_POINT = "dm@example.org"


@pytest.fixture
def world(build):
    def make_world(make):
        office(make, "admin", "coordinator")
        unit = lao_cai_province(make)
        make.user("focal_point", email=FOCAL_POINT, unit_id=unit.id, language="en")

    return build(make_world)


def _create(client, **fields):
    return client.post(
        "/account/tokens", data={"name": "Hệ thống báo cáo tỉnh", "days": "90"} | fields
    )


def _secret(page: str) -> str:
    return re.search(r'value="(trk_[^"]+)"', page).group(1)


def test_a_token_is_shown_once_and_only_its_hash_is_kept(app, client, login, world):
    login(FOCAL_POINT)
    made = _create(client, write="y")
    assert made.status_code == 201
    secret = _secret(made.get_data(as_text=True))
    assert made.headers["Cache-Control"] == "no-store"

    listing = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in listing
    assert secret[:10] in listing and "Hệ thống báo cáo tỉnh" in listing
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.scope_list == ["read", "write"]
        assert secret not in (token.token_hash, token.prefix)
        assert token.expires_at - token.created_at == timedelta(days=90)
        kinds = [e.kind for e in db.session.scalars(select(Event))]
        assert "api_token_created" in kinds


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "   "}, "Give the token a name."),
        ({"days": "1000"}, "Not a valid choice"),
        ({"admin": "y"}, "You cannot give a token that permission."),
        ({"name": "x" * 101}, "At most 100 characters."),
    ],
)
def test_bad_requests_make_no_token(app, client, login, world, fields, message):
    login(FOCAL_POINT)  # a focal point may not give the admin permission
    answer = _create(client, **fields)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_an_administrator_may_give_the_admin_permission(app, client, login, world):
    login("admin@example.org")
    assert _create(client, write="y", admin="y").status_code == 201
    with app.app_context():
        assert db.session.scalar(select(ApiToken.scopes)) == "read,write,admin"


def test_a_token_authenticates_until_revoked_and_notes_its_last_use(app, client, login, world):
    login(FOCAL_POINT)
    secret = _secret(_create(client).get_data(as_text=True))
    with app.app_context():
        found = api_tokens.authenticate(secret, now=clock.now(), ip="203.0.113.7")
        assert found is not None and found.user.email == FOCAL_POINT
        assert found.scope_list == ["read"]
        token_id = found.id
    assert "203.0.113.7" in client.get("/account/tokens").get_data(as_text=True)

    revoked = client.post(f"/account/tokens/{token_id}/revoke", follow_redirects=True)
    assert "no longer opens anything" in revoked.get_data(as_text=True)
    with app.app_context():
        assert api_tokens.authenticate(secret, now=clock.now(), ip="203.0.113.7") is None
        assert "api_token_revoked" in [e.kind for e in db.session.scalars(select(Event))]


def test_nobody_revokes_another_users_token(app, client, login, world):
    login(FOCAL_POINT)
    secret = _secret(_create(client).get_data(as_text=True))
    client.post("/logout")
    login("admin@example.org")
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    client.post(f"/account/tokens/{token_id}/revoke")
    with app.app_context():
        assert db.session.scalar(select(ApiToken.revoked_at)) is None
        assert api_tokens.authenticate(secret, now=clock.now(), ip="") is not None


@pytest.mark.parametrize(
    "secret_of",
    [
        lambda s: s + "x",
        lambda s: s.replace("trk_", "xyz_"),
        lambda s: "trk_" + "A" * 500,
        lambda s: "",
    ],
    ids=["altered", "wrong-prefix", "too-long", "empty"],
)
def test_anything_but_the_exact_secret_authenticates_nothing(app, client, login, world, secret_of):
    login(FOCAL_POINT)
    secret = _secret(_create(client).get_data(as_text=True))
    with app.app_context():
        assert api_tokens.authenticate(secret_of(secret), now=clock.now(), ip="") is None


def test_an_expired_token_or_a_deactivated_user_authenticates_nothing(app, client, login, world):
    login(FOCAL_POINT)
    secret = _secret(_create(client, days="30").get_data(as_text=True))
    with app.app_context():
        later = clock.now() + timedelta(days=30)
        assert api_tokens.authenticate(secret, now=later - timedelta(minutes=1), ip="") is not None
        assert api_tokens.authenticate(secret, now=later, ip="") is None
        token = db.session.scalar(select(ApiToken))
        token.user.active = False
        db.session.commit()
        assert api_tokens.authenticate(secret, now=clock.now(), ip="") is None
