"""Steering the outbox: failed emails put back in the queue and delivered, the queue's status
and when it warns."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from support.people import office

from tracker.extensions import db
from tracker.mail import Letter, Recipient, SmtpSettings
from tracker.models import EmailMessage, Event, Heartbeat, Reminder
from tracker.services.errors import NotAllowed
from tracker.services.outbox import admin, queue, sender

NOW = datetime(2024, 9, 20, 2, 0, tzinfo=UTC)


def _letters(*addresses: str) -> list[Letter]:
    return [
        Letter(
            kind="reminder",
            to=Recipient(address, f"Người nhận {n}", "vi"),
            subject=f"Nhắc việc số {n}",
            text=f"Nội dung {n}",
            html=f"<p>Nội dung {n}</p>",
        )
        for n, address in enumerate(addresses, 1)
    ]


def _ledger(email_ids: list[int], state: str) -> None:
    for email_id in email_ids:
        db.session.add(
            Reminder(
                dedupe_key=f"test:{email_id}",
                kind="digest",
                recipient="x@example.org",
                stage="digest",
                day=date(2024, 9, 20),
                state=state,
                claimed_at=NOW,
                email_id=email_id,
            )
        )
    db.session.flush()


def _states() -> dict[int, tuple[str, int]]:
    rows = db.session.execute(select(EmailMessage.id, EmailMessage.state, EmailMessage.attempts))
    return {id_: (state, attempts) for id_, state, attempts in rows}


def test_failed_emails_put_back_are_delivered_and_their_ledger_rows_follow(
    ctx, make, settings, smtp_server
):
    (admin_user,) = office(make, "admin")
    ids = queue.queue(_letters("a@example.org", "b@example.org"), now=NOW, settings=settings)
    _ledger(ids, "queued")
    db.session.commit()
    # The server refuses both for now (451) and one attempt is all there is: both end failed.
    smtp_server.refuse_data = "451 4.3.0 Try again later"
    up = SmtpSettings.from_config({**ctx.config, "MAIL_PORT": smtp_server.port})
    once = dataclasses.replace(settings, reminder_max_attempts=1)
    report = sender.deliver(lambda: NOW, once, up)
    assert report.failed == 2 and smtp_server.messages == []
    smtp_server.refuse_data = None
    failed = db.session.get(EmailMessage, ids[0])
    reason = failed.error
    assert failed.state == "failed" and reason

    later = NOW + timedelta(hours=3)
    assert admin.retry_failed(later, actor=admin_user, ids=[ids[0]]) == 1
    db.session.expire_all()
    again = db.session.get(EmailMessage, ids[0])
    assert (again.state, again.attempts, again.next_attempt_at) == ("pending", 0, later)
    assert again.error == reason  # the last reason stays until the next attempt
    assert _states()[ids[1]] == ("failed", 1)  # the other one was not asked for
    ledger = dict(db.session.execute(select(Reminder.email_id, Reminder.state)).all())
    assert ledger == {ids[0]: "queued", ids[1]: "failed"}

    assert sender.deliver(lambda: later, settings, up).sent == 1
    (received,) = smtp_server.messages
    assert received["To"].addresses[0].addr_spec == "a@example.org"
    assert received["Subject"] == "Nhắc việc số 1"
    db.session.expire_all()
    assert db.session.get(EmailMessage, ids[0]).error == ""
    ledger = dict(db.session.execute(select(Reminder.email_id, Reminder.state)).all())
    assert ledger == {ids[0]: "sent", ids[1]: "failed"}

    (event,) = db.session.scalars(select(Event).where(Event.kind == "emails_retried")).all()
    assert (event.actor_id, event.target, event.data) == (
        admin_user.id,
        f"email:{ids[0]}",
        {"emails": 1},
    )


def test_retrying_all_touches_only_failed_emails_and_records_one_event(ctx, make, settings):
    (admin_user,) = office(make, "admin")
    ids = queue.queue(
        _letters(*(f"p{n}@example.org" for n in range(5))), now=NOW, settings=settings
    )
    states = ["failed", "failed", "sent", "cancelled", "pending"]
    for email_id, state in zip(ids, states, strict=True):
        row = db.session.get(EmailMessage, email_id)
        row.state, row.attempts, row.error = state, 3, "421 try later"
    _ledger(ids[:2], "failed")
    db.session.commit()

    assert admin.retry_failed(NOW, actor=admin_user) == 2
    db.session.expire_all()
    after = _states()
    assert [after[i] for i in ids] == [
        ("pending", 0),
        ("pending", 0),
        ("sent", 3),
        ("cancelled", 3),
        ("pending", 3),
    ]
    assert set(db.session.scalars(select(Reminder.state))) == {"queued"}
    events = db.session.scalars(select(Event).where(Event.kind == "emails_retried")).all()
    assert [(e.target, e.data, e.actor_id) for e in events] == [
        ("outbox", {"emails": 2}, admin_user.id)
    ]
    # Nothing failed any more: nothing changes and nothing is recorded.
    assert admin.retry_failed(NOW, actor=admin_user) == 0
    assert admin.retry_failed(NOW, actor=admin_user, ids=[ids[2], 999_999]) == 0
    assert admin.retry_failed(NOW, actor=None, ids=[]) == 0
    assert db.session.scalar(select(Event.id).where(Event.id != events[0].id)) is None


@pytest.mark.parametrize("role", ["coordinator", "focal_point", "viewer"])
def test_only_an_administrator_may_retry(ctx, make, settings, role):
    user = make.user(role)
    (email_id,) = queue.queue(_letters("a@example.org"), now=NOW, settings=settings)
    db.session.get(EmailMessage, email_id).state = "failed"
    db.session.commit()
    with pytest.raises(NotAllowed):
        admin.retry_failed(NOW, actor=user)
    db.session.expire_all()
    assert _states()[email_id] == ("failed", 0)


def test_the_command_line_retries_without_an_actor(ctx, settings):
    (email_id,) = queue.queue(_letters("a@example.org"), now=NOW, settings=settings)
    db.session.get(EmailMessage, email_id).state = "failed"
    db.session.commit()
    assert admin.retry_failed(NOW) == 1
    event = db.session.scalar(select(Event).where(Event.kind == "emails_retried"))
    assert event.actor_id is None and event.target == "outbox"


def _seed(settings, rows: list[tuple[str, datetime, datetime | None, int]]) -> list[int]:
    """Queue one email per (state, created_at, next_attempt_at, attempts)."""
    ids = queue.queue(
        _letters(*(f"s{n}@example.org" for n in range(len(rows)))), now=NOW, settings=settings
    )
    for email_id, (state, created, due, attempts) in zip(ids, rows, strict=True):
        row = db.session.get(EmailMessage, email_id)
        row.state, row.created_at, row.next_attempt_at, row.attempts = state, created, due, attempts
        if state == "sending":
            row.locked_at = NOW
    db.session.commit()
    return ids


def _beat(at: datetime) -> None:
    db.session.merge(Heartbeat(name="sender", beat_at=at, detail="host-1 pid 42"))
    db.session.commit()


def test_an_empty_outbox_with_no_sender_is_no_cause_for_alarm(ctx, settings):
    status = admin.queue_status(NOW, settings)
    assert (status.depth, status.failed, status.oldest_pending, status.heartbeat) == (
        0,
        0,
        None,
        None,
    )
    assert not status.warning


def test_the_status_counts_the_queue_and_finds_the_oldest_due_email(ctx, settings):
    minute = timedelta(minutes=1)
    _seed(
        settings,
        [
            ("pending", NOW - 7 * minute, NOW - 7 * minute, 0),  # due, the oldest
            ("pending", NOW - 2 * minute, NOW - 2 * minute, 0),
            ("pending", NOW - 60 * minute, NOW + 30 * minute, 2),  # older, but not due yet
            ("sending", NOW - minute, NOW - minute, 1),
            ("failed", NOW - 90 * minute, None, 5),
            ("sent", NOW - 99 * minute, NOW - 99 * minute, 1),
            ("cancelled", NOW - 99 * minute, None, 0),
        ],
    )
    _beat(NOW - 10 * timedelta(seconds=1))
    status = admin.queue_status(NOW, settings)
    assert (status.pending, status.retrying, status.sending, status.failed) == (3, 1, 1, 1)
    assert status.depth == 4
    assert status.oldest_pending == NOW - 7 * minute
    assert status.oldest_age == 7 * minute
    assert status.heartbeat == NOW - timedelta(seconds=10)
    assert status.heartbeat_detail == "host-1 pid 42"
    assert not status.stuck and not status.sender_silent and not status.warning


def test_email_due_longer_than_the_limit_means_the_queue_is_stuck(ctx, settings):
    limit = timedelta(minutes=settings.outbox_stuck_minutes)
    _seed(
        settings,
        [("pending", NOW - limit - timedelta(minutes=1), NOW - limit - timedelta(minutes=1), 0)],
    )
    _beat(NOW)
    status = admin.queue_status(NOW, settings)
    assert status.stuck and status.warning and not status.sender_silent


def test_an_old_email_just_due_again_for_a_retry_is_not_stuck(ctx, settings):
    _seed(settings, [("pending", NOW - timedelta(hours=5), NOW - timedelta(minutes=1), 3)])
    _beat(NOW)
    status = admin.queue_status(NOW, settings)
    assert status.oldest_age == timedelta(hours=5)
    assert not status.stuck


def test_a_silent_sender_is_a_warning_only_while_email_waits(ctx, settings):
    _beat(NOW - timedelta(hours=1))
    assert not admin.queue_status(NOW, settings).warning  # nothing to send
    _seed(settings, [("pending", NOW, NOW, 0)])
    status = admin.queue_status(NOW, settings)
    assert status.sender_silent and status.warning and not status.stuck
    _beat(NOW - admin.silent_after(settings) + timedelta(seconds=1))
    assert not admin.queue_status(NOW, settings).sender_silent


def test_no_sender_ever_seen_while_email_waits_is_a_warning(ctx, settings):
    _seed(settings, [("sending", NOW, NOW, 1)])
    status = admin.queue_status(NOW, settings)
    assert status.heartbeat is None and status.sender_silent


def test_the_status_takes_three_queries_whatever_the_size(ctx, settings, query_counter):
    counts = []
    for size in (3, 60):
        _seed(settings, [("pending", NOW, NOW, 0)] * size)
        with query_counter() as statements:
            admin.queue_status(NOW, settings)
        counts.append(len(statements))
    assert counts == [3, 3]
