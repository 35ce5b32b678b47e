"""Sign-in limits shared by every web worker: gunicorn with four workers counting in a real
Redis (TRACKER_RATELIMIT_STORAGE_URI) or, without one, in the app's database (SQLite, and
PostgreSQL when TRACKER_TEST_DATABASE_URL is set); guesses at one account over fresh
connections from many addresses; the eleventh within the minute is refused whichever
worker answers, and the owner still signs in from a browser they used before (README:
"Sign-in limits")."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tracker.app import create_app
from tracker.benchmarks.common import sign_in_form
from tracker.extensions import db
from tracker.models import Role, User

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
needs_redis = pytest.mark.skipif(
    not os.path.exists(REDIS), reason="no redis-server (apt-get install redis-server)"
)
EMAIL, PASSWORD = "dm.ha-noi@example.org", "mat-khau-dung-1"
PG_URL = os.environ.get("TRACKER_TEST_DATABASE_URL")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def _database(url: str) -> str:
    """Migrate the empty database at ``url`` and give it the account; return the URL."""
    from werkzeug.security import generate_password_hash

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "limits-test"})
    with app.app_context():
        upgrade()
        db.session.add(User(
            email=EMAIL, name="Đầu mối Hà Nội", role=Role.FOCAL_POINT,
            password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1"),
            session_token="t" * 32, language="vi", active=True,
        ))  # fmt: skip
        db.session.commit()
        db.engine.dispose()
    return url


def _attempt(base: str, password: str, address: str, client: httpx.Client | None = None) -> int:
    """One sign-in over a fresh connection (a new client) unless ``client`` is given."""
    own = client is None
    client = client or httpx.Client(base_url=base, timeout=30)
    try:
        headers = {"X-Forwarded-For": address}
        page = client.get("/login", headers=headers)
        form = sign_in_form(page.text, EMAIL) | {"password": password}
        return client.post("/login", data=form, headers=headers).status_code
    finally:
        if own:
            client.close()


@contextmanager
def _sqlite(folder: Path) -> Iterator[str]:
    yield _database(f"sqlite:///{folder / 'tracker.sqlite3'}")


@contextmanager
def _postgresql(_folder: Path) -> Iterator[str]:
    """A database of its own beside the tests' one, dropped afterwards."""
    base = make_url(PG_URL)
    name = f"{base.database}_shared_limits"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _database(base.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def _redis() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


@contextmanager
def _served(folder: Path, database_url: str, storage_uri: str | None) -> Iterator[str]:
    """Serve the app with ``gunicorn -w 4`` as production does, its access log (with each
    answering worker's pid) in ``folder``; yield its base URL. Without ``storage_uri``
    the deployment sets no store: the default counts in the database."""
    port = _free_port()
    steering = {"HOST", "PORT", "WEB_CONCURRENCY", "GUNICORN_CMD_ARGS"}
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith("TRACKER_") and key not in steering
    } | {
        "TRACKER_SQLALCHEMY_DATABASE_URI": database_url,
        "TRACKER_SECRET_KEY": "limits-test",
        "TRACKER_BEHIND_PROXY": "1",
        "TRACKER_INSTANCE_PATH": str(folder),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "4",
        "GUNICORN_CMD_ARGS": (
            f"--access-logfile {folder / 'access.log'} --access-logformat '%(p)s %(m)s %(s)s'"
        ),
    }  # fmt: skip
    if storage_uri:
        env["TRACKER_RATELIMIT_STORAGE_URI"] = storage_uri
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:tracker.gunicorn_conf"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{base}/healthz")
        yield base
    finally:
        web.terminate()
        web.wait(30)


def _guess_then_sign_in(base: str) -> None:
    """The owner signs in once; thirteen guesses from other addresses (the eleventh and
    later refused); the right password from a new browser is refused, from the owner's
    known browser it signs in (the documented path)."""
    owner = httpx.Client(base_url=base, timeout=30)
    assert _attempt(base, PASSWORD, "198.51.100.7", owner) == 302  # the owner's browser
    owner.cookies.delete("session")  # signed out; the browser stays known
    guesses = [_attempt(base, "doan-sai", f"203.0.113.{n}") for n in range(13)]
    assert guesses == [200] * 10 + [429] * 3
    assert _attempt(base, PASSWORD, "203.0.113.99") == 429  # not from a known browser
    assert _attempt(base, PASSWORD, "198.51.100.7", owner) == 302  # the documented path
    owner.close()


def _answered_by_several_workers(folder: Path) -> None:
    log = (folder / "access.log").read_text()
    posts = [line.split() for line in log.splitlines() if " POST " in line]
    assert len({pid for pid, *_ in posts}) >= 2, "one worker answered every sign-in"


@needs_redis
def test_the_eleventh_guess_is_refused_whichever_worker_answers(tmp_path):
    with (
        _redis() as redis_uri,
        _sqlite(tmp_path) as database_url,
        _served(tmp_path, database_url, redis_uri) as base,
    ):
        _guess_then_sign_in(base)
    _answered_by_several_workers(tmp_path)


@pytest.mark.parametrize(
    "database",
    [
        pytest.param(_sqlite, id="sqlite"),
        pytest.param(
            _postgresql,
            id="postgresql",
            marks=pytest.mark.skipif(
                not PG_URL, reason="TRACKER_TEST_DATABASE_URL is not set: PostgreSQL not tested"
            ),
        ),
    ],
)
def test_without_redis_the_database_counts_for_every_worker(tmp_path, database):
    with database(tmp_path) as database_url:
        with _served(tmp_path, database_url, None) as base:
            _guess_then_sign_in(base)
        engine = create_engine(database_url)
        with engine.connect() as conn:
            keys = conn.execute(text("SELECT key FROM rate_limit_counters")).scalars().all()
        engine.dispose()
    _answered_by_several_workers(tmp_path)
    assert any(EMAIL in key for key in keys), "the counts were not kept in the database"
