"""Extension objects, created unbound and initialised in ``create_app``."""

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from tracker.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login = LoginManager()
bootstrap = Bootstrap5()
# Storage and limits come from the RATELIMIT_* settings; the client's address is the key
# (behind a proxy, BEHIND_PROXY makes it the real client's, not the proxy's).
limiter = Limiter(key_func=get_remote_address)
# Connection option for a read-only transaction: on SQLite it begins deferred instead of
# taking the write lock (see app._configure_sqlite), so long report reads block no writer.
READ_ONLY = "tracker_read_only"
# Connection option for a transaction whose commit may skip waiting for the disk: on SQLite
# (WAL) the connection runs it with ``synchronous=NORMAL`` (see app._configure_sqlite). A
# killed process loses nothing committed; only an OS crash or power loss may roll back the
# last commits. The outbox sender's outcome commits use it (a lost outcome means the message
# goes out once more with the same Message-ID, as after a sender crash).
RELAXED_DURABILITY = "tracker_relaxed_durability"
