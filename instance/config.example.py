# tracker deployment settings. Copy to instance/config.py and edit; every key can also be
# set as an environment variable with the TRACKER_ prefix (TRACKER_SECRET_KEY=...), which
# wins over this file. Values shown are the defaults.

# --- Security -------------------------------------------------------------------------
# A long random string (python -c "import secrets; print(secrets.token_hex(32))").
# ENV_NAME = "production" refuses to start with the development default.
SECRET_KEY = "dev-insecure-change-me"
ENV_NAME = "development"
# Served over HTTPS: PREFERRED_URL_SCHEME = "https" (or HTTPS = True) marks the session and
# "keep me signed in" cookies Secure (whatever the two settings below say) and sends
# Strict-Transport-Security on HTTPS responses.
PREFERRED_URL_SCHEME = "http"
HTTPS = False
SESSION_COOKIE_SECURE = False
REMEMBER_COOKIE_SECURE = False
# How long "keep me signed in" lasts, in seconds (14 days).
REMEMBER_COOKIE_DURATION = 14 * 24 * 3600
# A session without "keep me signed in" ends after this many minutes without a request,
# and this many hours after signing in whatever happens.
SESSION_IDLE_MINUTES = 120
SESSION_ABSOLUTE_HOURS = 12
# Behind a reverse proxy (nginx, Apache) that sets X-Forwarded-For, -Proto and -Host:
# trust one proxy hop, so rate limits see the real client address and HTTPS is detected.
# Leave False when clients connect directly: the headers could then be forged.
BEHIND_PROXY = False

# --- Sign-in throttling (Flask-Limiter) -------------------------------------------------
RATELIMIT_ENABLED = True
# Where the counts are kept: "tracker-db://" in the app's database (the default), shared
# by every web worker and machine on it; "redis://localhost:6379/0" in Redis, for many
# requests a second; "memory://" per process (each gunicorn worker counts on its own: with
# four workers, four times the attempts). If the store fails, each worker counts in its
# memory until it answers again.
RATELIMIT_STORAGE_URI = "tracker-db://"
# Failed sign-ins allowed per client address, and per email address (";" separates limits).
RATELIMIT_LOGIN = "10 per minute"
RATELIMIT_LOGIN_PER_EMAIL = "10 per minute;50 per day"
# Wrong two-factor codes per account (at sign-in, and where My account asks for one).
RATELIMIT_TWO_FACTOR = "5 per minute;30 per day"
# "Forgot password" requests per client address.
RATELIMIT_PASSWORD_FORGOT = "5 per minute;30 per hour"
# ... and per email address, so nobody can flood someone's mailbox with links.
RATELIMIT_PASSWORD_FORGOT_PER_EMAIL = "3 per hour"

# --- Two-factor sign-in (an authenticator app; see README "Two-factor sign-in") -----------
# The roles that must use it: sent to set it up right after their password, nothing else
# opens until then. () requires it of nobody (scripts/serve's demo does that, below this
# file: a value here wins). Anyone may set it up in My account.
TWO_FACTOR_ROLES = ("admin", "coordinator")
# "Do not ask again on this device" lasts this many days; 0 never offers it.
TWO_FACTOR_REMEMBER_DAYS = 30

# --- Single sign-on (OpenID Connect; see README "Single sign-on") -------------------------
# On when OIDC_ISSUER is set (HTTPS; http only on 127.0.0.1/localhost for trials). The
# provider's redirect URI for the tracker is <public address>/sso/callback.
OIDC_ISSUER = None  # e.g. "https://id.example.gov.vn/realms/bo-nganh"
OIDC_CLIENT_ID = None
OIDC_CLIENT_SECRET = None  # None: a public client (PKCE alone)
OIDC_SCOPES = "openid email profile"
OIDC_PROVIDER_NAME = "SSO"  # the sign-in button says "Sign in with <this>"
# The claim whose email finds the account (never created by signing in); refused when the
# provider sends email_verified false.
OIDC_EMAIL_CLAIM = "email"
# Roles held through provider groups, e.g. "admin=tracker-admins,coordinator=tracker-
# coordinators" (several groups: a|b); "" leaves roles to the tracker's administrators.
OIDC_GROUPS_CLAIM = "groups"
OIDC_ROLE_GROUPS = ""
# Who may still sign in with a password: "admins" (break-glass) or "everyone".
OIDC_LOCAL_PASSWORDS = "admins"
OIDC_CLOCK_LEEWAY = 60  # seconds of clock difference tolerated on the ID token
OIDC_TIMEOUT = 10  # seconds for each request to the provider

# --- Passwords ------------------------------------------------------------------------
# A password reset link expires after this many hours, and works once.
PASSWORD_RESET_HOURS = 2
# Werkzeug's password hashing method; keep scrypt in production (tests use a cheap one).
PASSWORD_HASH_METHOD = "scrypt"
# The link emailed to a new account (to choose a first password) lasts longer.
INVITATION_HOURS = 72
# Largest upload (evidence files), in bytes.
MAX_CONTENT_LENGTH = 25 * 1024 * 1024

# --- Database -------------------------------------------------------------------------
# None: the SQLite file instance/tracker.sqlite3 (embedded, single machine).
# Production: "postgresql+psycopg://USER:PASSWORD@HOST:5432/DBNAME"
SQLALCHEMY_DATABASE_URI = None
# Report pages, their downloads and `tracker report` read through an engine of their own
# on this URL: a PostgreSQL streaming replica (hot standby), or the same database through a
# role granted SELECT only. None: the main database. Either way their transactions are
# read-only, so a report can never write.
SQLALCHEMY_REPORTS_URI = None

# --- Programme rules ------------------------------------------------------------------
TIMEZONE = "Asia/Ho_Chi_Minh"
# Fix "today" (YYYY-MM-DD) for demos and training sandboxes; leave None in production.
TODAY = None
# An open assignment is "due soon" when at most this many working days remain.
DUE_SOON_WORKING_DAYS = 3
# "trước ngày 20/7/2024" means 19/07/2024 (True) or 20/07/2024 (False).
DEADLINE_BEFORE_IS_EXCLUSIVE = True
# A deadline falling on a day off (weekend, holiday, day in lieu, admin override) ends at the
# end of the next working day, as Bộ luật Dân sự 2015, art. 148(5) counts periods (True), or
# on the written date itself (False). Each task may choose otherwise in its form. The written
# date is always shown beside the effective one. After changing it, run
# `tracker rollups rebuild --from <first kept day>` so the figures kept for past days follow.
DEADLINE_DAY_OFF_ROLLS = True
# Rows per page in lists.
PER_PAGE = 50

# --- Evidence files -------------------------------------------------------------------
# Where uploaded evidence is stored (a relative path is taken from the instance folder);
# None means <instance folder>/uploads. Keep it outside the static folder: files are
# served only to users allowed to see the assignment.
UPLOAD_FOLDER = None
# Largest single evidence file, in bytes (MAX_CONTENT_LENGTH above caps the whole upload).
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
# Accepted types, each checked by the file's content, not only its name.
# Known: "pdf", "docx", "xlsx", "png", "jpeg" (.jpg/.jpeg).
EVIDENCE_TYPES = ("pdf", "docx", "xlsx", "png", "jpeg")

# --- Imports (units, users, tasks from CSV or XLSX) -------------------------------------
# Largest file accepted, and most data rows in one file (split larger lists).
IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_ROWS = 20000

# --- Languages ------------------------------------------------------------------------
BABEL_DEFAULT_LOCALE = "vi"
LANGUAGES = ("vi", "en")

# --- Mail -----------------------------------------------------------------------------
MAIL_SERVER = "localhost"
MAIL_PORT = 1025
MAIL_USE_TLS = False
MAIL_USE_SSL = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_DEFAULT_SENDER = "tracker@example.org"
# Seconds to wait for the mail server (connecting and each command) before giving up.
MAIL_TIMEOUT = 15
# TLS certificates are always verified; for a server with an internal CA give its bundle.
MAIL_CA_FILE = None
# True sends nothing at all (training sandboxes): the outbox records each email as sent,
# with a reply that says it was not.
MAIL_SUPPRESS_SEND = False
# Shown in the subject of every email: "[Theo dõi nhiệm vụ chuyển đổi số] ..."
SITE_NAME = "Theo dõi nhiệm vụ chuyển đổi số"
# Links in emails are built from this address.
BASE_URL = "http://127.0.0.1:5000"

# --- Reminders ------------------------------------------------------------------------
# The daily sweep (Asia/Ho_Chi_Minh); it sends nothing on days off. The policy itself
# (days before, overdue interval, escalation) is edited in the app: Reminders > Default policy.
REMINDER_SWEEP_TIME = "07:30"
# A failed send is retried after 5, 10, 20 ... minutes (at most 6 hours apart) ...
REMINDER_RETRY_MINUTES = 5
# ... this many times in all; then it waits, listed as failed, for an administrator.
REMINDER_MAX_ATTEMPTS = 6
# The status page warns when the last successful sweep is older than this.
SWEEP_STALE_HOURS = 36
# Embedded mode only: where `tracker mailcatcher` keeps mail instead of delivering it
# (admins read it at /mailbox). Leave None in production.
MAIL_CATCHER_DIR = None

# --- Reports ---------------------------------------------------------------------------
# Reports as of a closed day read that day's figures, written by the scheduler just after
# midnight; it also writes any of this many past days that lack them. Older days are read
# from the history (slower) until `tracker rollups rebuild --from ... --to ...` writes them.
ROLLUP_SNAPSHOT_DAYS = 31
# Reports downloaded as DOCX follow the layout of Nghị định 30/2020/NĐ-CP. The top left
# names the governing body and the issuing body (uppercase); "Số:      /BC-<code>" is left
# for the registry to number; the date line starts with the place; the signer block shows
# the authority and title (several lines allowed) and the name (empty: a dotted space to
# write it in). "Nơi nhận:" lists "Như trên", these recipients, then "Lưu: VT, <code>".
REPORT_PARENT_BODY = "BỘ THÔNG TIN VÀ TRUYỀN THÔNG"
REPORT_ISSUER = "CỤC CHUYỂN ĐỔI SỐ QUỐC GIA"
REPORT_ISSUER_CODE = "CĐSQG"
REPORT_PLACE = "Hà Nội"
REPORT_SIGNER_TITLE = "CỤC TRƯỞNG"  # e.g. "KT. CỤC TRƯỞNG\nPHÓ CỤC TRƯỞNG"
REPORT_SIGNER_NAME = ""
REPORT_RECIPIENTS = ("Ủy ban Quốc gia về chuyển đổi số (để b/c)",)
# The same header in documents written in English.
REPORT_PARENT_BODY_EN = "MINISTRY OF INFORMATION AND COMMUNICATIONS"
REPORT_ISSUER_EN = "NATIONAL DIGITAL TRANSFORMATION AGENCY"
REPORT_PLACE_EN = "Ha Noi"
REPORT_SIGNER_TITLE_EN = "DIRECTOR GENERAL"

# --- Demo -----------------------------------------------------------------------------
# The password of every account `tracker demo` creates.
DEMO_PASSWORD = "demo-2024"
