"""The outbox as administrators and coordinators see it: the email log with states,
attempts and replies, retrying failed emails by hand, and the Reminders status page's
queue, heartbeat and stuck warning."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from support.people import office
from support.tasks import work_events
from support.units import lao_cai_province

from tracker import clock
from tracker.extensions import db
from tracker.models import EmailMessage, Event, Heartbeat, Reminder

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
ADMIN, COORDINATOR, FOCAL_POINT = "admin@example.org", "dp@example.org", "dm@example.org"


@pytest.fixture
def world(build):
    def make_world(make):
        office(make, "admin", "coordinator", "viewer", language="en")
        unit = lao_cai_province(make)
        make.user("focal_point", email=FOCAL_POINT, unit_id=unit.id, language="en")
        task = make.task(title="Kế hoạch dữ liệu mở", deadline=date(2024, 6, 28))
        assignment = make.assignment(task, unit, state="in_progress")
        return {"task": task.id, "unit": unit.id, "assignment": assignment.id}

    return build(make_world)


def _email(now: datetime, state: str, n: int, **fields) -> EmailMessage:
    values = {
        "kind": "reminder",
        "message_id": f"<m{n}@tracker.example.org>",
        "sender": "Theo dõi CĐS <tracker@example.org>",
        "to": f"person{n}@example.org",
        "to_name": f"Nguyễn Văn {n}",
        "subject": f"Email number {n}",
        "created_at": now,
        "next_attempt_at": now,
        "state": state,
        "body_text": f"Plain body {n}",
        "body_html": f"<p>Rich body {n}</p>",
    }
    values.update(fields)
    row = EmailMessage(**values)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def emails(build, world):
    """One email in each state, with what a sender leaves on each; returns their ids."""

    def seed(make):
        now = clock.now()
        later = now + timedelta(minutes=40)
        rows = {
            "sent": _email(now - timedelta(hours=2), "sent", 1, attempts=1, sent_at=now,
                           reply="250 2.0.0 Ok: queued as 4WXYZ"),
            "failed": _email(now - timedelta(hours=3), "failed", 2, attempts=5,
                             error="550 5.1.1 Mailbox unavailable", next_attempt_at=None),
            "retrying": _email(now - timedelta(hours=1), "pending", 3, attempts=2,
                               error="421 4.7.0 Try again later", next_attempt_at=later),
            "sending": _email(now, "sending", 4, attempts=1, locked_at=now),
            "cancelled": _email(now - timedelta(hours=4), "cancelled", 5),
        }  # fmt: skip
        db.session.add(
            Reminder(
                dedupe_key="test:failed",
                kind="assignment",
                assignment_id=world["assignment"],
                task_id=world["task"],
                unit_id=world["unit"],
                recipient="person2@example.org",
                stage="overdue-3",
                day=date(2024, 6, 28),
                state="failed",
                claimed_at=now,
                email_id=rows["failed"].id,
            )
        )
        return {key: row.id for key, row in rows.items()} | {"later": later}

    return build(seed)


def _row(html: str, email_id: int) -> str:
    return re.search(rf'<tr data-testid="email-{email_id}">.*?</tr>', html, flags=re.S).group(0)


def _state(app, email_id: int) -> tuple[str, int]:
    with app.app_context():
        row = db.session.get(EmailMessage, email_id)
        return row.state, row.attempts


def test_the_log_shows_each_state_attempts_the_reply_and_the_error(client, login, emails):
    login(ADMIN)
    html = client.get("/reminders/log").get_data(as_text=True)
    expected = {
        "sent": ("success", "Sent"),
        "failed": ("danger", "Failed"),
        "retrying": ("secondary", "Waiting to be sent"),
        "sending": ("info", "Being sent"),
        "cancelled": ("light", "Cancelled"),
    }
    for key, (colour, label) in expected.items():
        row = _row(html, emails[key])
        assert f'<span class="badge text-bg-{colour}' in row and f">{label}</span>" in row, key
    sent = _row(html, emails["sent"])
    assert "250 2.0.0 Ok: queued as 4WXYZ" in sent and "Nguyễn Văn 1" in sent
    assert "person1@example.org" in sent
    failed = _row(html, emails["failed"])
    assert "550 5.1.1 Mailbox unavailable" in failed
    assert re.search(r'<td class="text-end">5</td>', failed)
    retrying = _row(html, emails["retrying"])
    assert "next attempt " + emails["later"].astimezone(ZONE).strftime("%d/%m/%Y %H:%M") in retrying
    assert "Earlier error: 421 4.7.0 Try again later" in retrying
    # Failures first, then the newest.
    order = [int(n) for n in re.findall(r'<tr data-testid="email-(\d+)">', html)]
    assert order == [emails[k] for k in ("failed", "sending", "retrying", "sent", "cancelled")]


@pytest.mark.parametrize("state", ["pending", "sending", "sent", "failed", "cancelled"])
def test_the_log_filters_on_any_state(client, login, emails, state):
    login(ADMIN)
    html = client.get(f"/reminders/log?state={state}").get_data(as_text=True)
    shown = re.findall(r'data-state="(\w+)"', html)
    assert shown and set(shown) == {state}


def test_the_detail_shows_everything_the_message_is_made_of(client, login, emails, world):
    login(ADMIN)
    html = client.get(f"/reminders/log/{emails['failed']}").get_data(as_text=True)
    for part in (
        "&lt;m2@tracker.example.org&gt;",
        "Theo dõi CĐS &lt;tracker@example.org&gt;",
        "Nguyễn Văn 2 &lt;person2@example.org&gt;",
        "550 5.1.1 Mailbox unavailable",
        "Plain body 2",
        'srcdoc="&lt;p&gt;Rich body 2&lt;/p&gt;"',
        "3 working days overdue",
        "Kế hoạch dữ liệu mở",
        "Tỉnh Lào Cai",
        'data-testid="retry"',
    ):
        assert part in html, part
    assert re.search(r'data-testid="attempts">5<', html)
    html = client.get(f"/reminders/log/{emails['sent']}").get_data(as_text=True)
    assert "250 2.0.0 Ok: queued as 4WXYZ" in html and 'data-testid="retry"' not in html
    assert client.get("/reminders/log/999999").status_code == 404


def test_an_admin_retries_one_failed_email(client, login, emails, app):
    login(ADMIN)
    response = client.post(f"/reminders/log/{emails['failed']}/retry")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/reminders/log/{emails['failed']}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The email is back in the queue" in html
    assert _state(app, emails["failed"]) == ("pending", 0)
    with app.app_context():
        assert db.session.scalar(select(Reminder.state)) == "queued"
        event = db.session.scalar(select(Event).where(Event.kind == "emails_retried"))
        assert event.target == f"email:{emails['failed']}" and event.actor.email == ADMIN
    # Once more: it has not failed any more, nothing changes.
    response = client.post(f"/reminders/log/{emails['failed']}/retry", follow_redirects=True)
    assert "This email has not failed" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Event.id)).where(work_events())) == 1


def test_an_admin_retries_every_failed_email_from_the_log(client, login, emails, app, build):
    build(lambda make: _email(clock.now(), "failed", 9, attempts=5, error="554 no"))
    login(ADMIN)
    html = client.get("/reminders/log").get_data(as_text=True)
    assert "Retry all 2 failed emails" in html
    response = client.post("/reminders/log/retry", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "2 failed emails are back in the queue" in html
    assert 'data-testid="retry-all"' not in html
    with app.app_context():
        states = dict(db.session.execute(select(EmailMessage.id, EmailMessage.state)).all())
    assert states[emails["failed"]] == "pending" and states[emails["sent"]] == "sent"
    assert "failed" not in states.values()
    response = client.post("/reminders/log/retry", follow_redirects=True)
    assert "No email has failed" in response.get_data(as_text=True)


def test_a_row_retried_from_the_log_comes_back_to_the_log(client, login, emails):
    login(ADMIN)
    response = client.post(
        f"/reminders/log/{emails['failed']}/retry", data={"next": "/reminders/log?state=failed"}
    )
    assert response.headers["Location"] == "/reminders/log?state=failed"
    response = client.post(
        f"/reminders/log/{emails['failed']}/retry", data={"next": "https://evil.example/"}
    )
    assert response.headers["Location"].endswith(f"/reminders/log/{emails['failed']}")


@pytest.mark.parametrize("email", [COORDINATOR, FOCAL_POINT, "ld@example.org"])
def test_only_admins_read_the_log_and_retry(client, login, emails, app, email):
    login(email)
    assert client.get("/reminders/log").status_code == 403
    assert client.get(f"/reminders/log/{emails['failed']}").status_code == 403
    assert client.post(f"/reminders/log/{emails['failed']}/retry").status_code == 403
    assert client.post("/reminders/log/retry").status_code == 403
    assert _state(app, emails["failed"]) == ("failed", 5)


def test_retrying_needs_the_forms_csrf_token(client, login, emails, app):
    login(ADMIN)
    app.config["WTF_CSRF_ENABLED"] = True
    html = client.get("/reminders/log").get_data(as_text=True)
    forms = re.findall(r'<form method="post" action="[^"]*/retry".*?</form>', html, flags=re.S)
    assert len(forms) == 2 and all('name="csrf_token"' in form for form in forms)
    assert client.post("/reminders/log/retry").status_code == 400
    assert client.post(f"/reminders/log/{emails['failed']}/retry").status_code == 400
    assert _state(app, emails["failed"]) == ("failed", 5)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/reminders/log/retry", data={"csrf_token": token})
    assert response.status_code == 302
    assert _state(app, emails["failed"]) == ("pending", 0)


def test_the_log_and_status_run_a_constant_number_of_queries(
    client, login, world, build, query_counter
):
    login(ADMIN)

    def seed(count):
        def run(make):
            now = clock.now()
            for n in range(count):
                _email(now, ("sent", "failed", "pending")[n % 3], 100 + n, attempts=n % 4,
                       reply="250 Ok", error="421 later" if n % 3 else "")  # fmt: skip

        build(run)

    def measure():
        counts = []
        for url in ("/reminders/log", "/reminders/log?state=failed", "/reminders/"):
            with query_counter() as statements:
                assert client.get(url).status_code == 200
            counts.append(len(statements))
        return counts

    seed(3)
    small = measure()
    seed(60)
    assert measure() == small


# --- The status page -----------------------------------------------------------------------


def _queue(build, *, pending_age: timedelta | None, beat_age: timedelta | None, failed=0):
    def run(make):
        now = clock.now()
        if pending_age is not None:
            _email(now - pending_age, "pending", 1)
            _email(now, "pending", 2)
            _email(now, "sending", 3, attempts=1, locked_at=now)
        for n in range(failed):
            _email(now, "failed", 10 + n, attempts=5, error="550 no")
        if beat_age is not None:
            db.session.add(Heartbeat(name="sender", beat_at=now - beat_age, detail="web-1 pid 7"))

    build(run)


def _card(html: str, name: str) -> str:
    return re.search(rf'data-testid="{name}">(.*?)</div>', html, flags=re.S).group(1).strip()


def test_the_status_page_shows_the_queue_and_the_senders_heartbeat(client, login, world, build):
    _queue(build, pending_age=timedelta(minutes=5), beat_age=timedelta(seconds=20), failed=2)
    login(ADMIN)
    html = client.get("/reminders/").get_data(as_text=True)
    assert _card(html, "depth") == "3"
    assert "1 being sent, 0 waiting for a retry" in html
    assert _card(html, "oldest") == "waiting 5 minutes"
    assert 'href="/reminders/log?state=failed">2</a>' in html
    assert "web-1 pid 7" in html and "20 seconds ago" in html
    assert 'data-testid="outbox-warning"' not in html


def test_the_status_page_warns_when_email_is_stuck(client, login, world, build):
    _queue(build, pending_age=timedelta(minutes=50), beat_age=timedelta(seconds=5))
    login(COORDINATOR)
    html = client.get("/reminders/").get_data(as_text=True)
    warning = re.search(r'data-testid="outbox-warning">(.*?)</div>\s*</div>', html, re.S).group(1)
    assert "Emails are waiting longer than they should." in warning
    assert "The oldest email due has waited 50 minutes" in warning
    assert "tracker scheduler" in warning and "tracker send" in warning
    assert 'class="fs-5 text-danger" data-testid="oldest"' in html
    # Coordinators see the page but not the log's link.
    assert "/reminders/log" not in html


def test_the_status_page_warns_when_the_sender_is_silent(client, login, world, build):
    _queue(build, pending_age=timedelta(minutes=1), beat_age=timedelta(hours=2))
    login(ADMIN)
    html = client.get("/reminders/").get_data(as_text=True)
    assert "The email sender looks stopped." in html
    assert "The sender was last seen at" in html and "(2 hours ago)" in html


def test_no_warning_about_an_idle_sender_with_nothing_to_send(client, login, world, build):
    _queue(build, pending_age=None, beat_age=timedelta(days=3))
    login(ADMIN)
    html = client.get("/reminders/").get_data(as_text=True)
    assert 'data-testid="outbox-warning"' not in html
    assert _card(html, "depth") == "0" and _card(html, "oldest") == "none waiting"


def test_the_status_page_speaks_vietnamese(client, login, world, build, app):
    _queue(build, pending_age=timedelta(minutes=50), beat_age=None, failed=1)
    with app.app_context():
        from tracker.models import User

        db.session.scalar(select(User).where(User.email == ADMIN)).language = "vi"
        db.session.commit()
    login(ADMIN)
    html = client.get("/reminders/").get_data(as_text=True)
    assert "Bộ gửi thư có vẻ đã dừng." in html
    assert "đang chờ 50 phút" in html
    html = client.get("/reminders/log").get_data(as_text=True)
    assert ">Thất bại</span>" in html and ">Đang chờ gửi</span>" in html
