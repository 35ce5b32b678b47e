"""``tracker remind`` killed with SIGKILL at random instants, then run again: every planned
email is queued exactly once, each with its ledger rows, and delivered once.

Each trial starts from an empty ledger and outbox, kills a sweep at a random instant while it
works (batches made small so that kills land between and inside its transactions), runs it
again to the end, checks the ledger and the outbox against an uninterrupted sweep, and
delivers to a real SMTP server. Set TRACKER_CRASH_TRIALS (default 10 per backend) and
TRACKER_CRASH_SEED to change or replay the instants.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import delete, func, select
from support.outbox import deliver, point_at

from tracker.extensions import READ_ONLY, db
from tracker.models import EmailMessage, Reminder, SweepRun
from tracker.models.reminders import PENDING
from tracker.services.reminders import lock

DAY = "2024-05-08"  # two working days after the escalation point of a 02/05 due date
UNITS, TASKS = 40, 3
BATCH = 8  # emails per transaction in the killed command
TRIALS = int(os.environ.get("TRACKER_CRASH_TRIALS", "10"))
SEED = int(os.environ.get("TRACKER_CRASH_SEED", str(random.randrange(1 << 30))))
REMIND = (
    "import sys\n"
    "import tracker.services.reminders.sweep as sweep\n"
    "sweep.BATCH = int(sys.argv[1])\n"
    "from tracker.cli import cli\n"
    "cli.main(['remind', '--today', sys.argv[2]])\n"
)


@pytest.fixture
def world(app, ctx, make):
    coordinator = make.user("coordinator", email="dieuphoi@example.org", language="en")
    tasks = [
        make.task(title=f"Nhiệm vụ số {n}", deadline=date(2024, 5, 2), owner_id=coordinator.id)
        for n in range(TASKS)
    ]
    for n in range(UNITS):
        unit = make.unit(name=f"Tỉnh số {n}", head_email=f"lanhdao{n}@example.org")
        make.user("focal_point", email=f"dm{n}@example.org", unit_id=unit.id)
        for task in tasks:
            make.assignment(task, unit, state="in_progress")
    db.session.commit()
    return app


def _start(app) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")},
        "TRACKER_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "TRACKER_SECRET_KEY": "test",
    }
    return subprocess.Popen(
        [sys.executable, "-c", REMIND, str(BATCH), DAY],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _sweep_started() -> bool:
    with db.engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        return conn.execute(select(func.count()).select_from(SweepRun)).scalar() > 0


def _run_to_the_end(app) -> str:
    process = _start(app)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    return output


def _state() -> tuple[set[tuple], Counter]:
    """Return the ledger as (recipient, stage, assignment, email's To, email's state) rows,
    and the outbox's emails per (address, kind)."""
    db.session.expire_all()
    ledger = db.session.execute(
        select(
            Reminder.recipient,
            Reminder.stage,
            Reminder.assignment_id,
            Reminder.state,
            EmailMessage.to,
            EmailMessage.kind,
        ).join(EmailMessage, EmailMessage.id == Reminder.email_id, isouter=True)
    ).all()
    rows = [tuple(r) for r in ledger]
    assert len(rows) == len(set(rows))
    assert all(state == "queued" and to == recipient for recipient, _, _, state, to, _ in rows)
    emails = Counter(
        (to, kind) for to, kind in db.session.execute(select(EmailMessage.to, EmailMessage.kind))
    )
    linked = db.session.scalar(select(func.count(func.distinct(Reminder.email_id))))
    assert linked == sum(emails.values())  # no email without its ledger rows
    db.session.rollback()  # on SQLite a transaction holds the write lock the others need
    return set(rows), emails


def _reset() -> None:
    db.session.execute(delete(Reminder))
    db.session.execute(delete(EmailMessage))
    db.session.execute(delete(SweepRun))
    db.session.commit()


def _emails_queued() -> int:
    with db.engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        return conn.execute(select(func.count()).select_from(EmailMessage)).scalar()


@pytest.mark.committed  # the killed commands and the test read each other's commits
def test_killing_tracker_remind_at_random_instants_loses_nothing_and_queues_nothing_twice(
    world, smtp_server
):
    app = world
    point_at(app, smtp_server)
    rng = random.Random(SEED)
    # An uninterrupted sweep: what every trial must end with, and how long the work takes.
    started = time.monotonic()
    process = _start(app)
    while process.poll() is None and not _sweep_started():
        time.sleep(0.005)
    working = time.monotonic()
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    done = time.monotonic()
    expected_ledger, expected_emails = _state()
    assert len(expected_ledger) == 2 * UNITS * TASKS + 2  # + the digest and weekly summary
    assert sum(expected_emails.values()) == 2 * UNITS + 2
    assert max(n for (_, kind), n in expected_emails.items() if kind != "weekly") == 1
    print(
        f"\nseed {SEED}: {len(expected_ledger)} ledger rows, {sum(expected_emails.values())} "
        f"emails; the sweep works from {working - started:.2f}s to {done - started:.2f}s"
    )
    kills = []
    for trial in range(TRIALS):
        _reset()
        smtp_server.envelopes.clear()
        smtp_server.messages.clear()
        # A random instant of the sweep's work: after it recorded its start (what precedes is
        # the interpreter starting), within the time an uninterrupted sweep took.
        at = rng.uniform(0, 0.7 * (done - working))
        process = _start(app)
        while process.poll() is None and not _sweep_started():
            time.sleep(0.005)
        time.sleep(at)
        alive = process.poll() is None
        process.kill()
        process.wait(timeout=30)
        before = _emails_queued()
        _run_to_the_end(app)
        ledger, emails = _state()
        assert ledger == expected_ledger, f"trial {trial}, killed at {at:.3f}s"
        assert emails == expected_emails, f"trial {trial}, killed at {at:.3f}s"
        runs = db.session.execute(select(SweepRun.status).order_by(SweepRun.id)).scalars().all()
        db.session.rollback()
        # The killed run is marked interrupted by the rerun where the lock says no other
        # sweep can be running (PostgreSQL); on SQLite only once it is old.
        assert runs[-1] == "ok", runs
        if lock.is_exclusive():
            assert "running" not in runs, runs
        report = deliver(app)
        assert (report.sent, report.retrying, report.failed) == (sum(emails.values()), 0, 0)
        received = Counter(a for e in smtp_server.envelopes for a in e.rcpt_tos)
        assert received.pop("dieuphoi@example.org") == 2  # the digest, the weekly summary
        assert set(received.values()) == {1} and len(received) == 2 * UNITS
        assert (
            db.session.scalar(
                select(func.count()).select_from(EmailMessage).where(EmailMessage.state == PENDING)
            )
            == 0
        )
        kills.append((at, before, alive))
        print(
            f"trial {trial}: {'killed' if alive else 'already done'} {at:.3f}s into the sweep, "
            f"{before} emails committed; "
            f"the rerun queued {sum(emails.values()) - before}; runs {runs}; "
            f"delivered {report.sent}, each once"
        )
    assert len(kills) == TRIALS
    # Most instants fall inside the work: some emails committed, not all.
    inside = [k for k in kills if k[2] and 0 < k[1] < sum(expected_emails.values())]
    print(f"{len(inside)} of {TRIALS} kills landed between the first and the last commit")
