"""Extension objects, created unbound and initialised in ``create_app``."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy.engine import Engine

from tracker.models.base import Base

_REPORTS_BIND = "tracker_reports_bind"  # Session.info: the engine the session reads through
_REPORTS_ENGINE = "tracker_reports_engine"  # app.extensions: the reports' read-only engine


class Session(FlaskSession):
    """Flask-SQLAlchemy's session; inside ``on_reports_engine`` every statement goes to the
    reports engine instead of the engine of the table it names."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        reports = self.info.get(_REPORTS_BIND)
        if bind is None and reports is not None:
            return reports
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login = LoginManager()
bootstrap = Bootstrap5()
# Storage and limits come from the RATELIMIT_* settings; the client's address is the key
# (behind a proxy, BEHIND_PROXY makes it the real client's, not the proxy's).
limiter = Limiter(key_func=get_remote_address)


class _OpenIdClients:
    """Authlib's registry of OpenID Connect clients for single sign-on (one per OIDC_*
    configuration: see views.sso), imported and made when first used: Authlib and the
    cryptography it loads take some 18 MB, which a deployment without single sign-on (and
    every import worker) never needs."""

    def __init__(self) -> None:
        self._registry = None

    def init_app(self, app: Flask) -> None:
        """Nothing to do until a client is asked for (then bound to the current app)."""

    def __getattr__(self, name: str):
        if self._registry is None:
            from authlib.integrations.flask_client import OAuth

            self._registry = OAuth()
        app = current_app._get_current_object()
        if self._registry.app is not app:
            self._registry.init_app(app)
        return getattr(self._registry, name)


oauth = _OpenIdClients()
# Connection option for a read-only transaction: on SQLite it begins deferred instead of
# taking the write lock, so long report reads block no writer, and refuses writes
# (``query_only``); on PostgreSQL it is ``READ ONLY`` (see app._configure_connections).
READ_ONLY = "tracker_read_only"
# Connection option for a transaction whose commit may skip waiting for the disk: on SQLite
# (WAL) the connection runs it with ``synchronous=NORMAL`` (see app._configure_sqlite). A
# killed process loses nothing committed; only an OS crash or power loss may roll back the
# last commits. The outbox sender's outcome commits use it (a lost outcome means the message
# goes out once more with the same Message-ID, as after a sender crash).
RELAXED_DURABILITY = "tracker_relaxed_durability"


def init_reports_engine(app: Flask, engine: Engine) -> None:
    """Make ``engine`` (the main one, or the reports' own from SQLALCHEMY_REPORTS_URI) the
    app's reports engine: the same pool, every transaction begun on it read-only."""
    app.extensions[_REPORTS_ENGINE] = engine.execution_options(**{READ_ONLY: True})


def reports_engine() -> Engine:
    """Return the current app's reports engine (read-only transactions)."""
    return current_app.extensions[_REPORTS_ENGINE]


def _commit_keeping_objects(session) -> None:
    """Commit the session's transaction without expiring what it loaded: the signed-in
    user is not read again (one query per switch of engine)."""
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


@contextmanager
def on_reports_engine() -> Iterator[None]:
    """Run ``db.session`` on the reports engine inside the block, in read-only transactions.

    Commits the session's transaction first (what came before is kept) and ends the reports
    transaction at the end: nothing written inside is kept (pending changes are rolled
    back), and a write fails at once (a SELECT-only role or a replica refuses it, and so
    does a read-only transaction on the main database). Objects loaded before stay loaded
    (the signed-in user is not read again).
    """
    session = db.session()
    engine = reports_engine()
    _commit_keeping_objects(session)
    previous = session.info.get(_REPORTS_BIND)
    session.info[_REPORTS_BIND] = engine
    try:
        yield
    finally:
        if session.new or session.dirty or session.deleted:
            session.rollback()
        else:  # nothing to write: ending it read-only is a rollback, and keeps the objects
            _commit_keeping_objects(session)
        if previous is None:
            del session.info[_REPORTS_BIND]
        else:
            session.info[_REPORTS_BIND] = previous
