"""The reminder sweep end to end: a real database, a real SMTP server, day by day."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from support.units import ha_giang_province, lao_cai_province

from tracker.extensions import db
from tracker.models import Assignment, EmailMessage, Reminder
from tracker.services.reminders.retry import run_retries
from tracker.services.reminders.sweep import run_sweep

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DUE = date(2024, 5, 2)  # Thursday; 29/4-1/5 are days off, Saturday 04/05 is a working day


def at(day: date, hour: int = 7, minute: int = 30) -> datetime:
    """Return the UTC instant of ``day`` at the given Vietnam time."""
    return datetime.combine(day, time(hour, minute), tzinfo=VN).astimezone(UTC)


@pytest.fixture
def programme(make, smtp_server, app):
    """A coordinator's task due 02/05/2024 assigned to two provinces with focal points."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
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
    return {**ids, "inbox": smtp_server}


def _walk(days, settings, on_day=None):
    for day in days:
        if on_day:
            on_day(day)
        run_sweep(at(day), settings)


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

    _walk(days, settings, submit_quick_midway)

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
    # Escalation once, to the head, the coordinator in copy.
    assert _sent_days("lanhdao.laocai@example.org") == [(date(2024, 5, 8), "escalation")]
    copies = db.session.scalars(
        select(Reminder.stage).where(Reminder.recipient == "dieuphoi@example.org", Reminder.copy)
    ).all()
    assert copies == ["escalation"]
    received = _received(inbox)
    (escalation,) = received["lanhdao.laocai@example.org"]
    assert "dieuphoi@example.org" in escalation[1]
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
    inbox = programme["inbox"]
    run_sweep(at(date(2024, 4, 24)), settings)
    first = len(inbox.messages)
    run_sweep(at(date(2024, 4, 24), 15, 0), settings)
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
    run_sweep(at(date(2024, 4, 17)), settings)
    run_sweep(at(date(2024, 5, 3)), settings)
    stages = [s for _, s in _sent_days("dm.laocai@example.org")]
    assert stages == ["before-7", "due"]


def test_an_extension_moves_the_next_reminders_to_the_new_date(programme, settings):
    run_sweep(at(date(2024, 4, 26)), settings)  # before-1 of 02/05
    a = db.session.get(Assignment, programme["late"])
    a.due_date = date(2024, 5, 31)
    db.session.commit()
    for day in (date(2024, 5, 2), date(2024, 5, 6), date(2024, 5, 28), date(2024, 5, 30)):
        run_sweep(at(day), settings)
    assert [s for _, s in _sent_days("dm.laocai@example.org")] == [
        "before-1",
        "before-3",
        "before-1",
    ]


def test_smtp_down_records_failures_and_the_retry_delivers_once(programme, app, settings):
    inbox = programme["inbox"]
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 9  # nothing listens there
    report = run_sweep(at(date(2024, 4, 24)), settings)
    # Two reminders and the coordinator's weekly summary.
    assert report.failed == 3 and report.sent == 0
    failed = db.session.scalars(select(Reminder).where(Reminder.state == "failed")).all()
    assert len(failed) == 3 and all(r.next_attempt_at for r in failed)
    assert db.session.scalar(select(func.count()).where(EmailMessage.state == "failed")) == 3
    app.config["MAIL_PORT"] = port
    # Too early: the retry waits for its time.
    assert run_retries(at(date(2024, 4, 24), 7, 31), settings).sent == 0
    outcome = run_retries(at(date(2024, 4, 24), 9, 0), settings)
    assert outcome.sent == 3
    assert len(inbox.messages) == 3
    assert run_retries(at(date(2024, 4, 24), 12, 0), settings).sent == 0
    run_sweep(at(date(2024, 4, 24), 13, 0), settings)
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
    run_sweep(at(date(2024, 4, 24)), settings)
    assert _sent_days("dm.laocai@example.org") == []


def test_a_vietnamese_subject_arrives_intact(programme, settings):
    run_sweep(at(date(2024, 4, 24)), settings)
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
    received = _received(programme["inbox"])
    assert len(received["dm.laocai@example.org"]) == 1
    assert len(received["dm.hagiang@example.org"]) == 1
    assert len(received["lanhdao.laocai@example.org"]) == 1
    assert len(received["ld.hg@example.org"]) == 1
    rows = db.session.execute(select(Reminder.recipient, Reminder.stage, Reminder.state)).all()
    assert sorted(rows) == [
        ("dieuphoi@example.org", "digest", "sent"),
        ("dieuphoi@example.org", "escalation", "sent"),  # in copy of both escalations
        ("dieuphoi@example.org", "escalation", "sent"),
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


def test_remind_command_dry_run_prints_per_recipient_and_sends_nothing(programme, runner, app):
    result = runner.invoke(args=["remind", "--dry-run", "--today", "2024-04-24"])
    assert result.exit_code == 0, result.output
    assert "dm.laocai@example.org: 1 item(s)" in result.output
    assert "before-3" in result.output and "would send" in result.output
    assert programme["inbox"].messages == []
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 0
    result = runner.invoke(args=["remind", "--today", "2024-04-24"])
    assert result.exit_code == 0 and "emails sent" in result.output
    assert len(programme["inbox"].messages) == 3
    assert runner.invoke(args=["remind", "--today", "24/04/2024"]).exit_code != 0


def test_remind_command_sends_nothing_on_a_day_off(programme, runner):
    result = runner.invoke(args=["remind", "--today", "2024-04-30"])
    assert "not a working day" in result.output
    assert programme["inbox"].messages == []


def test_the_scheduler_sweeps_daily_in_vietnam_time(app):
    from tracker import scheduler

    app.config["REMINDER_SWEEP_TIME"] = "07:45"
    jobs = {job.id: job for job in scheduler.build(app).get_jobs()}
    assert set(jobs) == {"sweep", "recurrence"}
    trigger = jobs["sweep"].trigger
    assert str(trigger.timezone) == "Asia/Ho_Chi_Minh"
    fields = {f.name: str(f) for f in trigger.fields}
    assert fields["hour"] == "7" and fields["minute"] == "45"
