"""The outbox sender, checked from the receiving side: a real SMTP server records what
arrives, the database what the sender recorded."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from support.mailserver import MailServer, free_port
from support.today import NOW, START_OF_TODAY

from tracker.extensions import db
from tracker.mail import Letter, Recipient, SmtpSettings
from tracker.models import EmailMessage, Event, Heartbeat, Reminder
from tracker.services.outbox import admin, queue, sender


def letters(count: int, *, kind: str = "notification", cc=(), start: int = 0) -> list[Letter]:
    return [
        Letter(
            kind=kind,
            to=Recipient(f"user{n}@example.org", f"Người nhận {n}", "vi"),
            subject=f"Thư số {n}",
            text=f"Nội dung {n}",
            html=f"<p>Nội dung {n}</p>",
            cc=tuple(cc),
        )
        for n in range(start, start + count)
    ]


def enqueue(settings, count: int, *, at=NOW, **kwargs) -> list[int]:
    ids = queue.queue(letters(count, **kwargs), now=at, settings=settings)
    db.session.commit()
    return ids


def smtp_of(app, server: MailServer | None = None, port: int | None = None) -> SmtpSettings:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port if server else port)
    return SmtpSettings.from_config(app.config)


def deliver(app, settings, server=None, *, at=NOW, port=None):
    return sender.deliver(lambda: at, settings, smtp_of(app, server, port))


def states() -> dict[str, int]:
    rows = db.session.execute(select(EmailMessage.state, func.count()).group_by(EmailMessage.state))
    return dict(rows.all())


@pytest.fixture
def server():
    with MailServer() as running:
        yield running


def test_due_emails_go_over_parallel_connections_each_once_and_are_recorded(ctx, settings, server):
    server.delay = 0.02
    ids = enqueue(settings, 40)
    report = deliver(ctx, settings, server)
    assert (report.sent, report.retrying, report.failed) == (40, 0, 0)
    arrived = server.by_recipient()
    assert sorted(arrived) == sorted(f"user{n}@example.org" for n in range(40))
    assert all(len(copies) == 1 for copies in arrived.values())
    # One SMTP session per connection, kept open across messages.
    assert len({a.peer for a in server.received()}) == settings.mail_connections
    rows = db.session.execute(
        select(EmailMessage.message_id, EmailMessage.state, EmailMessage.reply,
               EmailMessage.attempts, EmailMessage.sent_at).order_by(EmailMessage.id)
    ).all()  # fmt: skip
    assert {a.message_id for a in server.received()} == {r.message_id for r in rows}
    assert all(r.state == "sent" and r.attempts == 1 and r.sent_at == NOW for r in rows)
    # Stored as every other instant is: the database compares it with a bound instant.
    sent_now = select(func.count()).where(EmailMessage.sent_at == NOW)
    assert db.session.scalar(sent_now) == 40
    assert all(r.reply.startswith("250 2.0.0 Queued") for r in rows)
    assert len(ids) == 40
    # Nothing is due any more.
    assert deliver(ctx, settings, server).idle


def _ledger(email_id: int, *, assignment_id=None, unit_id=None, user_id=None, copy=False):
    n = Reminder.__table__
    key = f"{assignment_id or 'digest'}|{email_id}|{copy}|{user_id}"
    db.session.execute(
        n.insert().values(
            dedupe_key=key,
            kind="assignment" if assignment_id else "digest",
            assignment_id=assignment_id,
            unit_id=unit_id,
            recipient=f"r{email_id}{copy}@example.org",
            recipient_user_id=user_id,
            copy=copy,
            stage="overdue-3",
            day=date(2024, 7, 1),
            state="queued",
            claimed_at=NOW,
            email_id=email_id,
        )
    )


def _ledger_states(email_id: int) -> list[tuple[str, str]]:
    return db.session.execute(
        select(Reminder.state, Reminder.last_error).where(Reminder.email_id == email_id)
    ).all()


def test_the_ledger_mirrors_sent_and_failed_for_good(ctx, settings, server):
    good, bad = (
        enqueue(settings, 1)[0],
        queue.queue(
            [Letter("reminder", Recipient("reject@example.org"), "S", "t", "")],
            now=NOW,
            settings=settings,
        )[0],
    )
    _ledger(good)
    _ledger(good, copy=True)
    _ledger(bad)
    db.session.commit()
    report = deliver(ctx, settings, server)
    assert (report.sent, report.failed) == (1, 1)
    assert _ledger_states(good) == [("sent", ""), ("sent", "")]
    assert _ledger_states(bad) == [
        ("failed", "550 reject@example.org: 550 5.1.1 Mailbox unavailable")
    ]
    row = db.session.get(EmailMessage, bad)
    assert row.state == "failed" and "5.1.1" in row.error and row.next_attempt_at is None


def test_a_temporary_refusal_is_retried_later_with_backoff(ctx, settings, server):
    (email_id,) = enqueue(settings, 1)
    server.data_reply = "451 4.3.0 Busy, try again"
    report = deliver(ctx, settings, server)
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    row = db.session.get(EmailMessage, email_id)
    assert (row.state, row.attempts, row.error) == ("pending", 1, "451 4.3.0 Busy, try again")
    wait = row.next_attempt_at - NOW
    first = timedelta(minutes=settings.reminder_retry_minutes)
    assert first <= wait <= first * 1.2
    assert deliver(ctx, settings, server).idle  # not due yet
    later = row.next_attempt_at
    report = deliver(ctx, settings, server, at=later)
    assert report.retrying == 1  # second failure: twice as long
    db.session.expire_all()
    row = db.session.get(EmailMessage, email_id)
    assert row.attempts == 2 and 2 * first <= row.next_attempt_at - later <= 2.4 * first
    server.data_reply = None
    report = deliver(ctx, settings, server, at=row.next_attempt_at)
    assert report.sent == 1
    assert [a.message_id for a in server.received()] == [row.message_id]
    db.session.expire_all()
    assert db.session.get(EmailMessage, email_id).error == ""


def test_the_last_attempt_fails_for_good(ctx, settings, server):
    (email_id,) = enqueue(settings, 1)
    db.session.execute(
        EmailMessage.__table__.update().values(attempts=settings.reminder_max_attempts - 1)
    )
    db.session.commit()
    server.data_reply = "451 4.3.0 Busy"
    report = deliver(ctx, settings, server)
    assert (report.retrying, report.failed) == (0, 1)
    row = db.session.get(EmailMessage, email_id)
    assert (row.state, row.error, row.next_attempt_at) == ("failed", "451 4.3.0 Busy", None)


def test_a_permanent_refusal_fails_at_once_with_the_reason(ctx, settings, server):
    (email_id,) = enqueue(settings, 1)
    server.data_reply = "554 5.7.1 Message rejected as spam"
    report = deliver(ctx, settings, server)
    assert (report.sent, report.retrying, report.failed) == (0, 0, 1)
    row = db.session.get(EmailMessage, email_id)
    assert (row.state, row.attempts) == ("failed", 1)
    assert row.error == "554 5.7.1 Message rejected as spam" == row.reply
    assert server.received() == []


def test_a_recipient_refused_among_others_does_not_stop_the_rest(ctx, settings, server):
    (email_id,) = enqueue(settings, 1, cc=("reject.me@example.org", "boss@example.org"))
    report = deliver(ctx, settings, server)
    assert report.sent == 1
    (arrival,) = server.received()
    assert arrival.rcpt_tos == ("user0@example.org", "boss@example.org")
    row = db.session.get(EmailMessage, email_id)
    assert row.state == "sent"
    assert "refused: reject.me@example.org: 550 5.1.1 Mailbox unavailable" in row.reply


def test_with_the_server_down_nothing_is_tried_and_all_goes_when_it_is_up(ctx, settings):
    ids = enqueue(settings, 30)
    port = free_port()
    report = deliver(ctx, settings, port=port)
    assert report.unreachable >= 1 and report.handled == 0
    assert "ConnectionRefusedError" in report.server_error
    rows = db.session.execute(select(EmailMessage.state, EmailMessage.attempts)).all()
    assert set(rows) == {("pending", 0)}  # no attempt counted, all still due
    with MailServer(port=port) as server:
        report = deliver(ctx, settings, server)
        assert report.sent == 30
        assert sorted(len(c) for c in server.by_recipient().values()) == [1] * len(ids)


def test_a_stale_sending_row_is_taken_again_and_a_fresh_one_is_not(ctx, settings, server):
    stale, fresh = enqueue(settings, 2)
    table = EmailMessage.__table__
    locked = NOW - timedelta(seconds=settings.outbox_stale_seconds + 1)
    db.session.execute(
        table.update()
        .where(table.c.id == stale)
        .values(state="sending", locked_at=locked, attempts=1)
    )
    db.session.execute(
        table.update().where(table.c.id == fresh).values(state="sending", locked_at=NOW, attempts=1)
    )
    db.session.commit()
    assert deliver(ctx, settings, server).sent == 1
    assert [a.rcpt_tos for a in server.received()] == [("user0@example.org",)]
    assert db.session.get(EmailMessage, stale).attempts == 2
    assert db.session.get(EmailMessage, fresh).state == "sending"


# --- Re-checked before a retry ---------------------------------------------------------------


@pytest.fixture
def overdue(make):
    """A unit's open assignment, its focal point, and a reminder email queued about it."""
    unit = make.unit()
    focal = make.user("focal_point", unit_id=unit.id)
    task = make.task(deadline=date(2024, 6, 20))
    assignment = make.assignment(task, unit, state="in_progress")
    return {"unit": unit, "focal": focal, "assignment": assignment}


def _reminder_email(settings, world, *, tried: bool, kind: str = "reminder") -> int:
    letter = Letter(
        kind, Recipient.of(world["focal"]), "Nhắc việc", "t", "", user_id=world["focal"].id
    )
    (email_id,) = queue.queue([letter], now=NOW, settings=settings)
    _ledger(email_id, assignment_id=world["assignment"].id, unit_id=world["unit"].id,
            user_id=world["focal"].id)  # fmt: skip
    if tried:
        db.session.execute(
            EmailMessage.__table__.update()
            .where(EmailMessage.id == email_id)
            .values(attempts=1, error="451 4.3.0 Busy")
        )
    db.session.commit()
    return email_id


@pytest.mark.parametrize("kind", ["reminder", "escalation", "nudge"])
def test_a_retry_about_a_completed_assignment_is_cancelled(ctx, settings, server, overdue, kind):
    email_id = _reminder_email(settings, overdue, tried=True, kind=kind)
    overdue["assignment"].state = "completed"
    db.session.commit()
    report = deliver(ctx, settings, server)
    assert (report.cancelled, report.sent) == (1, 0)
    assert server.received() == []
    row = db.session.get(EmailMessage, email_id)
    assert (row.state, row.error) == ("cancelled", sender.NO_LONGER_APPLIES)
    assert _ledger_states(email_id) == [("cancelled", sender.NO_LONGER_APPLIES)]


def test_a_retry_about_an_assignment_moved_to_another_unit_is_cancelled(
    ctx, settings, server, overdue, make
):
    email_id = _reminder_email(settings, overdue, tried=True)
    overdue["assignment"].unit_id = make.unit().id
    db.session.commit()
    assert deliver(ctx, settings, server).cancelled == 1
    assert db.session.get(EmailMessage, email_id).state == "cancelled"


def test_a_retry_to_a_deactivated_recipient_is_cancelled(ctx, settings, server, overdue):
    email_id = _reminder_email(settings, overdue, tried=True)
    overdue["focal"].active = False
    db.session.commit()
    assert deliver(ctx, settings, server).cancelled == 1
    row = db.session.get(EmailMessage, email_id)
    assert (row.state, row.error) == ("cancelled", sender.RECIPIENT_INACTIVE)
    assert _ledger_states(email_id) == [("cancelled", sender.RECIPIENT_INACTIVE)]


def test_a_retry_that_still_applies_is_sent(ctx, settings, server, overdue):
    email_id = _reminder_email(settings, overdue, tried=True)
    assert deliver(ctx, settings, server).sent == 1
    assert _ledger_states(email_id) == [("sent", "")]


def test_a_fresh_email_is_not_checked_again(ctx, settings, server, overdue):
    email_id = _reminder_email(settings, overdue, tried=False)
    overdue["assignment"].state = "completed"  # after it was queued: it was true then
    db.session.commit()
    assert deliver(ctx, settings, server).sent == 1
    assert db.session.get(EmailMessage, email_id).state == "sent"


def test_the_recheck_takes_a_constant_number_of_queries(
    ctx, settings, overdue, query_counter, make
):
    def count(n: int) -> int:
        for _ in range(n):
            _reminder_email(settings, overdue, tried=True)
        rows = sender.take(NOW, settings, 1000)
        with query_counter() as statements:
            sender.recheck(rows)
        db.session.rollback()
        db.session.execute(EmailMessage.__table__.update().values(state="sent"))
        db.session.commit()
        return len(statements)

    assert count(2) == count(12)


# --- Putting failed emails back, the command, the heartbeat -----------------------------------


def test_send_once_with_retry_failed_puts_failed_emails_back_and_delivers(
    ctx, settings, server, runner
):
    server.data_reply = "554 5.7.1 No"
    (email_id,) = enqueue(settings, 1)
    deliver(ctx, settings, server)
    assert db.session.get(EmailMessage, email_id).state == "failed"
    server.data_reply = None
    smtp_of(ctx, server)
    result = runner.invoke(args=["send", "--once"])
    assert result.exit_code == 0, result.output
    assert "0 sent" in result.output and server.received() == []
    result = runner.invoke(args=["send", "--once", "--retry-failed"])
    assert result.exit_code == 0, result.output
    assert "1 failed email(s) put back in the queue." in result.output
    assert "Done: 1 sent" in result.output
    db.session.expire_all()
    row = db.session.get(EmailMessage, email_id)
    assert (row.state, row.attempts, row.error) == ("sent", 1, "")
    assert len(server.received()) == 1
    event = db.session.scalar(select(Event).where(Event.kind == admin.RETRIED))
    assert event.data == {"emails": 1} and event.actor_id is None


def test_send_once_exits_75_when_the_server_cannot_be_reached(ctx, settings, runner):
    enqueue(settings, 3, at=START_OF_TODAY)  # due whatever the time of day
    smtp_of(ctx, port=free_port())
    result = runner.invoke(args=["send", "--once"])
    assert result.exit_code == 75, result.output
    assert "Mail server unreachable: ConnectionRefusedError" in result.output
    assert states() == {"pending": 3}


def test_a_pass_writes_the_heartbeat_at_most_every_few_seconds(ctx, settings, server, monkeypatch):
    import os

    monkeypatch.setattr(sender, "_last_beat", {})
    smtp = smtp_of(ctx, server)
    sender.run_pass(lambda: NOW, settings, smtp)
    beat = db.session.get(Heartbeat, sender.HEARTBEAT)
    assert beat.beat_at == NOW and beat.detail.endswith(f" {os.getpid()}")
    later = NOW + timedelta(seconds=1)
    sender.run_pass(lambda: later, settings, smtp)
    db.session.expire_all()
    assert db.session.get(Heartbeat, sender.HEARTBEAT).beat_at == NOW  # too soon to write
    monkeypatch.setattr(sender, "_last_beat", {})
    sender.run_pass(lambda: later, settings, smtp)
    db.session.expire_all()
    assert db.session.get(Heartbeat, sender.HEARTBEAT).beat_at == later


def test_a_stop_finishes_the_messages_in_flight_and_puts_the_rest_back(ctx, settings, server):
    server.delay = 0.05
    enqueue(settings, 30)
    stop = threading.Event()
    server.on_arrival = lambda count: count == 5 and stop.set()
    report = sender.deliver(lambda: NOW, settings, smtp_of(ctx, server), stop=stop)
    received = server.received()
    assert 0 < report.sent == len(received) < 30
    counts = states()
    assert counts == {"sent": report.sent, "pending": 30 - report.sent}
    assert set(
        db.session.scalars(select(EmailMessage.attempts).where(EmailMessage.state == "pending"))
    ) == {0}


def test_the_scheduler_no_longer_has_a_retry_job(app):
    from tracker import scheduler

    assert {job.id for job in scheduler.build(app).get_jobs()} == {
        "sweep",
        "recurrence",
        "rollups",
        "prune",
        "imports",
    }
