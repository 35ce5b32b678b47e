"""The endpoints machines read: /healthz (alive, no database), /readyz (ready to serve:
database, migrations, sweep, outbox; nothing internal in the answer) and /metrics
(Prometheus text, only with the configured bearer token)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from tracker import clock
from tracker.app import create_app
from tracker.extensions import db
from tracker.models import EmailMessage, SweepRun

TOKEN = "metrics-token-for-tests"


def _sweep(make, *, hours_ago: float = 1, **fields) -> None:
    now = clock.now()
    db.session.add(
        SweepRun(
            kind="sweep",
            started_at=now - timedelta(hours=hours_ago, seconds=42),
            finished_at=now - timedelta(hours=hours_ago),
            status="ok",
            **fields,
        )
    )


def _pending_email(minutes_waiting: int) -> None:
    since = clock.now() - timedelta(minutes=minutes_waiting)
    fields = {"kind": "reminder", "to": "dm@example.org", "subject": "Nhắc việc"}
    fields |= {"created_at": since, "next_attempt_at": since, "state": "pending"}
    db.session.add(EmailMessage(**fields, body_text="x", body_html="<p>x</p>"))


def test_healthz_answers_without_a_session_or_the_database(client, query_counter):
    with query_counter() as statements:
        answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok"}
    assert statements == []
    assert "Set-Cookie" not in answer.headers
    assert answer.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_with_a_recent_sweep_and_a_moving_outbox(client, build):
    build(lambda make: _sweep(make))
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "sweep": "ok", "outbox": "ok"},
    }


@pytest.mark.parametrize(
    ("seed", "check", "problem"),
    [
        (lambda make: None, "sweep", "stale"),  # never swept
        (lambda make: _sweep(make, hours_ago=40), "sweep", "stale"),
        (lambda make: (_sweep(make), _pending_email(minutes_waiting=90)), "outbox", "stuck"),
        (
            lambda make: (
                _sweep(make),
                db.session.execute(text("UPDATE alembic_version SET version_num = '0001'")),
            ),
            "migrations",
            "not at head",
        ),
    ],
    ids=["never-swept", "stale-sweep", "stuck-outbox", "old-schema"],
)
def test_readyz_names_what_is_wrong_with_503(client, build, seed, check, problem):
    build(seed)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["status"] == "not ready"
    assert body["checks"][check] == problem
    assert [name for name, value in body["checks"].items() if value != "ok"] == [check]


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///{tmp}/no-such-folder/tracker.sqlite3",
        "postgresql+psycopg://postgres@127.0.0.1:9/no-such-folder",  # nothing listens there
    ],
    ids=["sqlite", "postgresql"],
)
def test_readyz_without_a_database_says_so_and_nothing_more(tmp_path, url):
    url = url.format(tmp=tmp_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json() == {
        "status": "not ready",
        "checks": {
            "database": "unreachable",
            "migrations": "not checked",
            "sweep": "not checked",
            "outbox": "not checked",
        },
    }
    assert "no-such-folder" not in answer.get_data(as_text=True)


def test_metrics_are_off_until_a_token_is_configured(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_refuse_a_missing_or_wrong_token(app, client, header):
    app.config["METRICS_TOKEN"] = TOKEN
    answer = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert answer.status_code == 401
    assert b"tracker_" not in answer.data


def _sample(exposition: str, name: str, **labels: str) -> float:
    """Return the value of one sample of the text exposition (0 when it is absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = "^" + re.escape(name + ("{" + wanted + "}" if labels else "")) + r" (\S+)$"
    found = re.search(pattern, exposition, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_metrics_count_requests_and_read_the_outbox_and_the_last_sweep(app, client, build):
    app.config["METRICS_TOKEN"] = TOKEN
    auth = {"Authorization": f"Bearer {TOKEN}"}
    build(lambda make: (_sweep(make, planned=12, sent=5, failed=1), _pending_email(3)))
    login = {"endpoint": "auth.login", "method": "GET", "status": "200"}
    before = client.get("/metrics", headers=auth).get_data(as_text=True)
    for _ in range(3):
        client.get("/login")
    client.get("/no/such/page")
    answer = client.get("/metrics", headers=auth)
    after = answer.get_data(as_text=True)

    assert answer.status_code == 200
    assert answer.content_type.startswith("text/plain; version=0.0.4")
    name = "tracker_http_requests_total"
    assert _sample(after, name, **login) - _sample(before, name, **login) == 3
    unmatched = {"endpoint": "unmatched", "method": "GET", "status": "404"}
    assert _sample(after, name, **unmatched) - _sample(before, name, **unmatched) == 1
    assert _sample(after, "tracker_http_request_duration_seconds_count", endpoint="auth.login") >= 3
    assert _sample(after, "tracker_outbox_emails", state="pending") == 1
    assert _sample(after, "tracker_outbox_emails", state="failed") == 0
    assert _sample(after, "tracker_sweep_last_items", outcome="planned") == 12
    assert _sample(after, "tracker_sweep_last_items", outcome="sent") == 5
    assert _sample(after, "tracker_sweep_last_duration_seconds") == 42
