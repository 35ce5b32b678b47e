"""The reports engine: where ``on_reports_engine`` sends ``db.session``, and its
transactions, read-only on the main database too and holding no SQLite write lock.

The pages and downloads on a reports engine that can only read: tests/web/test_reports_engine.py.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from tracker.app import create_app
from tracker.extensions import db, on_reports_engine, reports_engine
from tracker.models import Unit

UNIT = {"code": "X1", "name": "Đơn vị ghi", "kind": "province", "group": "local"}


def _bare_app(tmp_path, **config):
    """Return an app on a SQLite file of its own, outside the tests' shared transaction."""
    url = f"sqlite:///{tmp_path / 'bare.sqlite3'}"
    return create_app(
        {"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url, **config}
    )


@pytest.fixture
def bare(tmp_path):
    app = _bare_app(tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_without_a_url_reports_read_through_the_main_pool_and_cannot_write(ctx):
    assert reports_engine().pool is db.engine.pool
    assert reports_engine().url == db.engine.url
    with reports_engine().connect() as conn, pytest.raises(DBAPIError) as refused:
        conn.execute(insert(Unit).values(**UNIT))
    expected = "readonly database" if db.engine.dialect.name == "sqlite" else "read-only"
    assert expected in str(refused.value)


def test_the_session_reads_through_the_reports_engine_inside_the_block_only(bare):
    with bare.app_context():
        main, reports = db.engine, reports_engine()
        assert db.session.get_bind() is main
        with on_reports_engine():
            assert db.session.get_bind() is reports
            assert db.session.get_bind(mapper=Unit) is reports
        assert db.session.get_bind() is main
        with pytest.raises(LookupError), on_reports_engine():
            raise LookupError
        assert db.session.get_bind() is main


def test_a_url_gives_reports_an_engine_of_their_own(tmp_path, monkeypatch):
    other = tmp_path / "replica.sqlite3"
    monkeypatch.setenv("TRACKER_SQLALCHEMY_REPORTS_URI", f"sqlite:///{other}")
    app = _bare_app(tmp_path)
    with app.app_context():
        assert reports_engine().url.database == str(other)
        assert reports_engine().pool is not db.engine.pool
        reports_engine().dispose()
        db.engine.dispose()


def test_a_reports_url_on_another_kind_of_database_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="same kind of database"):
        _bare_app(tmp_path, SQLALCHEMY_REPORTS_URI="postgresql+psycopg://reader@replica/tracker")


def test_a_read_only_transaction_leaves_its_sqlite_connection_writable_for_the_next(bare):
    with bare.app_context():
        main, reports = db.engine, reports_engine()
    with main.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    with reports.connect() as conn, pytest.raises(OperationalError, match="readonly"):
        conn.execute(text("INSERT INTO t VALUES (1)"))
    assert main.pool.checkedin() == 1  # whoever comes next has that same connection
    raw = main.raw_connection()  # as the outbox sender, which begins without the hooks
    try:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO t VALUES (2)")
        raw.commit()
    finally:
        raw.close()
    with main.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (3)"))
    with reports.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM t")) == 2
    main.dispose()


@pytest.mark.committed  # a second connection writes while the report's transaction is open
def test_a_report_on_the_sqlite_file_blocks_no_writer(ctx, make):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL readers never block writers")
    make.unit(name="Tỉnh Đã Ghi")
    db.session.commit()
    with on_reports_engine():
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 1
        writer = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
        try:  # "database is locked" at once if the report held the write lock
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("UPDATE unit SET name = 'Tỉnh Đổi Tên'")
            writer.execute("COMMIT")
        finally:
            writer.close()
        assert db.session.scalar(select(Unit.name)) == "Tỉnh Đã Ghi"  # its own snapshot
    assert db.session.scalar(select(Unit.name)) == "Tỉnh Đổi Tên"
