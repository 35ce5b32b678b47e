"""Shared fixtures: a migrated database on each backend, an app per test, query counting.

Database tests run on SQLite always and on PostgreSQL when ``TRACKER_TEST_DATABASE_URL``
is set (``.ci/run`` sets it). Each test starts from empty tables; services commit for
real, so what a test sees is what production would see.
"""

from __future__ import annotations

import itertools
import os
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text
from support.today import NOW, TODAY

from tracker.app import create_app
from tracker.extensions import db

PG_URL = os.environ.get("TRACKER_TEST_DATABASE_URL")

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
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    """Return the URL of a migrated SQLite file database."""
    path = tmp_path_factory.mktemp("db") / "test.sqlite3"
    return _migrate(f"sqlite:///{path}", str(tmp_path_factory.mktemp("instance")))


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory, worker_id):
    """Return the URL of a freshly migrated database, once per backend (and per xdist
    worker: each gets its own PostgreSQL database, created next to the configured one)."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    url = PG_URL if worker_id == "master" else _worker_database(PG_URL, worker_id)
    return _migrate(url, str(tmp_path_factory.mktemp("instance")))


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


@pytest.fixture
def app(database_url, tmp_path):
    """Return an app on a migrated, empty database; tables are emptied afterwards."""
    application = create_app(base_config(database_url, str(tmp_path)))
    yield application
    with application.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


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
    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _record)


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
    """What a test SMTP server received; addresses starting with ``reject`` get a 550."""

    def __init__(self) -> None:
        self.messages: list = []
        self.envelopes: list = []
        self.peers: list = []  # the client address of each message: one per SMTP session
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

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
