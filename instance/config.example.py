# tracker deployment settings. Copy to instance/config.py and edit; every key can also be
# set as an environment variable with the TRACKER_ prefix (TRACKER_SECRET_KEY=...), which
# wins over this file. Values shown are the defaults.

# --- Security -------------------------------------------------------------------------
# A long random string (python -c "import secrets; print(secrets.token_hex(32))").
# ENV_NAME = "production" refuses to start with the development default.
SECRET_KEY = "dev-insecure-change-me"
ENV_NAME = "development"
# Behind HTTPS, mark cookies Secure.
SESSION_COOKIE_SECURE = False
REMEMBER_COOKIE_SECURE = False
# Largest upload (evidence files), in bytes.
MAX_CONTENT_LENGTH = 25 * 1024 * 1024

# --- Database -------------------------------------------------------------------------
# None: the SQLite file instance/tracker.sqlite3 (embedded, single machine).
# Production: "postgresql+psycopg://USER:PASSWORD@HOST:5432/DBNAME"
SQLALCHEMY_DATABASE_URI = None

# --- Programme rules ------------------------------------------------------------------
TIMEZONE = "Asia/Ho_Chi_Minh"
# Fix "today" (YYYY-MM-DD) for demos and training sandboxes; leave None in production.
TODAY = None
# An open assignment is "due soon" when at most this many working days remain.
DUE_SOON_WORKING_DAYS = 3
# "trước ngày 20/7/2024" means 19/07/2024 (True) or 20/07/2024 (False).
DEADLINE_BEFORE_IS_EXCLUSIVE = True
# Rows per page in lists.
PER_PAGE = 50

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
# Links in emails are built from this address.
BASE_URL = "http://127.0.0.1:5000"

# --- Demo -----------------------------------------------------------------------------
# The password of every account `tracker demo` creates.
DEMO_PASSWORD = "demo-2024"
