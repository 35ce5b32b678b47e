"""Shared fixtures: a migrated database per backend, one app per backend and worker, each
test inside a transaction that is rolled back, query counting, a row factory.

Database tests run on SQLite always and on PostgreSQL when ``TRACKER_TEST_DATABASE_URL``
is set (``.ci/run`` sets it). Each test starts from empty tables. Services commit as in
production, but inside the test's own transaction: every session of the test (app
contexts, requests through the test client, a second app on the same database) works on
one connection, its commits release savepoints, and the whole transaction is rolled back
when the test ends, pass or fail. Tests whose data another thread or process must read
(a browser's server thread, a second process) are marked ``committed``: they commit for
real and the tables are emptied afterwards.
"""

from __future__ import annotations

import copy
import itertools
import os
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
from flask import has_app_context
from flask.globals import app_ctx
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from support.today import NOW, TODAY

from tracker.app import create_app
from tracker.extensions import Session, db, limiter
from tracker.services import history

PG_URL = os.environ.get("TRACKER_TEST_DATABASE_URL")

# Every app a test builds counts rate limits in memory unless its configuration says
# otherwise: the database's store (the default) counts on connections of its own, which
# on SQLite would wait for the write lock the running test's transaction holds.
os.environ["TRACKER_RATELIMIT_STORAGE_URI"] = "memory://"

# Werkzeug's scrypt takes tens of milliseconds per password by design; tests need no
# resistance to guessing, so the test apps and the row factory hash with one round.
CHEAP_PASSWORD_HASH = "pbkdf2:sha256:1"

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not PG_URL, reason="TRACKER_TEST_DATABASE_URL is not set: PostgreSQL not tested"
        ),
    ),
]


def pytest_report_header(config):
    if PG_URL:
        return f"database tests: SQLite and PostgreSQL ({PG_URL.rsplit('@', 1)[-1]})"
    return "database tests: SQLite only (set TRACKER_TEST_DATABASE_URL for PostgreSQL)"


def base_config(database_url: str, instance_path: str) -> dict:
    """Return the configuration every test app starts from."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "TODAY": TODAY.isoformat(),
        "UPLOAD_FOLDER": os.path.join(instance_path, "uploads"),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 9,  # tests that send mail point this at their SMTP server
        "PASSWORD_HASH_METHOD": CHEAP_PASSWORD_HASH,
        # Counts in memory (see above; the database's store has its own tests).
        "RATELIMIT_STORAGE_URI": "memory://",
        "PASSWORD_FORGOT_SECONDS": 0,  # the test below sets it; others need not wait
        # A test's writes stay inside one transaction, which PostgreSQL's data version does
        # not see move (tracker/services/data_version.py): the page cache's own tests,
        # which commit, turn it on.
        "PAGE_CACHE_SECONDS": 0,
        # Nobody is made to set up two-factor sign-in: the tests that are about it set the
        # roles they require (production requires it of administrators and coordinators).
        "TWO_FACTOR_ROLES": (),
    }


def _migrate(url: str, instance_path: str) -> str:
    """Bring the database at ``url`` to an empty, fully migrated schema; return the URL."""
    from flask_migrate import upgrade

    app = create_app(base_config(url, instance_path))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        _set_rollup_clock()
        db.engine.dispose()
    return url


def _set_rollup_clock() -> None:
    """Judge the per-unit counts at the tests' today, as the scheduler's midnight job would
    (the migration sets the real date), with the day-off offsets of the calendar (kept
    between tests, rewritten when a test changed the calendar)."""
    from tracker.services.rollups import units

    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM rollup_clock"))
        conn.execute(text("INSERT INTO rollup_clock (id, day) VALUES (1, :day)"), {"day": TODAY})
    units.sync(TODAY, True)
    db.session.commit()
    db.session.remove()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    """Return the URL of a migrated SQLite file database."""
    path = tmp_path_factory.mktemp("db") / "test.sqlite3"
    return _migrate(f"sqlite:///{path}", str(tmp_path_factory.mktemp("instance")))


_POSTGRESQL: list[str] = []  # this worker's migrated PostgreSQL database, once made


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory, worker_id):
    """Return the URL of a freshly migrated database, once per backend (and per xdist
    worker: each gets its own PostgreSQL database, created next to the configured one).

    Pytest keeps one value of a parametrised session fixture at a time and sets it up again
    whenever the backend changes (with ``--dist loadfile``, at every file): the database is
    made once and remembered, not dropped and migrated again each time.
    """
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    if not _POSTGRESQL:
        url = PG_URL if worker_id == "master" else _worker_database(PG_URL, worker_id)
        _POSTGRESQL.append(_migrate(url, str(tmp_path_factory.mktemp("instance"))))
    return _POSTGRESQL[0]


def _worker_database(url: str, worker_id: str) -> str:
    """Create (afresh) the database ``<name>_<worker>`` on the same server; return its URL."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker_id}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


# --- One app per database, shared by the tests of a worker --------------------------------

_APPS: dict[str, tuple] = {}  # database URL -> (app, its configuration as built)


def _shared_app(database_url: str, tmp_path_factory):
    """Return this worker's app on ``database_url``, built on first use.

    Building an app compiles some 400 URL rules (about a third of a second), so the tests
    of a worker share one; ``app`` puts back what a test may change in it.
    """
    if database_url not in _APPS:
        instance = str(tmp_path_factory.mktemp("instance"))
        application = create_app(base_config(database_url, instance))
        _APPS[database_url] = (application, copy.deepcopy(dict(application.config)))
    return _APPS[database_url]


def pytest_sessionfinish(session):
    for application, _config in _APPS.values():
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def app(request, database_url, tmp_path, tmp_path_factory):
    """Return the app on a migrated database whose tables are empty for this test.

    The test's configuration changes, rate-limit counts and uploaded files do not outlive
    it; its rows are rolled back, or emptied for tests marked ``committed``.
    """
    application, built_config = _shared_app(database_url, tmp_path_factory)
    application.config.clear()
    application.config.update(copy.deepcopy(built_config))
    application.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    # The limiter and the revision hook's zone are shared by every app: another app built
    # by a test re-initialises them, and the limiter's counts would carry over.
    limiter.enabled = application.config["RATELIMIT_ENABLED"]
    _limiter_in_memory()
    limiter.reset()
    history.install(ZoneInfo(application.config["TIMEZONE"]))
    if request.node.get_closest_marker("committed"):
        isolation = _committed_then_emptied(application)
    else:
        isolation = _rolled_back(application)
    with isolation:
        yield application
        _pop_leaked_contexts()


def _limiter_in_memory() -> None:
    """Count in memory again if an app built by a test moved the shared limiter to another
    store (the database's is the default), and leave its in-memory fallback."""
    from limits.storage import MemoryStorage
    from limits.strategies import FixedWindowRateLimiter

    if not isinstance(limiter.storage, MemoryStorage):
        limiter._storage = MemoryStorage()
        limiter._limiter = FixedWindowRateLimiter(limiter._storage)
    limiter._storage_dead = False


def _pop_leaked_contexts() -> None:
    """Fail a test that leaves an app context pushed: the next test's requests would run
    inside it (its ``g``, its session) instead of their own."""
    leaked = 0
    while has_app_context():
        app_ctx._get_current_object().pop()
        leaked += 1
    if leaked:
        pytest.fail(f"the test left {leaked} app context(s) pushed", pytrace=False)


# --- Isolation: a transaction per test, rolled back ----------------------------------------

_TEST_CONNECTIONS: dict[str, Connection] = {}  # database URL -> the running test's connection


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


class _TestSession(Session):
    """The app's session, on the running test's connection when there is one.

    Flask-SQLAlchemy picks an engine per app and ignores a session's own ``bind``; this
    swaps in the connection the test holds on that engine's database (the reports engine's
    too when it is on the same URL), so that every app context, request and app of the
    test sees the same uncommitted rows.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        resolved = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if isinstance(resolved, Connection):
            return resolved
        return _TEST_CONNECTIONS.get(_url(resolved), resolved)


# A session joining the test's transaction takes a savepoint: its commit releases it, its
# rollback returns to it, and the test's own transaction stays open around them.
db.session.session_factory.class_ = _TestSession
db.session.session_factory.configure(join_transaction_mode="create_savepoint")


@contextmanager
def _rolled_back(application):
    """Run the test on one connection inside a transaction, rolled back at the end.

    On SQLite the app's ``begin`` hook makes it ``BEGIN IMMEDIATE``: the test holds the
    write lock throughout, which is why tests another process writes in are ``committed``.
    """
    with application.app_context():
        engine = db.engine
    connection = engine.connect()
    transaction = connection.begin()
    _TEST_CONNECTIONS[_url(engine)] = connection
    try:
        yield
    finally:
        del _TEST_CONNECTIONS[_url(engine)]
        transaction.rollback()
        connection.close()


@contextmanager
def _committed_then_emptied(application):
    """Let the test commit for real (another thread or process reads its rows), then
    empty every table."""
    try:
        yield
    finally:
        with application.app_context():
            db.session.remove()
            _empty_tables()


def _empty_tables() -> None:
    kept = {"day_off_offset"}  # derived from the calendar, checked by _set_rollup_clock
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in kept]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
    _set_rollup_clock()


@pytest.fixture
def ctx(app):
    """Push an app context for service-level tests, in English (service messages are
    translated when raised; the tests read them in the English source text)."""
    from flask_babel import force_locale

    with app.app_context(), force_locale("en"):
        yield app


@pytest.fixture
def settings(app):
    """Return the test app's settings, as entry points pass them to services."""
    from tracker.settings import Settings

    return Settings.from_config(app.config, app.instance_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    """Return a runner of the ``tracker`` command (``runner.invoke(args=[...])``) on ``app``."""
    from flask.testing import FlaskCliRunner

    from tracker.cli import cli

    class TrackerCliRunner(FlaskCliRunner):
        def invoke(self, cli=cli, args=None, **kwargs):
            return super().invoke(cli, args, **kwargs)

    return TrackerCliRunner(app)


@contextmanager
def count_queries(app):
    """Count the SQL statements executed inside the block (``with ... as counter``)."""
    statements: list[str] = []

    def _record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    # The test's connection when it runs in a rolled-back transaction, else the engine.
    target = _TEST_CONNECTIONS.get(_url(engine), engine)
    event.listen(target, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        event.remove(target, "before_cursor_execute", _record)


@pytest.fixture
def query_counter(app):
    return lambda: count_queries(app)


class Factory:
    """Builds rows with sensible defaults; every method flushes and returns the row."""

    _counter = itertools.count(1)  # shared, so codes and emails stay unique across factories

    def _next(self) -> int:
        return next(self._counter)

    def unit(self, **fields):
        from tracker.models import GROUP_OF_KIND, Unit, UnitKind

        n = self._next()
        kind = fields.pop("kind", UnitKind.PROVINCE)
        unit = Unit(
            code=fields.pop("code", f"U{n:04d}"),
            name=fields.pop("name", f"Đơn vị {n}"),
            kind=kind,
            group=fields.pop("group", GROUP_OF_KIND[kind]),
            **fields,
        )
        db.session.add(unit)
        db.session.flush()
        return unit

    def user(self, role="coordinator", password="secret-pass", **fields):
        from tracker.services.accounts import build_user

        n = self._next()
        user = build_user(
            fields.pop("email", f"user{n}@example.org"),
            fields.pop("name", f"Người dùng {n}"),
            role,
            password,
            method=CHEAP_PASSWORD_HASH,
            **fields,
        )
        db.session.add(user)
        db.session.flush()
        return user

    def task(self, **fields):
        from tracker.models import Field, Task

        n = self._next()
        task = Task(
            title=fields.pop("title", f"Nhiệm vụ {n}"),
            field=fields.pop("field", Field.DATA),
            **fields,
        )
        db.session.add(task)
        db.session.flush()
        return task

    def assignment(self, task, unit, **fields):
        from tracker.models import Assignment

        due = fields.pop("due_date", task.deadline)
        created = fields.pop("created_at", NOW)
        assignment = Assignment(
            task_id=task.id,
            unit_id=unit.id,
            due_date=due,
            original_due_date=fields.pop("original_due_date", due),
            created_at=created,
            updated_at=fields.pop("updated_at", created),
            **fields,
        )
        db.session.add(assignment)
        db.session.flush()
        return assignment


@pytest.fixture
def make(ctx):
    """Return a row factory bound to the test's app context."""
    return Factory()


def sign_in(client, email: str, password: str = "secret-pass"):
    """Sign in through the real form; returns the response after the redirect."""
    return client.post("/login", data={"email": email, "password": password}, follow_redirects=True)


@pytest.fixture
def login(client):
    """Return a function that signs a user in (by email) on the test client."""
    return lambda email, password="secret-pass": sign_in(client, email, password)


@pytest.fixture
def build(app):
    """Run a function with a row factory inside a short-lived app context, then commit.

    Web tests must not keep an app context pushed while they make requests: Flask would
    reuse it, and Flask-Babel's locale cached on ``g`` would leak between requests.
    """

    def run(fn):
        with app.app_context():
            result = fn(Factory())
            db.session.commit()
            return result

    return run


class _Inbox:
    """What a test SMTP server received; addresses starting with ``reject`` get a 550, and
    every message gets ``refuse_data`` (e.g. "451 ...") instead of being kept while it is set."""

    def __init__(self) -> None:
        self.messages: list = []
        self.envelopes: list = []
        self.peers: list = []  # the client address of each message: one per SMTP session
        self.port = 0
        self.refuse_data: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        if self.refuse_data:
            return self.refuse_data
        self.envelopes.append(envelope)
        self.peers.append(session.peer)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """Run a real SMTP server on 127.0.0.1; yields an object with ``.messages`` and ``.port``.

    Point the app at it with ``app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)``.
    """
    import socket

    from aiosmtpd.controller import Controller

    # The controller's readiness probe connects to the configured port, so 0 cannot be used.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    inbox.port = port
    controller = Controller(inbox, hostname="127.0.0.1", port=port, server_hostname="127.0.0.1")
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
