"""Every configuration key with its default, and the layering that fills them.

Order (later wins): these defaults -> ``instance/config.py`` -> ``TRACKER_*``
environment variables -> the ``test_config`` mapping given to ``create_app``.
"""

from __future__ import annotations

import os
from datetime import date
from urllib.parse import urlsplit

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
    "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,  # seconds: "keep me signed in" for 14 days
    # A session without "keep me signed in" ends after this long without a request, and
    # this long after signing in whatever happens; a remembered one lasts the cookie's time.
    "SESSION_IDLE_MINUTES": 120,
    "SESSION_ABSOLUTE_HOURS": 12,
    # "https" (or HTTPS = True) marks both cookies Secure and sends Strict-Transport-Security.
    "PREFERRED_URL_SCHEME": "http",
    "HTTPS": False,
    # Behind a reverse proxy (nginx...) that sets X-Forwarded-For/-Proto/-Host: trust one hop.
    "BEHIND_PROXY": False,
    # Requests each API token may make (Flask-Limiter's notation).
    "API_RATE_LIMIT": "600/minute",
    # /metrics answers only with "Authorization: Bearer <this token>"; empty: 404.
    "METRICS_TOKEN": "",
    # Sign-in throttling (Flask-Limiter). Only failed sign-ins count against the login
    # limits. The counts are kept in the app's database (tracker-db://, shared by every web
    # worker), or in Redis (redis://host:port); memory:// counts per process.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "tracker-db://",
    # Fixed windows: the database store implements this strategy only.
    "RATELIMIT_STRATEGY": "fixed-window",
    # When the store fails (the database or Redis unreachable, a lock timeout), count in
    # the worker's memory until it answers again, rather than answer 500 or stop limiting;
    # an error while counting a failed sign-in after its answer is logged, not raised.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_LOGIN": "10 per minute",  # per IP address
    "RATELIMIT_LOGIN_PER_EMAIL": "10 per minute;50 per day",
    "RATELIMIT_PASSWORD_FORGOT": "5 per minute;30 per hour",  # per IP address
    "RATELIMIT_PASSWORD_FORGOT_PER_EMAIL": "3 per hour",  # so nobody is flooded with links
    # Wrong two-factor codes allowed per account (at sign-in, and where My account asks for
    # one); the sign-in step also counts per client address under RATELIMIT_LOGIN.
    "RATELIMIT_TWO_FACTOR": "5 per minute;30 per day",
    # "Forgot password" answers after this long whether or not the address has an account.
    "PASSWORD_FORGOT_SECONDS": 0.25,
    # Password reset links expire after this many hours; links emailed to new accounts later.
    "PASSWORD_RESET_HOURS": 2,
    # Werkzeug's hashing method for passwords ("scrypt"; the tests use a cheap one).
    "PASSWORD_HASH_METHOD": "scrypt",
    "INVITATION_HOURS": 72,
    # Signed-in pages kept per browser session while the database has not changed (on
    # PostgreSQL; see tracker/views/page_cache.py): at most this many seconds, this many
    # pages and bytes per web process; 0 seconds: never kept.
    "PAGE_CACHE_SECONDS": 60,
    "PAGE_CACHE_ENTRIES": 2000,
    "PAGE_CACHE_BYTES": 64 * 1024 * 1024,
    # Two-factor sign-in (an authenticator app, TOTP): the roles that must use it (a user
    # of one of them is sent to set it up right after their password and can do nothing
    # else until done); anyone may turn it on. Empty: nobody is made to. Single sign-on does
    # not ask for it: the provider does its own.
    "TWO_FACTOR_ROLES": ("admin", "coordinator"),
    # "Remember this device" skips the code on that browser for this many days (0: never
    # offered). A changed password or authenticator app forgets every remembered device.
    "TWO_FACTOR_REMEMBER_DAYS": 30,
    # Database: None means the SQLite file instance/tracker.sqlite3
    "SQLALCHEMY_DATABASE_URI": None,
    # Report pages, exports and `tracker report` read through their own engine on this URL
    # (a PostgreSQL streaming replica, or a role with SELECT only); None: the main database.
    # Either way their transactions are read-only.
    "SQLALCHEMY_REPORTS_URI": None,
    "SQLALCHEMY_ECHO": False,
    # Programme
    "TIMEZONE": "Asia/Ho_Chi_Minh",
    "TODAY": None,  # "YYYY-MM-DD" fixes the clock (demos, training sandboxes, tests)
    "DUE_SOON_WORKING_DAYS": 3,
    "DEADLINE_BEFORE_IS_EXCLUSIVE": True,  # "trước ngày 20/7" means 19/07
    # A deadline on a day off ends at the end of the next working day (Bộ luật Dân sự 2015,
    # art. 148(5)); a task may say otherwise. After changing it, run `tracker rollups rebuild
    # --from <first kept day>` so the figures kept for past days follow the new rule too.
    "DEADLINE_DAY_OFF_ROLLS": True,
    "PER_PAGE": 50,
    # Evidence files: None means <instance>/uploads; relative paths start at the instance folder.
    "UPLOAD_FOLDER": None,
    "EVIDENCE_MAX_BYTES": 20 * 1024 * 1024,  # per file; MAX_CONTENT_LENGTH caps the request
    "EVIDENCE_TYPES": ("pdf", "docx", "xlsx", "png", "jpeg"),  # checked by content
    # Importing units, users and tasks from CSV or XLSX files (pages and `tracker import`).
    "IMPORT_MAX_BYTES": 5 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 20000,
    # Files of more rows are imported in the background, with a progress bar (0: never).
    "IMPORT_BACKGROUND_ROWS": 2000,
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
    "MAIL_TIMEOUT": 15,  # seconds, for connecting and for every SMTP command
    "MAIL_CA_FILE": None,  # a CA bundle for an internal mail server's certificate
    "MAIL_SUPPRESS_SEND": False,
    # Prefixes every email subject, e.g. "[Theo dõi nhiệm vụ CĐS] ..."
    "SITE_NAME": "Theo dõi nhiệm vụ chuyển đổi số",
    "BASE_URL": "http://127.0.0.1:5000",
    # Reminders: the daily sweep (Asia/Ho_Chi_Minh, working days only) and retries.
    "REMINDER_SWEEP_TIME": "07:30",
    "REMINDER_RETRY_MINUTES": 5,  # an email's first retry after this, doubling up to 6 hours
    "REMINDER_MAX_ATTEMPTS": 6,  # then the email stays failed until an admin retries it
    # The outbox: senders (in `tracker scheduler`, or `tracker send`) deliver queued email.
    "MAIL_CONNECTIONS": 4,  # SMTP connections a sender uses at once
    "OUTBOX_BATCH": 200,  # emails a sender takes at a time
    "OUTBOX_STALE_SECONDS": 300,  # an email "sending" longer than this was left by a crash
    "OUTBOX_POLL_SECONDS": 2,  # how often an idle sender looks for new email
    "OUTBOX_STUCK_MINUTES": 15,  # the status page warns when email waits longer
    # Notifications: emails "at once" gather what happened to one person over this window.
    "NOTIFICATION_WINDOW_MINUTES": 10,
    "NOTIFICATION_KEEP_DAYS": 180,  # then in-app notifications are pruned
    # Reports as of a closed day read that day's figures, written just after midnight; the
    # scheduler also writes any of this many past days that lack them (missed, or dropped
    # because a merger changed their past). Older days: `tracker rollups rebuild`.
    "ROLLUP_SNAPSHOT_DAYS": 31,
    "SWEEP_STALE_HOURS": 36,  # the status page warns when the last sweep is older
    # Embedded mode: a directory where `tracker mailcatcher` keeps mail instead of sending it;
    # administrators read it at /mailbox. None in production.
    "MAIL_CATCHER_DIR": None,
    # Official reports (DOCX in the layout of Nghị định 30/2020/NĐ-CP): the governing body and
    # the issuing body at the top left (uppercase), the code after "Số: .../BC-", the place
    # of the date line, the signer's authority and title (several lines: "KT. CỤC TRƯỞNG\n
    # PHÓ CỤC TRƯỞNG") and name (empty: a dotted space), and the recipients listed under
    # "Nơi nhận:" between "Như trên" and "Lưu: VT". The _EN keys are for documents in English.
    "REPORT_PARENT_BODY": "BỘ THÔNG TIN VÀ TRUYỀN THÔNG",
    "REPORT_ISSUER": "CỤC CHUYỂN ĐỔI SỐ QUỐC GIA",
    "REPORT_ISSUER_CODE": "CĐSQG",
    "REPORT_PLACE": "Hà Nội",
    "REPORT_SIGNER_TITLE": "CỤC TRƯỞNG",
    "REPORT_SIGNER_NAME": "",
    "REPORT_RECIPIENTS": ("Ủy ban Quốc gia về chuyển đổi số (để b/c)",),
    "REPORT_PARENT_BODY_EN": "MINISTRY OF INFORMATION AND COMMUNICATIONS",
    "REPORT_ISSUER_EN": "NATIONAL DIGITAL TRANSFORMATION AGENCY",
    "REPORT_PLACE_EN": "Ha Noi",
    "REPORT_SIGNER_TITLE_EN": "DIRECTOR GENERAL",
    # Demo data
    "DEMO_PASSWORD": "demo-2024",
    # The sign-in page lists the demo's accounts and their password (demo mode only).
    "DEMO_SIGN_IN_HELP": False,
    # Single sign-on (OpenID Connect, authorization code flow with PKCE): on when OIDC_ISSUER
    # is set. The provider's metadata is read from <issuer>/.well-known/openid-configuration.
    "OIDC_ISSUER": None,  # https://... (http only on 127.0.0.1/localhost, for trials)
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    "OIDC_SCOPES": "openid email profile",
    "OIDC_PROVIDER_NAME": "SSO",  # the sign-in page's button: "Sign in with <name>"
    # The claim holding the email that finds the account (accounts are never created by
    # signing in); refused when the provider says email_verified is false.
    "OIDC_EMAIL_CLAIM": "email",
    # Roles from provider groups, e.g. "admin=tracker-admins,coordinator=tracker-coordinators"
    # (several groups: a|b); empty: roles are managed in the tracker only.
    "OIDC_GROUPS_CLAIM": "groups",
    "OIDC_ROLE_GROUPS": "",
    # Who may still sign in with a password when SSO is on: "admins" (break-glass) or
    # "everyone".
    "OIDC_LOCAL_PASSWORDS": "admins",
    "OIDC_CLOCK_LEEWAY": 60,  # seconds of clock difference tolerated on the ID token
    "OIDC_TIMEOUT": 10,  # seconds for each request to the provider
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


# What the demo changes, between the defaults and instance/config.py: ``scripts/serve``
# sets TRACKER_DEMO=1 (unless TRACKER_DEMO is set). The demo's accounts share a published
# password and have no authenticator app, so nobody is made to use two-factor sign-in; a
# deployment that runs scripts/serve turns it on in instance/config.py or the environment.
DEMO_DEFAULTS: dict[str, object] = {"TWO_FACTOR_ROLES": (), "DEMO_SIGN_IN_HELP": True}
_NOT_SETTINGS = ("TRACKER_TEST_DATABASE_URL", "TRACKER_DEMO")


def load(app, test_config: dict | None) -> None:
    """Fill ``app.config`` in layers and validate the result; raises ``RuntimeError`` if invalid."""
    app.config.from_mapping(DEFAULTS)
    if _coerce(os.environ.get("TRACKER_DEMO", ""), False):
        app.config.from_mapping(DEMO_DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for key, value in os.environ.items():
        if key.startswith("TRACKER_") and key not in _NOT_SETTINGS:
            name = key.removeprefix("TRACKER_")
            app.config[name] = _coerce(value, DEFAULTS.get(name))
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        path = os.path.join(app.instance_path, "tracker.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    validate(app.config)


def validate(config) -> None:
    """Refuse configurations that would run unsafely or wrongly; derive the HTTPS cookie flags."""
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
    for key in (
        "PASSWORD_RESET_HOURS",
        "INVITATION_HOURS",
        "MAIL_TIMEOUT",
        "IMPORT_MAX_BYTES",
        "IMPORT_MAX_ROWS",
        "MAIL_CONNECTIONS",
        "OUTBOX_BATCH",
        "OUTBOX_STALE_SECONDS",
        "OUTBOX_POLL_SECONDS",
        "OUTBOX_STUCK_MINUTES",
        "NOTIFICATION_WINDOW_MINUTES",
        "NOTIFICATION_KEEP_DAYS",
        "ROLLUP_SNAPSHOT_DAYS",
        "SESSION_IDLE_MINUTES",
        "SESSION_ABSOLUTE_HOURS",
        "REMEMBER_COOKIE_DURATION",
    ):
        if not isinstance(config[key], int | float) or config[key] <= 0:
            raise RuntimeError(f"{key} must be a positive number, got {config[key]!r}")
    for key in (
        "PAGE_CACHE_SECONDS",
        "PAGE_CACHE_ENTRIES",
        "PAGE_CACHE_BYTES",
        "IMPORT_BACKGROUND_ROWS",
    ):
        if not isinstance(config[key], int | float) or config[key] < 0:
            raise RuntimeError(f"{key} must be zero or a positive number, got {config[key]!r}")
    _validate_rate_limits(config)
    _validate_two_factor(config)
    if config.get("OIDC_ISSUER"):
        _validate_oidc(config)
    reports_uri = config["SQLALCHEMY_REPORTS_URI"]
    if reports_uri and _backend(reports_uri) != _backend(config["SQLALCHEMY_DATABASE_URI"]):
        # Report queries are written for the main database's dialect.
        raise RuntimeError(
            "SQLALCHEMY_REPORTS_URI must point at the same kind of database as "
            f"SQLALCHEMY_DATABASE_URI: {urlsplit(str(reports_uri)).scheme!r}"
        )
    if urlsplit(str(config["BASE_URL"])).scheme not in ("http", "https"):
        raise RuntimeError(f"BASE_URL must start with http:// or https://: {config['BASE_URL']!r}")
    if config["PREFERRED_URL_SCHEME"] not in ("http", "https"):
        raise RuntimeError("PREFERRED_URL_SCHEME must be http or https")
    if config["HTTPS"] or config["PREFERRED_URL_SCHEME"] == "https":
        # Cookies sent over HTTPS only; set here so no deployment can forget one of them.
        config["PREFERRED_URL_SCHEME"] = "https"
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True


def _validate_rate_limits(config) -> None:
    """Default an empty storage to the database's (an empty TRACKER_RATELIMIT_STORAGE_URI
    would otherwise make Flask-Limiter count per process); refuse a strategy it lacks."""
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = DEFAULTS["RATELIMIT_STORAGE_URI"]
    database_store = urlsplit(str(config["RATELIMIT_STORAGE_URI"])).scheme == "tracker-db"
    if database_store and config.get("RATELIMIT_STRATEGY") != "fixed-window":
        raise RuntimeError(
            "RATELIMIT_STORAGE_URI tracker-db:// counts in fixed windows only: set "
            f"RATELIMIT_STRATEGY to 'fixed-window', not {config.get('RATELIMIT_STRATEGY')!r}"
        )


def _validate_two_factor(config) -> None:
    """Refuse a two-factor policy naming a role that does not exist (a typo would silently
    require nothing of anyone)."""
    from tracker.models.org import Role

    roles = config["TWO_FACTOR_ROLES"] or ()
    if isinstance(roles, str):  # "admin,coordinator" written as one string
        roles = tuple(r.strip() for r in roles.split(",") if r.strip())
    config["TWO_FACTOR_ROLES"] = tuple(roles)
    known = [role.value for role in Role]
    unknown = sorted(set(roles) - set(known))
    if unknown:
        raise RuntimeError(
            f"TWO_FACTOR_ROLES names unknown roles {unknown}: use {', '.join(known)}"
        )
    days = config["TWO_FACTOR_REMEMBER_DAYS"]
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise RuntimeError(f"TWO_FACTOR_REMEMBER_DAYS must be 0 or more days, got {days!r}")


def _validate_oidc(config) -> None:
    """Refuse a single sign-on configuration that could not work or would be unsafe."""
    from tracker.domain.sso import parse_role_groups

    issuer = urlsplit(str(config["OIDC_ISSUER"]))
    loopback = issuer.hostname in ("127.0.0.1", "localhost", "::1")
    if issuer.scheme != "https" and not (issuer.scheme == "http" and loopback):
        raise RuntimeError(f"OIDC_ISSUER must start with https://: {config['OIDC_ISSUER']!r}")
    if not config.get("OIDC_CLIENT_ID"):
        raise RuntimeError("OIDC_ISSUER is set: set OIDC_CLIENT_ID (and OIDC_CLIENT_SECRET) too")
    if "openid" not in str(config["OIDC_SCOPES"]).split():
        raise RuntimeError(f"OIDC_SCOPES must include openid: {config['OIDC_SCOPES']!r}")
    if config["OIDC_LOCAL_PASSWORDS"] not in ("admins", "everyone"):
        raise RuntimeError("OIDC_LOCAL_PASSWORDS must be admins or everyone")
    if not config.get("OIDC_EMAIL_CLAIM"):
        raise RuntimeError("OIDC_EMAIL_CLAIM must name a claim")
    for key in ("OIDC_CLOCK_LEEWAY", "OIDC_TIMEOUT"):
        if not isinstance(config[key], int | float) or config[key] < 0:
            raise RuntimeError(f"{key} must be a number of seconds, got {config[key]!r}")
    try:
        parse_role_groups(str(config["OIDC_ROLE_GROUPS"] or ""))
    except ValueError as exc:
        raise RuntimeError(f"OIDC_ROLE_GROUPS: {exc}") from exc


def _backend(url) -> str:
    """Return the database kind a SQLAlchemy URL names ("postgresql" for postgresql+psycopg)."""
    return urlsplit(str(url)).scheme.split("+")[0]
