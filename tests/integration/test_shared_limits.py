"""Sign-in limits shared by every web worker: gunicorn with four workers and a real Redis
(TRACKER_RATELIMIT_STORAGE_URI), guesses at one account over fresh connections from many
addresses; the eleventh within the minute is refused whichever worker answers, and the
owner still signs in from a browser they used before (README: "Sign-in limits")."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from flask_migrate import upgrade

from tracker.app import create_app
from tracker.benchmarks.common import sign_in_form
from tracker.extensions import db
from tracker.models import Role, User

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
needs_redis = pytest.mark.skipif(
    not os.path.exists(REDIS), reason="no redis-server (apt-get install redis-server)"
)
EMAIL, PASSWORD = "dm.ha-noi@example.org", "mat-khau-dung-1"


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


def _database(folder: Path) -> str:
    from werkzeug.security import generate_password_hash

    url = f"sqlite:///{folder / 'tracker.sqlite3'}"
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


@needs_redis
def test_the_eleventh_guess_is_refused_whichever_worker_answers(tmp_path):
    redis_port, web_port = _free_port(), _free_port()
    redis = subprocess.Popen(
        [
            REDIS,
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    log = tmp_path / "access.log"
    steering = {"HOST", "PORT", "WEB_CONCURRENCY", "GUNICORN_CMD_ARGS"}
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith("TRACKER_") and key not in steering
    } | {
        "TRACKER_SQLALCHEMY_DATABASE_URI": _database(tmp_path),
        "TRACKER_RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_port}",
        "TRACKER_SECRET_KEY": "limits-test",
        "TRACKER_BEHIND_PROXY": "1",
        "TRACKER_INSTANCE_PATH": str(tmp_path),
        "HOST": "127.0.0.1",
        "PORT": str(web_port),
        "WEB_CONCURRENCY": "4",
        "GUNICORN_CMD_ARGS": f"--access-logfile {log} --access-logformat '%(p)s %(m)s %(s)s'",
    }  # fmt: skip
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:tracker.gunicorn_conf"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{web_port}"
    try:
        _wait(f"{base}/healthz")
        owner = httpx.Client(base_url=base, timeout=30)
        assert _attempt(base, PASSWORD, "198.51.100.7", owner) == 302  # the owner's browser
        owner.cookies.delete("session")  # signed out; the browser stays known
        guesses = [_attempt(base, "doan-sai", f"203.0.113.{n}") for n in range(13)]
        assert guesses == [200] * 10 + [429] * 3
        assert _attempt(base, PASSWORD, "203.0.113.99") == 429  # not from a known browser
        assert _attempt(base, PASSWORD, "198.51.100.7", owner) == 302  # the documented path
    finally:
        web.terminate()
        web.wait(30)
        redis.terminate()
        redis.wait(10)
    posts = [line.split() for line in log.read_text().splitlines() if " POST " in line]
    assert len({pid for pid, *_ in posts}) >= 2, "one worker answered every sign-in"
