"""Single sign-on settings: TRACKER_OIDC_* environment variables, and the configurations
refused at start."""

from __future__ import annotations

import pytest

from tracker import config

GOOD = {
    "OIDC_ISSUER": "https://id.example.gov.vn/realms/tracker",
    "OIDC_CLIENT_ID": "tracker",
    "OIDC_CLIENT_SECRET": "s3cret",
}


def _validated(**settings) -> dict:
    values = {**config.DEFAULTS, "SQLALCHEMY_DATABASE_URI": "sqlite://", **settings}
    config.validate(values)
    return values


def test_single_sign_on_is_off_by_default_and_needs_nothing():
    _validated()


def test_a_complete_configuration_is_accepted():
    _validated(**GOOD, OIDC_ROLE_GROUPS="admin=tracker-admins,coordinator=tracker-coordinators")
    local = {**GOOD, "OIDC_ISSUER": "http://127.0.0.1:8080", "OIDC_LOCAL_PASSWORDS": "everyone"}
    _validated(**local)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"OIDC_ISSUER": "http://id.example.gov.vn"}, "https"),
        ({"OIDC_CLIENT_ID": None}, "OIDC_CLIENT_ID"),
        ({"OIDC_SCOPES": "email profile"}, "openid"),
        ({"OIDC_LOCAL_PASSWORDS": "nobody"}, "OIDC_LOCAL_PASSWORDS"),
        ({"OIDC_ROLE_GROUPS": "focal_point=units"}, "OIDC_ROLE_GROUPS"),
        ({"OIDC_ROLE_GROUPS": "admin"}, "OIDC_ROLE_GROUPS"),
        ({"OIDC_CLOCK_LEEWAY": -1}, "OIDC_CLOCK_LEEWAY"),
        ({"OIDC_EMAIL_CLAIM": ""}, "OIDC_EMAIL_CLAIM"),
    ],
)
def test_unworkable_or_unsafe_configurations_are_refused(settings, message):
    with pytest.raises(RuntimeError, match=message):
        _validated(**{**GOOD, **settings})


def test_environment_variables_fill_the_oidc_settings(monkeypatch, tmp_path):
    from tracker.app import create_app

    monkeypatch.setenv("TRACKER_OIDC_ISSUER", GOOD["OIDC_ISSUER"])
    monkeypatch.setenv("TRACKER_OIDC_CLIENT_ID", "tracker")
    monkeypatch.setenv("TRACKER_OIDC_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("TRACKER_OIDC_CLOCK_LEEWAY", "0")
    monkeypatch.setenv("TRACKER_OIDC_ROLE_GROUPS", "admin=tracker-admins")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/c.sqlite3"})
    assert app.config["OIDC_ISSUER"] == GOOD["OIDC_ISSUER"]
    assert app.config["OIDC_CLOCK_LEEWAY"] == 0
    assert app.config["OIDC_ROLE_GROUPS"] == "admin=tracker-admins"
    assert app.config["OIDC_LOCAL_PASSWORDS"] == "admins"
