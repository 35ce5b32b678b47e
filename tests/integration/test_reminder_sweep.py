"""The reminder sweep end to end: a real database, the outbox delivered to a real SMTP server,
day by day."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from support.outbox import deliver, point_at
from support.units import ha_giang_province, lao_cai_province

from tracker.extensions import db
from tracker.models import Assignment, EmailMessage, Reminder, SweepRun, User
from tracker.services.reminders import sweep as sweep_module
from tracker.services.reminders.sweep import run_sweep

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DUE = date(2024, 5, 2)  # Thursday; 29/4-1/5 are days off, Saturday 04/05 is a working day


def at(day: date, hour: int = 7, minute: int = 30) -> datetime:
    """Return the UTC instant of ``day`` at the given Vietnam time."""
    return datetime.combine(day, time(hour, minute), tzinfo=VN).astimezone(UTC)


@pytest.fixture
def programme(make, smtp_server, app):
    """A coordinator's task due 02/05/2024 assigned to two provinces with focal points."""
    point_at(app, smtp_server)
    coordinator = make.user("coordinator", email="dieuphoi@example.org", language="en")
    task = make.task(title="Ban hành kế hoạch dữ liệu mở", deadline=DUE, owner_id=coordinator.id)
    late = lao_cai_province(make, head_email="lanhdao.laocai@example.org")
    quick = ha_giang_province(make, head_email="ld.hg@example.org")
    make.user("focal_point", email="dm.laocai@example.org", unit_id=late.id)
    make.user("focal_point", email="dm.hagiang@example.org", unit_id=quick.id)
    ids = {
        "late": make.assignment(task, late, state="in_progress").id,
        "quick": make.assignment(task, quick, state="in_progress").id,
    }
    # Commit last: reading an expired attribute afterwards would open a transaction, and on
    # SQLite (BEGIN IMMEDIATE) hold the write lock that the sweep processes need.
    db.session.commit()
    return {**ids, "inbox": smtp_server, "app": app}


def _sweep_and_deliver(app, settings, when):
    report = run_sweep(when, settings)
    deliver(app, when)
    return report


def _walk(app, days, settings, on_day=None):
    for day in days:
        if on_day:
            on_day(day)
        _sweep_and_deliver(app, settings, at(day))


def _received(inbox) -> dict[str, list[tuple[str, str]]]:
    """Return, per To address, the (Subject, Cc) of what arrived, in order."""
    got = defaultdict(list)
    for message in inbox.messages:
        got[message["To"].addresses[0].addr_spec].append(
            (str(message["Subject"]), str(message.get("Cc") or ""))
        )
    return got


def _sent_days(recipient: str) -> list[tuple[date, str]]:
    rows = db.session.execute(
        select(Reminder.sent_at, Reminder.stage)
        .where(Reminder.recipient == recipient, Reminder.state == "sent")
        .order_by(Reminder.sent_at, Reminder.stage)
    ).all()
    return [(sent_at.astimezone(VN).date(), stage) for sent_at, stage in rows]


def test_time_travel_over_a_deadline_sends_each_stage_once_on_working_days(programme, settings):
    inbox = programme["inbox"]
    days = [date(2024, 4, 12) + timedelta(days=n) for n in range(35)]  # 12/04 .. 16/05

    def submit_quick_midway(day):
        if day == date(2024, 4, 25):
            a = db.session.get(Assignment, programme["quick"])
            a.state, a.submitted_on = "submitted", day
            db.session.commit()

    _walk(programme["app"], days, settings, submit_quick_midway)

    assert _sent_days("dm.laocai@example.org") == [
        (date(2024, 4, 17), "before-7"),
        (date(2024, 4, 24), "before-3"),
        (date(2024, 4, 26), "before-1"),
        (date(2024, 5, 2), "due"),
        (date(2024, 5, 6), "overdue-3"),
        (date(2024, 5, 9), "overdue-6"),
        (date(2024, 5, 14), "overdue-9"),
    ]
    # Hà Giang submitted on 25/04: reminded before, never after.
    assert _sent_days("dm.hagiang@example.org") == [
        (date(2024, 4, 17), "before-7"),
        (date(2024, 4, 24), "before-3"),
    ]
    # Escalation once, to the head alone; the coordinator reads it in that day's digest.
    assert _sent_days("lanhdao.laocai@example.org") == [(date(2024, 5, 8), "escalation")]
    assert db.session.scalar(select(func.count()).where(Reminder.copy)) == 0
    received = _received(inbox)
    (escalation,) = received["lanhdao.laocai@example.org"]
    assert escalation[1] == ""
    assert all(cc == "" for mails in received.values() for _, cc in mails)
    (digest_of_the_day,) = [
        m
        for m in inbox.messages
        if m["To"].addresses[0].addr_spec == "dieuphoi@example.org"
        and "Daily digest" in str(m["Subject"])
        and m["Date"].datetime.date() == date(2024, 5, 8)
    ]
    text = digest_of_the_day.get_body(("plain",)).get_content()
    assert "Escalated to unit heads today (1)" in text
    assert "- Tỉnh Lào Cai: Ban hành kế hoạch dữ liệu mở - 6 days overdue" in text
    assert len(received["dm.laocai@example.org"]) == 7  # one email per reminder day
    # Nothing at all on days off.
    sent_days = {
        sent.astimezone(VN).date()
        for sent in db.session.scalars(select(EmailMessage.sent_at)).all()
    }
    for off in (date(2024, 4, 18), date(2024, 4, 27), date(2024, 4, 29), date(2024, 5, 1)):
        assert off not in sent_days
    # The weekly summary: on the first working day of each week (02/05 after the holidays).
    weekly = [d for d, stage in _sent_days("dieuphoi@example.org") if stage == "weekly"]
    assert weekly == [
        date(2024, 4, 12),  # the first sweep ever
        date(2024, 4, 15),
        date(2024, 4, 22),
        date(2024, 5, 2),
        date(2024, 5, 6),
        date(2024, 5, 13),
    ]
    # The coordinator is told about the submission on the next sweep, in a digest.
    digests = [s for s, _ in received["dieuphoi@example.org"] if "Daily digest" in s]
    assert digests, received["dieuphoi@example.org"]


def test_running_the_same_sweep_twice_sends_nothing_more(programme, settings):
    inbox, app = programme["inbox"], programme["app"]
    report = _sweep_and_deliver(app, settings, at(date(2024, 4, 24)))
    assert (report.planned, report.queued, report.cancelled) == (2, 3, 0)
    first = len(inbox.messages)
    again = _sweep_and_deliver(app, settings, at(date(2024, 4, 24), 15, 0))
    assert (again.planned, again.queued) == (0, 0)
    # One reminder to each focal point, and the coordinator's first weekly summary.
    assert sorted(_received(inbox)) == [
        "dieuphoi@example.org",
        "dm.hagiang@example.org",
        "dm.laocai@example.org",
    ]
    assert first == 3
    assert len(inbox.messages) == first


def test_after_downtime_only_the_current_stage_is_sent_once(programme, settings):
    # No sweep ran from 24/04 to 02/05 (before-3, before-1 and due were missed).
    _walk(programme["app"], [date(2024, 4, 17), date(2024, 5, 3)], settings)
    stages = [s for _, s in _sent_days("dm.laocai@example.org")]
    assert stages == ["before-7", "due"]


def test_an_extension_moves_the_next_reminders_to_the_new_date(programme, settings):
    app = programme["app"]
    _sweep_and_deliver(app, settings, at(date(2024, 4, 26)))  # before-1 of 02/05
    a = db.session.get(Assignment, programme["late"])
    a.due_date = date(2024, 5, 31)
    db.session.commit()
    days = [date(2024, 5, 2), date(2024, 5, 6), date(2024, 5, 28), date(2024, 5, 30)]
    _walk(app, days, settings)
    assert [s for _, s in _sent_days("dm.laocai@example.org")] == [
        "before-1",
        "before-3",
        "before-1",
    ]


def test_smtp_down_the_sweep_queues_and_a_later_delivery_sends_each_email_once(
    programme, app, settings
):
    inbox = programme["inbox"]
    port = app.config["MAIL_PORT"]
    report = run_sweep(at(date(2024, 4, 24)), settings)
    # Two reminders and the coordinator's weekly summary, queued with their ledger rows.
    assert report.queued == 3
    rows = db.session.scalars(select(Reminder)).all()
    assert len(rows) == 3 and {r.state for r in rows} == {"queued"}
    assert all(r.email_id for r in rows)
    app.config["MAIL_PORT"] = 9  # nothing listens there
    failed = deliver(app, at(date(2024, 4, 24), 7, 31))
    assert (failed.sent, failed.unreachable) == (0, 3)
    assert inbox.messages == []
    # An unreachable server spends no attempt: the mail goes as soon as it answers.
    assert {e.attempts for e in db.session.scalars(select(EmailMessage))} == {0}
    app.config["MAIL_PORT"] = port
    assert deliver(app, at(date(2024, 4, 24), 7, 32)).sent == 3
    assert len(inbox.messages) == 3
    db.session.expire_all()
    assert {r.state for r in db.session.scalars(select(Reminder))} == {"sent"}
    assert deliver(app, at(date(2024, 4, 24), 12, 0)).sent == 0
    _sweep_and_deliver(app, settings, at(date(2024, 4, 24), 13, 0))
    assert len(inbox.messages) == 3
    assert sorted(_received(inbox)) == [
        "dieuphoi@example.org",
        "dm.hagiang@example.org",
        "dm.laocai@example.org",
    ]


def test_a_reminder_is_not_sent_for_an_assignment_completed_since_planning(programme, settings):
    a = db.session.get(Assignment, programme["late"])
    a.state = "completed"
    db.session.commit()
    _sweep_and_deliver(programme["app"], settings, at(date(2024, 4, 24)))
    assert _sent_days("dm.laocai@example.org") == []


def _between_planning_and_queueing(monkeypatch, change):
    """Run ``change`` (and commit) after the sweep planned, before it claims anything."""
    planned = sweep_module.one_per_address

    def then_change(*args, **kwargs):
        parcels = planned(*args, **kwargs)
        change()
        db.session.commit()
        return parcels

    monkeypatch.setattr(sweep_module, "one_per_address", then_change)


def test_what_no_longer_applies_when_queued_is_written_cancelled(programme, settings, monkeypatch):
    def complete_lao_cai():
        db.session.get(Assignment, programme["late"]).state = "completed"

    _between_planning_and_queueing(monkeypatch, complete_lao_cai)
    report = _sweep_and_deliver(programme["app"], settings, at(date(2024, 4, 24)))
    assert (report.planned, report.queued, report.cancelled) == (2, 2, 1)
    row = db.session.scalar(select(Reminder).where(Reminder.recipient == "dm.laocai@example.org"))
    assert (row.state, row.email_id, row.last_error) == (
        "cancelled",
        None,
        "no longer applies when queued",
    )
    assert "dm.laocai@example.org" not in _received(programme["inbox"])
    # Cancelled is final: the next sweep plans nothing more for it.
    assert run_sweep(at(date(2024, 4, 24), 15, 0), settings).queued == 0


def test_a_claim_another_process_took_since_planning_is_left_to_it(
    programme, settings, monkeypatch
):
    """The sweep queues its emails and writes their ledger rows together; when another
    process holds one of the keys by then, that work is undone and the batch redone around
    the taken claim, which keeps its owner's row."""
    from tracker.services.reminders import claim

    planned = sweep_module.one_per_address
    held = []

    def then_take(*args, **kwargs):
        parcels = planned(*args, **kwargs)
        (parcel,) = [p for p in parcels if p.to.email == "dm.laocai@example.org"]
        held.append(parcel.items[0][1])
        claim.claim(held, at(date(2024, 4, 24), 7, 0))  # another process, a moment before
        db.session.commit()
        return parcels

    monkeypatch.setattr(sweep_module, "one_per_address", then_take)
    report = _sweep_and_deliver(programme["app"], settings, at(date(2024, 4, 24)))
    assert (report.planned, report.queued, report.cancelled) == (2, 2, 0)
    assert sorted(_received(programme["inbox"])) == [
        "dieuphoi@example.org",
        "dm.hagiang@example.org",
    ]
    rows = db.session.execute(
        select(Reminder.recipient, Reminder.state, Reminder.email_id, Reminder.claimed_at)
    ).all()
    by_recipient = {r.recipient: r for r in rows}
    assert len(rows) == 3  # the coordinator's digest, Hà Giang's reminder, the taken one
    taken = by_recipient["dm.laocai@example.org"]
    assert (taken.state, taken.email_id) == ("queued", None)
    assert taken.claimed_at == at(date(2024, 4, 24), 7, 0)
    ours = by_recipient["dm.hagiang@example.org"]
    assert ours.state == "sent"
    email = db.session.get(EmailMessage, ours.email_id)
    assert (email.to, email.state) == ("dm.hagiang@example.org", "sent")
    assert by_recipient["dieuphoi@example.org"].state == "sent"
    assert db.session.scalar(select(func.count()).select_from(EmailMessage)) == 2


def test_a_recipient_deactivated_since_planning_gets_nothing(programme, settings, monkeypatch):
    def deactivate():
        db.session.scalar(select(User).where(User.email == "dm.hagiang@example.org")).active = False

    _between_planning_and_queueing(monkeypatch, deactivate)
    report = _sweep_and_deliver(programme["app"], settings, at(date(2024, 4, 24)))
    assert report.cancelled == 1
    received = sorted(_received(programme["inbox"]))
    assert received == ["dieuphoi@example.org", "dm.laocai@example.org"]
    state = db.session.scalar(
        select(Reminder.last_error).where(Reminder.recipient == "dm.hagiang@example.org")
    )
    assert state == "recipient deactivated"


def test_a_sweep_marks_the_runs_a_dead_process_left_running_interrupted(programme, settings):
    from tracker.services.reminders import lock

    when = at(date(2024, 4, 24))
    dead = SweepRun(kind="sweep", started_at=when - timedelta(hours=40), status="running")
    recent = SweepRun(kind="sweep", started_at=when - timedelta(minutes=5), status="running")
    db.session.add_all([dead, recent])
    db.session.commit()
    report = run_sweep(when, settings)
    runs = db.session.execute(
        select(SweepRun.started_at, SweepRun.status, SweepRun.planned, SweepRun.sent).order_by(
            SweepRun.started_at
        )
    ).all()
    # Holding PostgreSQL's lock, no other sweep can be running; on SQLite only runs older
    # than SWEEP_STALE_HOURS are known to be dead.
    recent_status = "interrupted" if lock.is_exclusive() else "running"
    assert [(status, planned, sent) for _, status, planned, sent in runs] == [
        ("interrupted", 0, 0),
        (recent_status, 0, 0),
        ("ok", report.planned, report.queued),
    ]
    assert (report.planned, report.queued) == (2, 3)


def _heads(**emails):
    from tracker.models import Unit

    for name, email in emails.items():
        db.session.scalar(select(Unit).where(Unit.name == name)).head_email = email
    db.session.commit()


def test_one_address_with_several_roles_gets_one_email_per_sweep(programme, settings):
    # Lào Cai's head is the coordinator; Hà Giang's head is its own focal point.
    _heads(**{"Tỉnh Lào Cai": "DieuPhoi@example.org", "Tỉnh Hà Giang": "dm.hagiang@example.org"})
    inbox = programme["inbox"]
    report = _sweep_and_deliver(programme["app"], settings, at(date(2024, 5, 8)))
    per_address = defaultdict(list)
    for message in inbox.messages:
        per_address[message["To"].addresses[0].addr_spec].append(str(message["Subject"]))
    assert {a: len(s) for a, s in per_address.items()} == {
        "dieuphoi@example.org": 2,  # the daily digest and the weekly summary
        "dm.laocai@example.org": 1,
        "dm.hagiang@example.org": 1,
    }
    assert report.queued == 4
    (digest,) = [m for m in inbox.messages if "Daily digest" in str(m["Subject"])]
    text = digest.get_body(("plain",)).get_content()
    assert "Also addressed to you:" in text and "[Tỉnh Lào Cai]" in text
    # The digest settles the coordinator's escalation row too; the focal point's one email
    # settles its overdue notice and its escalation.
    rows = db.session.execute(
        select(Reminder.recipient, Reminder.stage, Reminder.email_id).order_by(Reminder.id)
    ).all()
    email_of = {(recipient, stage): email_id for recipient, stage, email_id in rows}
    assert (
        email_of["dieuphoi@example.org", "escalation"] == email_of["dieuphoi@example.org", "digest"]
    )
    assert (
        email_of["dm.hagiang@example.org", "escalation"]
        == email_of["dm.hagiang@example.org", "overdue-3"]
    )
    (hagiang,) = [m for m in inbox.messages if m["To"].addresses[0].addr_spec.startswith("dm.hag")]
    body = hagiang.get_body(("plain",)).get_content()
    assert body.count("Ban hành kế hoạch dữ liệu mở") == 1  # listed once, not twice


def test_the_head_of_two_units_gets_one_escalation_naming_both(programme, settings):
    _heads(**{"Tỉnh Lào Cai": "lanhdao@example.org", "Tỉnh Hà Giang": "lanhdao@example.org"})
    inbox = programme["inbox"]
    _sweep_and_deliver(programme["app"], settings, at(date(2024, 5, 8)))
    (escalation,) = [
        m for m in inbox.messages if m["To"].addresses[0].addr_spec == "lanhdao@example.org"
    ]
    assert "Tỉnh Lào Cai, Tỉnh Hà Giang" in str(escalation["Subject"])
    text = escalation.get_body(("plain",)).get_content()
    assert "[Tỉnh Lào Cai]" in text and "[Tỉnh Hà Giang]" in text


def test_a_vietnamese_subject_arrives_intact(programme, settings):
    _sweep_and_deliver(programme["app"], settings, at(date(2024, 4, 24)))
    subjects = [str(m["Subject"]) for m in programme["inbox"].messages]
    assert any("Tỉnh Lào Cai" in s for s in subjects), subjects


def _sweep_in_process(database_url: str, port: int, when: datetime, start) -> None:
    from tracker.app import create_app
    from tracker.settings import Settings

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "SECRET_KEY": "test",
        }
    )
    with app.app_context():
        start.wait(10)
        run_sweep(when, Settings.from_config(app.config, app.instance_path))


@pytest.mark.committed  # the two sweeping processes read the programme from the database
def test_two_concurrent_sweeps_in_two_processes_deliver_each_email_once(programme, app):
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    start = context.Event()
    when = at(date(2024, 5, 8))  # escalation day: a reminder and an escalation per unit
    workers = [
        context.Process(
            target=_sweep_in_process,
            args=(app.config["SQLALCHEMY_DATABASE_URI"], programme["inbox"].port, when, start),
        )
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    # Two reminders, two escalations, the daily digest and the weekly summary.
    assert deliver(app).sent == 6
    received = _received(programme["inbox"])
    assert len(received["dm.laocai@example.org"]) == 1
    assert len(received["dm.hagiang@example.org"]) == 1
    assert len(received["lanhdao.laocai@example.org"]) == 1
    assert len(received["ld.hg@example.org"]) == 1
    assert len(received["dieuphoi@example.org"]) == 2  # the daily digest, the weekly summary
    rows = db.session.execute(select(Reminder.recipient, Reminder.stage, Reminder.state)).all()
    assert sorted(rows) == [
        ("dieuphoi@example.org", "digest", "sent"),
        ("dieuphoi@example.org", "weekly", "sent"),
        ("dm.hagiang@example.org", "overdue-3", "sent"),
        ("dm.laocai@example.org", "overdue-3", "sent"),
        ("lanhdao.laocai@example.org", "escalation", "sent"),
        ("ld.hg@example.org", "escalation", "sent"),
    ]


def test_planning_runs_a_constant_number_of_queries(programme, make, query_counter, settings):
    from tracker.models import Task

    def plan_queries() -> int:
        with query_counter() as statements:
            run_sweep(at(date(2024, 5, 6)), settings, dry_run=True)
        return len(statements)

    small = plan_queries()
    owner = db.session.scalar(select(Task.owner_id))
    for n in range(6):
        unit = make.unit(name=f"Tỉnh thêm {n}", head_email=f"head{n}@example.org")
        make.user("focal_point", email=f"fp{n}@example.org", unit_id=unit.id)
        task = make.task(title=f"Nhiệm vụ thêm {n}", deadline=DUE, owner_id=owner)
        make.assignment(task, unit, state="in_progress")
    db.session.commit()
    assert plan_queries() == small


def test_remind_command_dry_run_prints_per_recipient_and_queues_nothing(programme, runner, app):
    result = runner.invoke(args=["remind", "--dry-run", "--today", "2024-04-24"])
    assert result.exit_code == 0, result.output
    assert "dm.laocai@example.org: 1 item(s)" in result.output
    assert "before-3" in result.output and "would queue" in result.output
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 0
    assert db.session.scalar(select(func.count()).select_from(EmailMessage)) == 0
    result = runner.invoke(args=["remind", "--today", "2024-04-24"])
    assert result.exit_code == 0 and "3 emails queued" in result.output
    assert programme["inbox"].messages == []  # queued: the sender delivers them
    deliver(app)
    assert len(programme["inbox"].messages) == 3
    assert runner.invoke(args=["remind", "--today", "24/04/2024"]).exit_code != 0


def test_remind_command_sends_nothing_on_a_day_off(programme, runner):
    result = runner.invoke(args=["remind", "--today", "2024-04-30"])
    assert "not a working day" in result.output
    assert db.session.scalar(select(func.count()).select_from(EmailMessage)) == 0


def test_the_scheduler_sweeps_daily_in_vietnam_time(app):
    from tracker import scheduler

    app.config["REMINDER_SWEEP_TIME"] = "07:45"
    jobs = {job.id: job for job in scheduler.build(app).get_jobs()}
    assert set(jobs) == {"sweep", "recurrence", "rollups", "prune", "imports"}
    trigger = jobs["sweep"].trigger
    assert str(trigger.timezone) == "Asia/Ho_Chi_Minh"
    fields = {f.name: str(f) for f in trigger.fields}
    assert fields["hour"] == "7" and fields["minute"] == "45"
