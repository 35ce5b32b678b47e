"""Notifications taken "in the daily digest" ride on the daily sweep: listed in the one email
the sweep writes to that person, or, for someone the sweep has nothing else for, in a daily
summary of their own; checked at a real SMTP server. And the sender's pass queues the
coalesced notification emails whose window has passed."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from support.outbox import deliver, point_at, queued
from support.today import TODAY
from support.units import da_nang_city, ha_giang_province, lao_cai_province

from tracker import clock, scheduler
from tracker.extensions import db
from tracker.models import Notification
from tracker.services.assignments import workflow
from tracker.services.notifications import preferences
from tracker.services.notifications.kinds import DIGEST, EMAILED, IMMEDIATE
from tracker.services.reminders.sweep import run_sweep
from tracker.services.tasks import assigning
from tracker.services.tasks.assigning import UnitSelection

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DUE = date(2024, 5, 2)
MONDAY = date(2024, 5, 6)  # a working day; the task is overdue


def at(day: date, hour: int = 7, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=VN).astimezone(UTC)


def _body(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_the_sweep_lists_daily_updates_in_the_one_email_it_writes_to_each_person(
    app, make, settings, smtp_server
):
    point_at(app, smtp_server)
    coordinator = make.user("coordinator", email="dieuphoi@example.org", language="vi")
    task = make.task(title="Ban hành kế hoạch dữ liệu mở", deadline=DUE, owner_id=coordinator.id)
    later = make.task(title="Kết nối cơ sở dữ liệu dân cư", deadline=date(2024, 12, 31))
    laocai, hagiang, danang = (
        lao_cai_province(make),
        ha_giang_province(make),
        da_nang_city(make),
    )
    returned = make.user("focal_point", email="dm.laocai@example.org", unit_id=laocai.id)
    submitting = make.user("focal_point", email="dm.hagiang@example.org", unit_id=hagiang.id)
    quiet = make.user("focal_point", email="dm.danang@example.org", unit_id=danang.id)
    first = make.assignment(task, laocai, state="submitted")
    second = make.assignment(task, hagiang, state="in_progress")
    preferences.save(returned, {"returned": DIGEST}, now=at(MONDAY, 6))
    preferences.save(quiet, {"assigned": DIGEST}, now=at(MONDAY, 6))

    workflow.return_submission(first.id, coordinator, at(MONDAY, 6), None, "Thiếu biểu mẫu 02")
    workflow.submit_completion(
        second.id, submitting, at(MONDAY, 6), None, "12/BC", None, "", "", [], settings=settings
    )
    assigning.assign_units(
        later.id,
        UnitSelection(unit_ids=frozenset({danang.id})),
        actor=coordinator,
        now=at(MONDAY, 6),
    )
    db.session.commit()
    waiting = {n.user_id: n.delivery for n in db.session.scalars(select(Notification))}
    assert waiting == {returned.id: DIGEST, coordinator.id: DIGEST, quiet.id: DIGEST}

    run_sweep(at(MONDAY), settings)
    deliver(app, at(MONDAY, 7, 31))

    weekly = {row.message_id for row in queued(app, kind="weekly")}
    per_address = Counter(
        address
        for envelope, message in zip(smtp_server.envelopes, smtp_server.messages, strict=True)
        if message["Message-ID"] not in weekly  # the weekly summary may be a second email
        for address in envelope.rcpt_tos
    )
    assert per_address == {
        "dm.laocai@example.org": 1,  # the reminder, with the return listed
        "dieuphoi@example.org": 1,  # the coordinator's digest
        "dm.danang@example.org": 1,  # nothing else due: a daily summary of its own
    }
    by_address = {
        m["To"].addresses[0].addr_spec: m
        for m in smtp_server.messages
        if m["Message-ID"] not in weekly
    }
    reminder = _body(by_address["dm.laocai@example.org"])
    assert "Ban hành kế hoạch dữ liệu mở" in reminder
    assert "Kể từ bản tổng hợp trước:" in reminder and "Thiếu biểu mẫu 02" in reminder
    summary = by_address["dm.danang@example.org"]
    assert "Kết nối cơ sở dữ liệu dân cư" in _body(summary)
    assert "Tổng hợp trong ngày" in str(summary["Subject"])
    # The digest already lists the report awaiting confirmation: not a second time.
    digest = _body(by_address["dieuphoi@example.org"])
    assert "Kể từ bản tổng hợp trước:" not in digest and "Hà Giang" in digest
    assert {n.delivery for n in db.session.scalars(select(Notification))} == {EMAILED}

    # The next sweep has nothing more to tell of them.
    smtp_server.envelopes.clear()
    run_sweep(at(MONDAY + timedelta(days=1)), settings)
    deliver(app, at(MONDAY + timedelta(days=1), 7, 31))
    assert "dm.danang@example.org" not in {a for e in smtp_server.envelopes for a in e.rcpt_tos}


def test_the_senders_pass_queues_and_delivers_notifications_once_their_window_has_passed(
    app, make, settings, smtp_server
):
    point_at(app, smtp_server)
    assert app.config["TODAY"] == TODAY.isoformat()
    coordinator = make.user("coordinator", email="dieuphoi@example.org")
    unit = lao_cai_province(make)
    make.user("focal_point", email="dm.laocai@example.org", unit_id=unit.id, language="en")
    tasks = [make.task(title=f"Nhiệm vụ {n}", deadline=date(2024, 12, 31)) for n in range(3)]
    # The app's clock reads TODAY (01/07/2024) at the real time of day.
    recently = clock.now_on(TODAY) - timedelta(minutes=1)
    for task in tasks:
        assigning.assign_units(
            task.id, UnitSelection(unit_ids=frozenset({unit.id})), actor=coordinator, now=recently
        )
    db.session.commit()

    scheduler.send_pass(app)  # inside the window: nothing yet
    assert smtp_server.messages == []
    assert {n.delivery for n in db.session.scalars(select(Notification))} == {IMMEDIATE}

    app.config["NOTIFICATION_WINDOW_MINUTES"] = 1
    report = scheduler.send_pass(app)
    assert report.sent == 1
    (message,) = smtp_server.messages
    assert str(message["Subject"]).endswith("3 updates: 3 tasks assigned")
    assert all(f"Nhiệm vụ {n}" in _body(message) for n in range(3))
