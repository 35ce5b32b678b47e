"""Every configuration key with its default, and the layering that fills them.

Order (later wins): these defaults -> ``instance/config.py`` -> ``TRACKER_*``
environment variables -> the ``test_config`` mapping given to ``create_app``.
"""

from __future__ import annotations

import os
from datetime import date

DEV_SECRET_KEY = "dev-insecure-change-me"

DEFAULTS: dict[str, object] = {
    # Flask
    "SECRET_KEY": DEV_SECRET_KEY,
    "ENV_NAME": "development",  # "production" refuses the development SECRET_KEY
    "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": False,
    # Database: None means the SQLite file instance/tracker.sqlite3
    "SQLALCHEMY_DATABASE_URI": None,
    "SQLALCHEMY_ECHO": False,
    # Programme
    "TIMEZONE": "Asia/Ho_Chi_Minh",
    "TODAY": None,  # "YYYY-MM-DD" fixes the clock (demos, training sandboxes, tests)
    "DUE_SOON_WORKING_DAYS": 3,
    "DEADLINE_BEFORE_IS_EXCLUSIVE": True,  # "trước ngày 20/7" means 19/07
    "PER_PAGE": 50,
    # Languages
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "LANGUAGES": ("vi", "en"),
    # UI assets are served from the installed package, never from a CDN
    "BOOTSTRAP_SERVE_LOCAL": True,
    # Mail
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 1025,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "tracker@example.org",
    "BASE_URL": "http://127.0.0.1:5000",
    # Demo data
    "DEMO_PASSWORD": "demo-2024",
}


def _coerce(value: str, default: object) -> object:
    """Convert an environment string to the type of the key's default."""
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, tuple):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return value


def load(app, test_config: dict | None) -> None:
    """Fill ``app.config`` in layers and validate the result; raises ``RuntimeError`` if invalid."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for key, value in os.environ.items():
        if key.startswith("TRACKER_") and key != "TRACKER_TEST_DATABASE_URL":
            name = key.removeprefix("TRACKER_")
            app.config[name] = _coerce(value, DEFAULTS.get(name))
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        path = os.path.join(app.instance_path, "tracker.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    validate(app.config)


def validate(config) -> None:
    """Refuse configurations that would run unsafely or wrongly."""
    if config["ENV_NAME"] == "production" and config["SECRET_KEY"] in (DEV_SECRET_KEY, "", None):
        raise RuntimeError(
            "Refusing to start in production with the development SECRET_KEY: "
            "set TRACKER_SECRET_KEY or SECRET_KEY in instance/config.py."
        )
    today = config.get("TODAY")
    if today:
        try:
            date.fromisoformat(str(today))
        except ValueError as exc:
            raise RuntimeError(f"TRACKER_TODAY must be YYYY-MM-DD, got {today!r}") from exc
    for lang in config["LANGUAGES"]:
        if lang not in ("vi", "en"):
            raise RuntimeError(f"Unsupported language in LANGUAGES: {lang!r}")
