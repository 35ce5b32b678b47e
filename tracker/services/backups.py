"""Backups that restore: the database, the evidence files and the instance's configuration
in one archive, with a manifest of checksums checked before anything is restored.

The archive is a gzip'd tar holding ``manifest.json``, the database (PostgreSQL:
``database.dump``, ``pg_dump``'s custom format; SQLite: ``database.sqlite3``, a copy made
with SQLite's online backup API, consistent while the app runs), ``uploads/...`` and, when
there is one, ``instance/config.py``. A backup restores into an empty database of the same
kind and an empty upload folder; nothing is written until every checksum holds.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from tracker.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
UPLOADS = "uploads"
CONFIG = "instance/config.py"
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class Restored:
    """What a restore put back."""

    backend: str
    revision: str | None
    files: int
    config: str  # "restored", "kept" (one was there already) or "none" (none in the backup)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _backend() -> str:
    name = db.engine.dialect.name
    if name not in DUMPS:
        raise BackupError(f"backups support PostgreSQL and SQLite, not {name}")
    return name


def _libpq_url() -> str:
    """Return the database URL as libpq (pg_dump, pg_restore) reads it."""
    url = make_url(db.engine.url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _pg_tool(tool: str, *args: str) -> None:
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed (Debian: apt install postgresql-client)")
    done = subprocess.run([tool, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip() or done.stdout.strip()}")


def _revision() -> str | None:
    with db.engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except SQLAlchemyError:  # a database never migrated has no such table
            return None


def create(output: Path, *, upload_folder: str, instance_path: str, now: datetime) -> dict:
    """Write the backup archive to ``output``; return its manifest."""
    backend = _backend()
    with tempfile.TemporaryDirectory(prefix="tracker-backup-") as work:
        root = Path(work)
        dump = root / DUMPS[backend]
        if backend == "postgresql":
            _pg_tool("pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                     f"--file={dump}", f"--dbname={_libpq_url()}")  # fmt: skip
        else:
            _sqlite_copy(db.engine.url.database, dump)
        members = [(DUMPS[backend], dump)]
        uploads = Path(upload_folder)
        if uploads.is_dir():
            for path in sorted(p for p in uploads.rglob("*") if p.is_file()):
                members.append((f"{UPLOADS}/{path.relative_to(uploads).as_posix()}", path))
        config = Path(instance_path) / "config.py"
        if config.is_file():
            members.append((CONFIG, config))
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "backend": backend,
            "revision": _revision(),
            "files": [
                {"name": name, "size": path.stat().st_size, "sha256": _sha256(path)}
                for name, path in members
            ],
        }
        (root / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(root / MANIFEST, arcname=MANIFEST)
            for name, path in members:
                archive.add(path, arcname=name)
        os.replace(partial, output)  # a crash never leaves a half-written backup by its name
    return manifest


def _sqlite_copy(source: str, target: Path) -> None:
    """Copy the SQLite database ``source`` to ``target`` page by page (online backup API):
    a consistent copy even while others write."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def restore(archive_path: Path, *, upload_folder: str, instance_path: str) -> Restored:
    """Restore the archive into the app's database, which must be empty, and its upload
    folder, which must be empty or absent; every checksum is checked first."""
    backend = _backend()
    with tempfile.TemporaryDirectory(prefix="tracker-restore-") as work:
        root = Path(work)
        manifest = _unpack(archive_path, root)
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        if manifest["backend"] != backend:
            raise BackupError(
                f"this backup holds a {manifest['backend']} database; "
                f"the app's database is {backend}"
            )
        uploads = Path(upload_folder)
        if uploads.is_dir() and any(uploads.iterdir()):
            raise BackupError(f"the upload folder {uploads} is not empty")
        if inspect(db.engine).get_table_names():
            raise BackupError("the database is not empty: restore into a new, empty database")
        dump = root / DUMPS[backend]
        if backend == "postgresql":
            db.engine.dispose()
            _pg_tool("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                     f"--dbname={_libpq_url()}", str(dump))  # fmt: skip
        else:
            db.engine.dispose()
            _sqlite_copy(str(dump), Path(db.engine.url.database))
        files = 0
        for entry in manifest["files"]:
            name = entry["name"]
            if name.startswith(UPLOADS + "/"):
                target = uploads / name[len(UPLOADS) + 1 :]
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(root / name, target)
                files += 1
        config = "none"
        if any(entry["name"] == CONFIG for entry in manifest["files"]):
            target = Path(instance_path) / "config.py"
            if target.exists():
                config = "kept"
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(root / CONFIG, target)
                config = "restored"
    return Restored(backend, manifest.get("revision"), files, config)


def _unpack(archive_path: Path, root: Path) -> dict:
    """Extract the archive into ``root`` and check every file against the manifest;
    return the manifest."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(root, filter="data")  # no absolute paths, links out, devices
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{archive_path} is not a readable backup: {error}") from error
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        listed = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupError(f"{archive_path} has no valid {MANIFEST}") from error
    for entry in listed:
        path = root / entry["name"]
        if not path.is_file():
            raise BackupError(f"{entry['name']} is listed in the manifest but missing")
        if path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            raise BackupError(f"{entry['name']} does not match its checksum: the backup is damaged")
    return manifest
