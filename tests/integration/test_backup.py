"""``tracker backup`` and ``tracker restore``: the demo after some work, backed up, restored
into a fresh database and folder, equals the original in every table and every evidence
file; a restore that cannot hold refuses before it writes anything."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from tracker.app import create_app
from tracker.extensions import db
from tracker.models import Assignment, User
from tracker.services.assignments import workflow
from tracker.settings import Settings

# pg_dump and pg_restore are other processes: they see committed rows only.
pytestmark = pytest.mark.committed

NOW = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


def _run(app, *args: str):
    """Run ``tracker <args>`` on ``app``."""
    from flask.testing import FlaskCliRunner

    from tracker.cli import cli

    return FlaskCliRunner(app).invoke(cli, list(args))


class _Upload:
    def __init__(self, filename: str, content: bytes) -> None:
        self.filename, self.stream = filename, io.BytesIO(content)


def _work_on_the_demo(app) -> None:
    """Load the demo and have a focal point report completion with two files."""
    assert _run(app, "demo").exit_code == 0
    with app.app_context():
        focal = db.session.scalars(
            select(User).where(User.role == "focal_point").order_by(User.id).limit(1)
        ).one()
        open_one = db.session.scalars(
            select(Assignment)
            .where(Assignment.unit_id == focal.unit_id)
            .where(Assignment.state.in_(["assigned", "in_progress"]))
            .order_by(Assignment.id)
            .limit(1)
        ).one()
        files = [_Upload("Báo cáo.pdf", PDF), _Upload("ảnh.png", PNG)]
        settings = Settings.from_config(app.config, app.instance_path)
        workflow.submit_completion(
            open_one.id, focal, NOW, open_one.version, "Đã hoàn thành", None, "", "", files,
            settings=settings,
        )  # fmt: skip
        db.session.remove()


def _tables(app) -> dict[str, list[tuple]]:
    """Return every table's rows (those of the migrations included), in primary-key order."""
    with app.app_context():
        found = {}
        for table in [*db.metadata.sorted_tables, None]:
            if table is None:  # Alembic's own
                rows = db.session.execute(text("SELECT version_num FROM alembic_version"))
                found["alembic_version"] = [tuple(r) for r in rows]
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            found[table.name] = [tuple(r) for r in db.session.execute(
                select(table).order_by(*order))]  # fmt: skip
        db.session.remove()
        return found


def _files(folder: str) -> dict[str, bytes]:
    root = Path(folder)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def fresh(app, tmp_path, monkeypatch):
    """Return a new app on an empty database of the same kind, with an empty instance."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    name = f"{url.database}_restored"

    def server(statement: str) -> None:  # PostgreSQL's, from its maintenance database
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(statement))
        admin.dispose()

    if url.get_backend_name() == "sqlite":
        target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    else:
        server(f'DROP DATABASE IF EXISTS "{name}"')
        server(f'CREATE DATABASE "{name}"')
        target = url.set(database=name).render_as_string(hide_password=False)
    instance = tmp_path / "restored-instance"
    instance.mkdir()
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(instance))
    # The test app's configuration on the new database and folder.
    other = create_app(
        dict(app.config)
        | {
            "SQLALCHEMY_DATABASE_URI": target,
            "SQLALCHEMY_REPORTS_URI": None,
            "UPLOAD_FOLDER": str(instance / "uploads"),
        }
    )
    yield other
    with other.app_context():
        db.engine.dispose()
    if url.get_backend_name() != "sqlite":
        server(f'DROP DATABASE IF EXISTS "{name}"')


def test_a_backup_restores_every_table_and_every_file(app, fresh, tmp_path, monkeypatch):
    _work_on_the_demo(app)
    instance = tmp_path / "instance"  # the shared test app's own is the checkout's
    instance.mkdir()
    (instance / "config.py").write_text("MAIL_DEFAULT_SENDER = 'x@example.org'\n")
    monkeypatch.setattr(app, "instance_path", str(instance))
    archive = tmp_path / "backup.tar.gz"

    made = _run(app, "backup", "--output", str(archive))

    assert made.exit_code == 0, made.output
    assert "2 evidence file(s)" in made.output
    restored = _run(fresh, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert "2 evidence file(s); instance/config.py restored" in restored.output
    before, after = _tables(app), _tables(fresh)
    assert before.keys() == after.keys()
    for name in before:
        assert after[name] == before[name], name
    assert sum(len(rows) for rows in before.values()) > 1000  # the demo, not an empty shell
    original = _files(Settings.from_config(app.config, app.instance_path).upload_folder)
    copied = _files(Settings.from_config(fresh.config, fresh.instance_path).upload_folder)
    assert copied == original and sorted(original.values()) == sorted([PDF, PNG])
    assert Path(fresh.instance_path, "config.py").read_text() == (
        "MAIL_DEFAULT_SENDER = 'x@example.org'\n"
    )

    # The restored install works: the counts hold and a page reads the restored data.
    assert _run(fresh, "rollups", "check").exit_code == 0

    # A second restore finds the database no longer empty and writes nothing.
    again = _run(fresh, "restore", str(archive))
    assert again.exit_code != 0
    assert "not empty" in again.output
    assert _tables(fresh) == after


def test_a_damaged_backup_is_refused_before_anything_is_written(app, fresh, tmp_path):
    assert _run(app, "demo").exit_code == 0
    archive = tmp_path / "backup.tar.gz"
    assert _run(app, "backup", "--output", str(archive)).exit_code == 0
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("database."):
                data = data[:-1] + bytes([data[-1] ^ 0xFF])  # one byte flipped
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))

    refused = _run(fresh, "restore", str(damaged))

    assert refused.exit_code != 0
    assert "does not match its checksum" in refused.output
    with fresh.app_context():
        from sqlalchemy import inspect

        assert inspect(db.engine).get_table_names() == []
    not_a_backup = tmp_path / "notes.tar.gz"
    not_a_backup.write_bytes(gzip.compress(b"hello"))
    refused = _run(fresh, "restore", str(not_a_backup))
    assert refused.exit_code != 0 and "not a readable backup" in refused.output


def test_the_manifest_lists_each_file_with_its_size_and_checksum(app, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    assert _run(app, "backup", "--output", str(archive)).exit_code == 0
    with tarfile.open(archive, "r:gz") as source:
        manifest = json.loads(source.extractfile("manifest.json").read())
        names = source.getnames()
    assert manifest["format"] == 1
    assert manifest["backend"] in ("sqlite", "postgresql")
    assert manifest["revision"]
    assert [f["name"] for f in manifest["files"]] == [n for n in names if n != "manifest.json"]
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in manifest["files"])
