"""In demo mode the sign-in page lists the demo's accounts and their password, so a first
visitor can try each role; never outside demo mode, nor accounts the database lacks."""

from __future__ import annotations

import pytest
from support.people import office


@pytest.fixture
def world(build):
    def make_world(make):
        office(make, "admin")  # admin@example.org: the demo's administrator too
        make.user("coordinator", email="dieuphoi1@example.org", active=False)

    build(make_world)


def test_demo_mode_lists_the_accounts_that_exist_with_the_password(app, client, world):
    app.config["DEMO_SIGN_IN_HELP"] = True
    page = client.get("/login").get_data(as_text=True)
    assert 'data-testid="demo-accounts"' in page
    assert "admin@example.org" in page and app.config["DEMO_PASSWORD"] in page
    assert "dieuphoi1@example.org" not in page  # switched off: it cannot sign in
    assert "lanhdao@example.org" not in page  # not in this database
    # The pattern of the focal points' addresses reads as text, not as an HTML tag.
    assert "dm.&lt;tên-đơn-vị&gt;@example.org, ví dụ dm.ha-noi@example.org" in page


def test_outside_demo_mode_nothing_is_listed(app, client, world):
    app.config["DEMO_SIGN_IN_HELP"] = False
    page = client.get("/login").get_data(as_text=True)
    assert "demo-accounts" not in page and app.config["DEMO_PASSWORD"] not in page


def test_a_database_without_the_demo_shows_no_list(app, client, build):
    app.config["DEMO_SIGN_IN_HELP"] = True
    build(lambda make: make.user("admin", email="quantri@bo.gov.vn"))
    assert "demo-accounts" not in client.get("/login").get_data(as_text=True)


def test_the_demo_turns_the_list_on(monkeypatch):
    from tracker.app import create_app

    monkeypatch.setenv("TRACKER_DEMO", "1")
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["DEMO_SIGN_IN_HELP"]
    monkeypatch.setenv("TRACKER_DEMO", "0")
    assert not create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["DEMO_SIGN_IN_HELP"]
