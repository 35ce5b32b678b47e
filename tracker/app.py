"""The application factory: reads as a table of contents of what the app is made of."""

from __future__ import annotations

import os
import time
from zoneinfo import ZoneInfo

from flask import Flask

from tracker import config


def create_app(test_config: dict | None = None) -> Flask:
    """Build a configured app; no side effects beyond reading configuration."""
    app = Flask(__name__, instance_path=_instance_path(), instance_relative_config=True)
    config.load(app, test_config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_request_metrics(app)
    return app


def _instance_path() -> str:
    """Return the instance folder: TRACKER_INSTANCE_PATH, else ./instance of the checkout."""
    explicit = os.environ.get("TRACKER_INSTANCE_PATH")
    if explicit:
        return os.path.abspath(explicit)
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "instance")


def register_extensions(app: Flask) -> None:
    from tracker import auth, i18n
    from tracker.extensions import bootstrap, csrf, db, migrate, oauth
    from tracker.services import history
    from tracker.views import page_cache

    os.makedirs(app.instance_path, exist_ok=True)
    db.init_app(app)
    register_databases(app)
    history.install(ZoneInfo(app.config["TIMEZONE"]))
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    csrf.init_app(app)
    bootstrap.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    oauth.init_app(app)
    page_cache.init_app(app)


def register_databases(app: Flask) -> None:
    """Configure the main engine's connections, and give reports theirs: their own engine
    on SQLALCHEMY_REPORTS_URI (a replica, or a SELECT-only role), else the main one."""
    from sqlalchemy import create_engine

    from tracker.extensions import db, init_reports_engine

    with app.app_context():
        main = db.engine
    _configure_connections(main)
    uri = app.config["SQLALCHEMY_REPORTS_URI"]
    if not uri:
        init_reports_engine(app, main)
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("echo", app.config["SQLALCHEMY_ECHO"])
    reports = create_engine(uri, **options)
    _configure_connections(reports)
    init_reports_engine(app, reports)


def _configure_connections(engine) -> None:
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    elif engine.dialect.name == "postgresql":
        _configure_postgresql(engine)


def _configure_postgresql(engine) -> None:
    """Make read-only transactions (``extensions.READ_ONLY``) read-only on the server too:
    a report that tried to write fails instead of writing. End transactions that wrote
    nothing with COMMIT (``_end_unwritten_with_commit``)."""
    from sqlalchemy import event

    from tracker import extensions

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if connection.get_execution_options().get(extensions.READ_ONLY):
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")

    @event.listens_for(engine, "rollback")
    def _on_rollback(connection):
        if not connection.invalidated:  # a lost connection has nothing left to end
            _end_unwritten_with_commit(connection.connection.dbapi_connection)


# Whether the transaction has written anything: a transaction id is assigned at its first
# write (rows, row locks, tables), never by reading alone.
_WROTE = "SELECT pg_current_xact_id_if_assigned() IS NOT NULL"


def _end_unwritten_with_commit(dbapi_connection) -> None:
    """End a transaction that wrote nothing with COMMIT rather than ROLLBACK, which for it
    are the same.

    psycopg forgets every statement it prepared on the connection at each ROLLBACK (in case
    the transaction had dropped what they refer to). Each request ends its transaction, a
    page's with ROLLBACK (Flask-SQLAlchemy's session ends so): no statement was ever
    executed often enough to be prepared, so PostgreSQL parsed and planned every statement
    of every request, the session lookup's included. Ending read-only transactions with
    COMMIT keeps them prepared across requests; the ROLLBACK SQLAlchemy sends next finds no
    transaction and does nothing. A transaction that wrote, or failed, is rolled back. (A
    session-wide SET inside a transaction would now outlast it; the app sets none so.)"""
    import psycopg
    from psycopg.pq import TransactionStatus

    if dbapi_connection.info.transaction_status != TransactionStatus.INTRANS:
        return
    try:
        if not dbapi_connection.execute(_WROTE).fetchone()[0]:
            dbapi_connection.commit()
    except psycopg.Error:
        pass  # a lost connection: the ROLLBACK that follows reports it as SQLAlchemy does


def _configure_sqlite(engine) -> None:
    """Enforce foreign keys and let SQLAlchemy, not pysqlite, control transactions.

    pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented
    workaround emits BEGIN itself. It emits BEGIN IMMEDIATE: a deferred transaction that
    reads and then writes fails at once ("database is locked") when another process wrote
    in between, instead of waiting; taking the write lock up front makes it wait its turn
    (busy_timeout). WAL lets readers outside transactions proceed meanwhile.
    """
    from sqlalchemy import event

    from tracker import extensions

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
        record.info["query_only"] = False

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        options = connection.get_execution_options()
        # Durability and query_only are set per connection, between transactions: WAL's
        # NORMAL fsyncs at checkpoints only (safe against a killed process), FULL at every
        # commit.
        level = "NORMAL" if options.get(extensions.RELAXED_DURABILITY) else "FULL"
        info = connection.connection.info
        if info.get("synchronous") != level:
            connection.exec_driver_sql(f"PRAGMA synchronous={level}")
            info["synchronous"] = level
        # Writers take the lock up front (a read-then-write transaction would otherwise fail
        # when the scheduler wrote in between); long report reads must not hold it, and
        # must not write.
        read_only = bool(options.get(extensions.READ_ONLY))
        if info.get("query_only") != read_only:
            connection.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
            info["query_only"] = read_only
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record):
        # Back in the pool writable: the outbox sender drives its pooled connection's
        # transactions itself, without the hook above.
        if dbapi_connection is not None and record.info.get("query_only"):
            dbapi_connection.execute("PRAGMA query_only=0")
            record.info["query_only"] = False


def register_blueprints(app: Flask) -> None:
    from tracker.views import (
        account,
        api,
        api_docs,
        api_tokens,
        assignments,
        auth,
        dashboard,
        feeds,
        health,
        imports,
        mailbox,
        notifications,
        recurring,
        reminders,
        reports,
        review,
        search,
        sso,
        task_editing,
        tasks,
        two_factor,
        units,
    )
    from tracker.views.admin import (
        audit,
        calendar,
        home,
        reorganisation,
        service_accounts,
        webhooks,
    )
    from tracker.views.admin import units as admin_units
    from tracker.views.admin import users as admin_users

    for module in (
        auth,
        sso,
        dashboard,
        tasks,
        task_editing,
        recurring,
        units,
        account,
        two_factor,
        api_docs,
        api_tokens,
        notifications,
        home,
        admin_users,
        admin_units,
        service_accounts,
        reorganisation,
        calendar,
        audit,
        webhooks,
        assignments,
        review,
        reminders,
        mailbox,
        reports,
        imports,
        feeds,
        search,
        health,
    ):
        app.register_blueprint(module.bp)
    api.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from tracker.views import errors

    errors.init_app(app)


def register_template_helpers(app: Flask) -> None:
    from tracker.views import templating

    templating.init_app(app)


def register_security_headers(app: Flask) -> None:
    """Trust a proxy's forwarded headers if configured, throttle sign-in, harden responses."""
    from flask import g, request
    from werkzeug.middleware.proxy_fix import ProxyFix

    from tracker import ratelimit_storage  # registers tracker-db:// with the limits library
    from tracker.extensions import limiter

    if app.config["BEHIND_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    limiter.init_app(app)
    ratelimit_storage.init_app(app)

    @app.after_request
    def _headers(response):
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        # What a signed-in user reads stays out of every cache, the browser's back-forward
        # copy on a shared computer included; static assets, read without loading anyone,
        # keep theirs.
        user = g.get("_login_user")
        signed_in = user is not None and user.is_authenticated
        if signed_in and "no-store" not in (response.headers.get("Cache-Control") or ""):
            response.headers["Cache-Control"] = "no-store"
        return response


def register_request_metrics(app: Flask) -> None:
    """Count every answered request and its time for /metrics, by endpoint and status."""
    from flask import g, request

    from tracker.services import metrics

    def _started():
        g.started = time.perf_counter()

    # First of the before-request functions: a request another one refuses is counted too.
    app.before_request_funcs.setdefault(None, []).insert(0, _started)

    @app.after_request
    def _count(response):
        started = g.pop("started", None)
        if started is not None:
            endpoint = request.url_rule.endpoint if request.url_rule else "unmatched"
            metrics.observe(
                endpoint, request.method, response.status_code, time.perf_counter() - started
            )
        return response
