"""Reminder pages: status and its stale warning, policies, nudges, the email log, roles."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from support.outbox import deliver, point_at, queued
from support.people import office
from support.units import lao_cai_province

from tracker.extensions import db
from tracker.models import EmailMessage, Reminder, Setting, SweepRun, Task


@pytest.fixture
def world(build, app, smtp_server):
    point_at(app, smtp_server)

    def make_world(make):
        coordinator, _admin, _viewer = office(make, "coordinator", "admin", "viewer", language="en")
        unit = lao_cai_province(make)
        make.user("focal_point", email="dm@example.org", unit_id=unit.id, language="en")
        task = make.task(title="Kế hoạch dữ liệu mở", deadline=date(2024, 6, 28))
        task.owner_id = coordinator.id
        assignment = make.assignment(task, unit, state="in_progress")
        return {"task": task.id, "unit": unit.id, "assignment": assignment.id}

    return build(make_world)


@pytest.mark.parametrize("email", ["dm@example.org", "ld@example.org"])
def test_reminder_pages_are_refused_to_focal_points_and_viewers(client, login, world, email):
    login(email)
    for url in ("/reminders/", "/reminders/policy", f"/reminders/tasks/{world['task']}/policy"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/reminders/tasks/{world['task']}/nudge").status_code == 403
    assert client.get("/reminders/log").status_code == 403


def test_status_warns_when_no_sweep_ran_recently(client, login, world, build):
    login("dp@example.org")
    html = client.get("/reminders/").get_data(as_text=True)
    assert 'data-testid="stale-warning"' in html
    now = datetime.now(UTC)
    build(lambda make: db.session.add(
        SweepRun(kind="sweep", started_at=now, finished_at=now, status="ok")))  # fmt: skip
    html = client.get("/reminders/").get_data(as_text=True)
    assert 'data-testid="stale-warning"' not in html


def test_an_invalid_policy_is_refused_with_a_message_and_nothing_saved(client, login, world, app):
    login("dp@example.org")
    response = client.post(
        "/reminders/policy",
        data={"before": "7, 3, 3", "overdue_every": "3", "escalate_after": "5"},
    )
    assert "appears twice" in response.get_data(as_text=True)
    response = client.post(
        "/reminders/policy", data={"before": "7, x", "overdue_every": "0", "escalate_after": "5"}
    )
    html = response.get_data(as_text=True)
    assert "whole numbers" in html and "from 1 to 250" in html
    with app.app_context():
        assert db.session.get(Setting, "reminder_policy") is None


def test_a_task_can_have_its_own_policy_and_go_back_to_the_default(client, login, world, app):
    login("dp@example.org")
    url = f"/reminders/tasks/{world['task']}/policy"
    client.post(url, data={"before": "5, 2", "overdue_every": "2", "escalate_after": "4"})
    with app.app_context():
        assert db.session.get(Task, world["task"]).reminder_policy["before"] == [5, 2]
    client.post(url, data={"use_default": "y", "before": "5", "overdue_every": "2",
                           "escalate_after": "4"})  # fmt: skip
    with app.app_context():
        assert db.session.get(Task, world["task"]).reminder_policy is None


def test_nudging_a_unit_emails_its_focal_point_once_a_day(client, login, world, smtp_server, app):
    login("dp@example.org")
    url = f"/reminders/tasks/{world['task']}/nudge"
    page = f"/assignments/{world['assignment']}"
    first = client.post(url, data={"unit_id": world["unit"], "next": page}, follow_redirects=True)
    assert "Reminders queued: 1" in first.get_data(as_text=True)
    again = client.post(url, data={"unit_id": world["unit"], "next": page}, follow_redirects=True)
    assert "Reminders queued: 0" in again.get_data(as_text=True)
    assert smtp_server.messages == []  # queued: the sender delivers
    assert deliver(app).sent == 1
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["To"].addresses[0].addr_spec == "dm@example.org"
    html = client.get(page).get_data(as_text=True)
    assert "Reminder sent by a coordinator" in html and "dm@example.org" in html
    with app.app_context():
        rows = db.session.scalars(select(Reminder.stage)).all()
        assert rows == ["nudge"]


def test_the_nudge_sends_the_browser_back_only_within_the_site(client, login, world):
    login("dp@example.org")
    url = f"/reminders/tasks/{world['task']}/nudge"
    for target in ("/\t/evil.example/", "//evil.example/", "https://evil.example/"):
        response = client.post(url, data={"unit_id": world["unit"], "next": target})
        assert response.headers["Location"] == f"/tasks/{world['task']}", target


class _SlowInbox:
    """An SMTP server that takes a second to answer each message."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(1)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def slow_smtp():
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def overdue_units(build):
    """A task overdue in 53 provinces, each with its focal point."""

    def make_world(make):
        coordinator, _admin = office(make, "coordinator", "admin", language="en")
        task = make.task(title="Kế hoạch dữ liệu mở", deadline=date(2024, 6, 28))
        task.owner_id = coordinator.id
        for n in range(53):
            unit = make.unit(name=f"Tỉnh số {n}")
            make.user("focal_point", email=f"dm{n}@example.org", unit_id=unit.id)
            make.assignment(task, unit, state="in_progress")
        return task.id

    return build(make_world)


def test_reminding_53_overdue_units_queues_at_once_and_the_sender_delivers_them(
    client, login, overdue_units, app, slow_smtp, smtp_server
):
    point_at(app, slow_smtp)  # a relay answering in a second per message
    login("dp@example.org")
    url = f"/reminders/tasks/{overdue_units}/nudge"
    response = client.post(url, data={"next": "/"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Reminders queued: 53" in response.get_data(as_text=True)
    # The request returned without a word to the mail server: everything waits in the outbox.
    assert slow_smtp.messages == []
    outbox = queued(app)
    assert len(outbox) == 53 and {e.state for e in outbox} == {"pending"}
    assert {e.kind for e in outbox} == {"nudge"}
    with app.app_context():
        ledger = db.session.execute(select(Reminder.state, Reminder.email_id)).all()
        assert len(ledger) == 53 and {state for state, _ in ledger} == {"queued"}
        assert sorted(email_id for _, email_id in ledger) == [e.id for e in outbox]
    # The sender delivers them all (to a fast server, to keep the suite quick).
    point_at(app, smtp_server)
    assert deliver(app).sent == 53
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages) == sorted(
        f"dm{n}@example.org" for n in range(53)
    )
    with app.app_context():
        assert set(db.session.scalars(select(Reminder.state))) == {"sent"}
    # A second nudge the same day queues nothing more.
    again = client.post(url, data={"next": "/"}, follow_redirects=True)
    assert "Reminders queued: 0" in again.get_data(as_text=True)
    assert len(queued(app)) == 53
    assert deliver(app).sent == 0 and slow_smtp.messages == []


def test_email_log_lists_failures_first_for_admins(client, login, world, build):
    """More in test_outbox_pages.py."""
    now = datetime.now(UTC)

    def emails(make):
        db.session.add(
            EmailMessage(
                kind="reminder",
                to="a@example.org",
                subject="ok one",
                state="sent",
                created_at=now,
                sent_at=now,
                attempts=1,
                reply="250 Ok",
            )
        )
        db.session.add(EmailMessage(kind="reminder", to="b@example.org", subject="broken one",
                                    state="failed", error="550 no", created_at=now))  # fmt: skip

    build(emails)
    login("admin@example.org")
    html = client.get("/reminders/log").get_data(as_text=True)
    assert html.index("broken one") < html.index("ok one")
    assert "550 no" in html and "250 Ok" in html
    html = client.get("/reminders/log?state=sent").get_data(as_text=True)
    assert "ok one" in html and "broken one" not in html


def test_the_mailbox_shows_what_the_local_catcher_kept(
    client, login, world, app, settings, tmp_path
):
    import socket

    from aiosmtpd.controller import Controller

    from tracker.mail import Letter, Recipient, SmtpSettings
    from tracker.mailcatcher import _Keeper
    from tracker.services.outbox import queue, sender

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = tmp_path / "mailbox"
    controller = Controller(_Keeper(box), hostname="127.0.0.1", port=port,
                            server_hostname="127.0.0.1")  # fmt: skip
    controller.start()
    try:
        app.config.update(MAIL_PORT=port, MAIL_CATCHER_DIR=str(box))
        now = datetime.now(UTC)
        with app.app_context():
            letter = Letter(
                kind="reminder",
                to=Recipient("dm@example.org"),
                subject="Nhắc việc: Tỉnh Lào Cai",
                text="Xin chào <b>anh</b>. Xem: https://theodoi.example.gov.vn/assignments/12.",
                html="",
            )
            queue.queue([letter], now=now, settings=settings)
            db.session.commit()
            smtp = SmtpSettings.from_config(app.config)
            assert sender.deliver(lambda: now, settings, smtp).sent == 1
    finally:
        controller.stop()
    login("dp@example.org")
    assert client.get("/mailbox/").status_code == 403
    client.post("/logout")
    login("admin@example.org")
    html = client.get("/mailbox/").get_data(as_text=True)
    assert "Nhắc việc: Tỉnh Lào Cai" in html and "Xin chào &lt;b&gt;anh&lt;/b&gt;" in html
    link = "https://theodoi.example.gov.vn/assignments/12"
    assert f'<a href="{link}" target="_blank" rel="noopener noreferrer">{link}</a>.' in html
    assert re.search(r"· \d{2}/\d{2}/\d{4} \d{2}:\d{2}</span>", html)  # not RFC 2822
