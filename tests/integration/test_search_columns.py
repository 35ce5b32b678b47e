"""The folded search columns: kept current by every kind of write, filled by the migration
for rows written before it, and served by trigram indexes on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from tracker.app import create_app
from tracker.extensions import db
from tracker.models import Evidence, Task, User

TEXT = "xay dung co so du lieu\n09/ct-ttg\tchi thi 09\tket noi du lieu"


def test_a_task_keeps_its_search_text_through_creation_and_edits(make):
    task = make.task(
        title="Xây dựng CƠ SỞ dữ liệu",
        source_number="09/CT-TTg",
        source_document="Chỉ thị 09",
        description="Kết nối\n  dữ liệu",
    )
    assert task.search_text == TEXT
    task.title = "Hoàn thiện  thể chế"
    task.description = ""
    db.session.flush()
    db.session.expire(task)
    assert task.search_text == "hoan thien the che\n09/ct-ttg\tchi thi 09\t"


def test_evidence_and_people_keep_their_folded_text(make):
    unit = make.unit(name="Thành phố Hà Nội")
    assignment = make.assignment(make.task(), unit)
    doc = Evidence(assignment_id=assignment.id, doc_number="1738/KH-UBND")
    db.session.add(doc)
    person = make.user("focal_point", name="Nguyễn Thị Lan", unit_id=unit.id)
    db.session.flush()
    doc.doc_number = "12/QĐ-UBND"
    person.name = "Đặng Văn Đức"
    db.session.flush()
    db.session.expire_all()
    assert (doc.search_doc, person.search_name) == ("12/qd-ubnd", "dang van duc")


def test_bulk_inserts_fill_the_search_columns_from_their_values(make):
    unit = make.unit()
    now = datetime(2024, 6, 1, tzinfo=UTC)
    db.session.execute(
        insert(Task),
        [
            {"title": "Dữ liệu số", "field": "data", "description": "Mô tả", "created_at": now},
            {"title": "Hạ tầng", "field": "data", "source_number": "5/KH", "created_at": now},
        ],
    )
    db.session.execute(
        insert(User),
        [{"email": "bulk@example.org", "name": "Lê Thị Ánh", "role": "viewer",
          "password_hash": "x", "session_token": "bulk-token", "unit_id": unit.id}],
    )  # fmt: skip
    task_id = db.session.scalar(select(Task.id).where(Task.title == "Hạ tầng"))
    assignment = make.assignment(db.session.get(Task, task_id), unit)
    db.session.execute(insert(Evidence), [{"assignment_id": assignment.id, "doc_number": "5/BC"}])
    texts = db.session.scalars(select(Task.search_text).order_by(Task.id)).all()
    assert texts == ["du lieu so\n\t\tmo ta", "ha tang\n5/kh\t\t"]
    assert db.session.scalar(select(User.search_name).where(User.email == "bulk@example.org")) == (
        "le thi anh"
    )
    assert db.session.scalar(select(Evidence.search_doc)) == "5/bc"


def test_postgresql_has_trigram_indexes_on_the_folded_columns(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("trigram indexes are PostgreSQL's")
        found = dict(
            db.session.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%_trgm'")
            ).all()
        )
    assert set(found) == {"ix_task_search_text_trgm", "ix_evidence_search_doc_trgm"}
    assert all("gin_trgm_ops" in definition for definition in found.values())


# --- The migration fills rows written before it --------------------------------------------


@pytest.fixture
def empty_database(database_url, tmp_path):
    """Return the URL of an empty database on the backend under test, dropped afterwards."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    name = f"{url.database}_search_migration"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_migration_folds_the_rows_already_there(empty_database, tmp_path):
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x",
                      "TESTING": True})  # fmt: skip
    with app.app_context():
        upgrade(revision="0024")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    'INSERT INTO unit (id, code, name, sort_name, search_name, kind, "group", '
                    "active, created_at) VALUES "
                    "(1, 'HNI', 'Hà Nội', '', 'ha noi', 'city', 'local', true, '2024-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO task (id, title, description, source_document, source_number, "
                    "field, priority, deadline_wording, created_at, updated_at, version) VALUES "
                    "(1, 'Dữ liệu DÂN CƯ', 'Kết nối', 'Chỉ thị', '09/CT-TTg', 'data', false, '', "
                    "'2024-01-01', '2024-01-01', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO assignment (id, task_id, unit_id, role, state, return_reason, "
                    "created_at, updated_at, version) VALUES (1, 1, 1, 'lead', 'submitted', '', "
                    "'2024-01-01', '2024-01-01', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO evidence (assignment_id, doc_number, signer, summary, "
                    "uploaded_at) VALUES (1, '1738/KH-UBND', '', '', '2024-01-01')"
                )
            )
            conn.execute(text(
                "INSERT INTO \"user\" (email, name, password_hash, role, language, active, "
                "session_token, created_at, is_service) VALUES ('a@example.org', 'Trần Đức', "
                "'x', 'viewer', 'vi', true, 't', '2024-01-01', false)"
            ))  # fmt: skip
        upgrade()
        with db.engine.connect() as conn:
            folded = conn.execute(text(
                "SELECT (SELECT search_text FROM task), (SELECT search_doc FROM evidence), "
                "(SELECT search_name FROM \"user\")"
            )).one()  # fmt: skip
        db.engine.dispose()
    assert tuple(folded) == (
        "du lieu dan cu\n09/ct-ttg\tchi thi\tket noi",
        "1738/kh-ubnd",
        "tran duc",
    )


def test_the_migration_succeeds_without_trigram_indexes_where_pg_trgm_is_refused(
    empty_database, capfd
):
    """A role that may not create extensions (no CREATE on the database) still migrates."""
    from flask_migrate import upgrade

    url = make_url(empty_database)
    if url.get_backend_name() != "postgresql":
        pytest.skip("extensions are PostgreSQL's")
    owner = create_engine(url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text("DROP ROLE IF EXISTS search_no_extensions"))
        conn.execute(text("CREATE ROLE search_no_extensions LOGIN"))
        conn.execute(text("GRANT ALL ON SCHEMA public TO search_no_extensions"))
        conn.execute(text(f'REVOKE CREATE ON DATABASE "{url.database}" FROM PUBLIC'))
    limited = url.set(username="search_no_extensions").render_as_string(hide_password=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": limited, "SECRET_KEY": "x", "TESTING": True})
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                indexes = conn.execute(
                    text("SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%_trgm'")
                ).scalar()
                head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            db.engine.dispose()
    finally:
        owner.dispose()
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(text("DROP ROLE IF EXISTS search_no_extensions"))
        admin.dispose()
    assert indexes == 0 and head >= "0025"
    # Alembic's logging configuration writes the migration's log to stderr.
    assert "pg_trgm could not be created" in capfd.readouterr().err
