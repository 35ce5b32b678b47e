"""Configuration layering, refusals of unsafe settings, the clock, CSRF and the CLI entry."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from tracker import clock
from tracker.app import create_app


def _config(tmp_path, **extra):
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/c.sqlite3", **extra}


def test_environment_variables_override_defaults_with_the_right_type(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_PER_PAGE", "20")
    monkeypatch.setenv("TRACKER_MAIL_USE_TLS", "true")
    monkeypatch.setenv("TRACKER_MAIL_SERVER", "smtp.example.org")
    app = create_app(_config(tmp_path))
    assert app.config["PER_PAGE"] == 20
    assert app.config["MAIL_USE_TLS"] is True
    assert app.config["MAIL_SERVER"] == "smtp.example.org"


def test_instance_config_sits_between_defaults_and_environment(monkeypatch, tmp_path):
    (tmp_path / "config.py").write_text('PER_PAGE = 10\nMAIL_SERVER = "from-file"\n')
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TRACKER_MAIL_SERVER", "from-env")
    app = create_app(_config(tmp_path))
    assert app.config["PER_PAGE"] == 10
    assert app.config["MAIL_SERVER"] == "from-env"


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/tracker.sqlite3"


def test_production_refuses_the_development_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(_config(tmp_path, ENV_NAME="production"))
    app = create_app(_config(tmp_path, ENV_NAME="production", SECRET_KEY="x" * 40))
    assert app.config["ENV_NAME"] == "production"


def test_two_factor_sign_in_is_required_of_administrators_and_coordinators_by_default(
    monkeypatch, tmp_path
):
    monkeypatch.delenv("TRACKER_TWO_FACTOR_ROLES", raising=False)
    monkeypatch.delenv("TRACKER_DEMO", raising=False)
    assert create_app(_config(tmp_path)).config["TWO_FACTOR_ROLES"] == ("admin", "coordinator")
    monkeypatch.setenv("TRACKER_TWO_FACTOR_ROLES", "admin, focal_point")
    assert create_app(_config(tmp_path)).config["TWO_FACTOR_ROLES"] == ("admin", "focal_point")
    monkeypatch.setenv("TRACKER_TWO_FACTOR_ROLES", "")
    assert create_app(_config(tmp_path)).config["TWO_FACTOR_ROLES"] == ()


def test_the_demo_requires_no_second_factor_unless_the_deployment_says_so(monkeypatch, tmp_path):
    monkeypatch.delenv("TRACKER_TWO_FACTOR_ROLES", raising=False)
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TRACKER_DEMO", "1")
    app = create_app(_config(tmp_path))
    assert app.config["TWO_FACTOR_ROLES"] == ()
    assert "DEMO" not in app.config
    # instance/config.py sits above the demo's defaults, and the environment above it.
    (tmp_path / "config.py").write_text('TWO_FACTOR_ROLES = "admin"\n')
    assert create_app(_config(tmp_path)).config["TWO_FACTOR_ROLES"] == ("admin",)
    monkeypatch.setenv("TRACKER_TWO_FACTOR_ROLES", "admin,coordinator")
    assert create_app(_config(tmp_path)).config["TWO_FACTOR_ROLES"] == ("admin", "coordinator")


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"TWO_FACTOR_ROLES": ("admin", "coordinater")}, "unknown roles"),
        ({"TWO_FACTOR_REMEMBER_DAYS": -1}, "TWO_FACTOR_REMEMBER_DAYS"),
    ],
)
def test_a_two_factor_setting_that_cannot_work_is_refused(tmp_path, setting, message):
    with pytest.raises(RuntimeError, match=message):
        create_app(_config(tmp_path, **setting))


def test_a_malformed_fixed_date_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="TRACKER_TODAY"):
        create_app(_config(tmp_path, TODAY="01/07/2024"))


def test_the_clock_honours_a_fixed_date_in_the_programme_time_zone(tmp_path):
    app = create_app(_config(tmp_path, TODAY="2024-07-01"))
    with app.app_context():
        assert clock.today() == date(2024, 7, 1)
        assert clock.now().tzinfo is not None
        assert clock.local_date(clock.now()) == date(2024, 7, 1)
        # The end of a due day is 16:59:59 UTC (UTC+7, no daylight saving).
        assert clock.end_of_day(date(2024, 7, 1)).hour == 16


@pytest.mark.parametrize(
    ("path", "form"),
    [("/login", {"email": "a@example.org", "password": "x"}), ("/login/code", {"code": "1"})],
)
def test_forms_without_a_csrf_token_are_refused(tmp_path, path, form):
    app = create_app(_config(tmp_path, WTF_CSRF_ENABLED=True, SECRET_KEY="k"))
    response = app.test_client().post(path, data=form)
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)


def test_the_tracker_command_needs_no_app_option():
    result = subprocess.run(
        [sys.executable, "-c", "from tracker.cli import main; main()", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for command in ("db", "demo", "run", "shell"):
        assert command in result.stdout


def test_without_a_rate_limit_store_the_limits_count_in_the_database(monkeypatch, tmp_path):
    from limits.storage import MemoryStorage

    from tracker.extensions import limiter
    from tracker.ratelimit_storage import DatabaseStorage

    monkeypatch.delenv("TRACKER_RATELIMIT_STORAGE_URI", raising=False)
    assert create_app(_config(tmp_path)).config["RATELIMIT_STORAGE_URI"] == "tracker-db://"
    assert isinstance(limiter.storage, DatabaseStorage)
    monkeypatch.setenv("TRACKER_RATELIMIT_STORAGE_URI", "")  # set but empty: not memory://
    assert create_app(_config(tmp_path)).config["RATELIMIT_STORAGE_URI"] == "tracker-db://"
    monkeypatch.setenv("TRACKER_RATELIMIT_STORAGE_URI", "memory://")  # still possible
    create_app(_config(tmp_path))
    assert isinstance(limiter.storage, MemoryStorage)


def test_the_database_store_refuses_a_strategy_it_lacks(tmp_path):
    with pytest.raises(RuntimeError, match="fixed windows only"):
        create_app(
            _config(
                tmp_path, RATELIMIT_STORAGE_URI="tracker-db://", RATELIMIT_STRATEGY="moving-window"
            )
        )
    app = create_app(
        _config(tmp_path, RATELIMIT_STORAGE_URI="memory://", RATELIMIT_STRATEGY="moving-window")
    )
    assert app.config["RATELIMIT_STRATEGY"] == "moving-window"
