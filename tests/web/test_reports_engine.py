"""Report pages and exports on a reports engine that can only read.

``SQLALCHEMY_REPORTS_URI`` points the reports at a PostgreSQL replica in production; here
at the test database through a role granted SELECT only (PostgreSQL), or through a SQLite
connection opened read-only (``mode=ro``). Every page and download, as of today and as of
past days, must render from it, and a write through it must fail. The rows are committed
(``committed``): the reports engine has connections of its own, which cannot see the rows
of a test's transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, event, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from support.people import COORDINATOR, office
from support.units import ba_ria_vung_tau_province, hanoi_city, health_ministry

from tracker.app import create_app
from tracker.cli import cli
from tracker.extensions import READ_ONLY, db, on_reports_engine, reports_engine
from tracker.models import Unit

APRIL = datetime(2024, 4, 1, 3, tzinfo=UTC)
DAYS = ("", "30/06/2024", "15/05/2024")  # today (01/07/2024), then two closed days


def _world(make) -> int:
    """A task given in April: one province done in June, one open, a ministry done on 01/07
    (a revision, so days before it are rebuilt from the history); the office's people."""
    given = {"created_at": APRIL, "updated_at": APRIL}
    province, city = ba_ria_vung_tau_province(make), hanoi_city(make)
    ministry = health_ministry(make)
    task = make.task(title="Ban hành danh mục CSDL dùng chung", deadline=date(2024, 6, 30))
    make.assignment(task, province, state="completed", submitted_on=date(2024, 6, 1), **given)
    make.assignment(task, city, state="in_progress", **given)
    late = make.assignment(task, ministry, state="in_progress", **given)
    late.state, late.submitted_on = "completed", date(2024, 7, 1)
    late.updated_at = datetime(2024, 7, 1, 3, tzinfo=UTC)
    office(make, "admin", "coordinator", "viewer")
    return task.id


def report_urls(task_id: int) -> list[str]:
    """Return every report page and download, as of today and as of the closed days."""
    urls = []
    for day in DAYS:
        as_of = f"as_of={day}&" if day else ""
        for path in ("/reports/", f"/reports/tasks/{task_id}", "/reports/units", "/reports/matrix"):
            urls += [f"{path}?{as_of}", f"{path}?{as_of}print=1"]
            urls += [f"{path}?{as_of}format={fmt}" for fmt in ("xlsx", "csv")]
        urls += [
            f"/reports/tasks/{task_id}?{as_of}missing=1",
            f"/reports/narrative?{as_of}",
            f"/reports/narrative?{as_of}name_units=1&lang=en&task={task_id}",
        ]
    return urls


def _read_only_sqlite_url(database_url: str) -> str:
    """Return a URL opening the same SQLite file read-only."""
    return f"sqlite:///file:{make_url(database_url).database}?mode=ro&uri=true"


@contextmanager
def _select_only_role(database_url: str) -> Iterator[str]:
    """Create a login role that may only read the test database (PostgreSQL); yield its URL
    and drop it afterwards. Named after the database: each test worker has its own."""
    url = make_url(database_url)
    role = f"tracker_reports_ro_{url.database}"[:63]
    password = secrets.token_hex(8)
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def drop(conn):
        if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
            conn.execute(text(f'DROP OWNED BY "{role}"'))  # its grants, here and on the database
            conn.execute(text(f'DROP ROLE "{role}"'))

    with admin.connect() as conn:
        drop(conn)  # left by an interrupted run
        for statement in (
            f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'",
            f'GRANT CONNECT ON DATABASE "{url.database}" TO "{role}"',
            f'GRANT USAGE ON SCHEMA public TO "{role}"',
            f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"',
            f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO "{role}"',
        ):
            conn.execute(text(statement))
    try:
        yield url.set(username=role, password=password).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"),
                {"r": role},
            )
            drop(conn)
        admin.dispose()


@pytest.fixture
def reporting(app):
    """Return a second app on the test database whose reports engine can only read it."""
    main_url = app.config["SQLALCHEMY_DATABASE_URI"]
    if main_url.startswith("sqlite"):
        role = nullcontext(_read_only_sqlite_url(main_url))
    else:
        role = _select_only_role(main_url)
    with role as reports_url:
        other = create_app({**app.config, "SQLALCHEMY_REPORTS_URI": reports_url})
        try:
            yield other
        finally:
            with other.app_context():
                reports_engine().dispose()
                db.engine.dispose()


@contextmanager
def _statements(engine) -> Iterator[list[str]]:
    """Collect the statements run through ``engine`` inside the block (not the PRAGMAs,
    BEGINs and SETs of the connection hooks)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("PRAGMA", "BEGIN", "SET")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.committed
def test_every_report_page_and_download_renders_from_a_reports_engine_that_can_only_read(
    reporting, build, tmp_path
):
    task_id = build(_world)
    client = reporting.test_client()
    signed_in = client.post(
        "/login", data={"email": COORDINATOR, "password": "secret-pass"}, follow_redirects=True
    )
    assert signed_in.status_code == 200
    with reporting.app_context():
        main, reports = db.engine, reports_engine()
    for url in report_urls(task_id):
        with _statements(main) as on_main, _statements(reports) as on_reports:
            response = client.get(url)
        assert response.status_code == 200, url
        assert on_reports, url
        # The main database only tells who is signed in (Flask-Login's user loader).
        assert all("session_token" in s for s in on_main), (url, on_main)
    page = client.get(f"/reports/tasks/{task_id}?as_of=30/06/2024").get_data(as_text=True)
    assert "Bà Rịa - Vũng Tàu" in page and "Bộ Y tế" in page

    output = tmp_path / "report.xlsx"
    runner = reporting.test_cli_runner()
    with _statements(main) as on_main, _statements(reports) as on_reports:
        result = runner.invoke(cli, ["report", "--as-of", "2024-06-30", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert output.stat().st_size > 0 and on_reports and not on_main


@pytest.mark.committed
def test_a_write_through_the_reports_engine_fails(reporting, build):
    build(_world)
    row = {"code": "X1", "name": "Đơn vị ghi", "kind": "province", "group": "local"}
    with reporting.app_context():
        with pytest.raises(DBAPIError) as refused, on_reports_engine():
            db.session.execute(insert(Unit).values(**row))
        # The read-only transaction refuses it first; without one, the role's privileges do.
        writable = reports_engine().execution_options(**{READ_ONLY: False})
        with pytest.raises(DBAPIError) as denied, writable.begin() as conn:
            conn.execute(insert(Unit).values(**row))
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 3
        db.session.rollback()
    if reporting.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert "readonly database" in str(refused.value)
        assert "readonly database" in str(denied.value)
    else:
        assert "read-only transaction" in str(refused.value)
        assert "permission denied for table unit" in str(denied.value)
