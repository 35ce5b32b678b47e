"""What a sweep reads from the ledger: the stages already sent for each open assignment's
due date in force (every rework notice too), all of them or only the stages asked today."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from support.today import NOW

from tracker.extensions import db
from tracker.models import Reminder
from tracker.services.reminders import sources

DUE = date(2024, 7, 10)
EARLIER = date(2024, 6, 28)
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def ledger(make):
    """Two open assignments and a completed one, with ledger rows of their current due
    date, of an earlier one, rework notices and a digest row."""
    unit, other = make.unit(), make.unit()
    task = make.task(deadline=DUE)
    open_ = make.assignment(task, unit, state="in_progress")
    second = make.assignment(make.task(deadline=DUE), unit, state="assigned")
    done = make.assignment(task, other, state="completed")
    rows = [
        (open_, "before-7", DUE),
        (open_, "before-3", DUE),
        (open_, "overdue-3", EARLIER),  # a due date no longer in force
        (open_, "returned-20240620", date(2024, 6, 20)),
        (second, "before-3", DUE),
        (second, "escalation", EARLIER),
        (done, "before-3", DUE),
    ]
    for n, (assignment, stage, day) in enumerate(rows):
        db.session.add(
            Reminder(
                dedupe_key=f"test|{n}",
                kind="assignment",
                assignment_id=assignment.id,
                task_id=assignment.task_id,
                unit_id=assignment.unit_id,
                recipient="fp@example.org",
                stage=stage,
                day=day,
                state="sent",
                claimed_at=NOW,
            )
        )
    db.session.add(
        Reminder(
            dedupe_key="test|digest",
            kind="digest",
            recipient="dp@example.org",
            stage="before-3",
            day=DUE,
            state="sent",
            claimed_at=NOW,
        )
    )
    db.session.commit()
    return open_.id, second.id, done.id


def test_the_sent_sets_hold_the_stages_of_the_due_date_in_force_and_every_rework(ledger):
    open_, second, _done = ledger
    items = sources.snapshots(ZONE)
    sent = sources.sent_sets(items)
    assert sent[open_] == {"before-7", "before-3", "returned-20240620"}
    assert sent[second] == {"before-3"}
    assert set(sent) <= {open_, second}  # closed work and digests are not read


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        (set(), {}),
        ({(DUE, "before-3")}, "both"),
        ({(DUE, "before-7")}, {"open": {"before-7"}}),
        ({(EARLIER, "overdue-3"), (EARLIER, "escalation")}, {}),  # not the date in force
        ({(None, "returned-20240620")}, {"open": {"returned-20240620"}}),
        ({(DUE, "due"), (None, "returned-20240101")}, {}),
    ],
)
def test_the_sent_sets_hold_only_the_stages_asked_when_given(ledger, asked, expected):
    open_, second, _done = ledger
    ids = {"open": open_, "second": second}
    if expected == "both":
        expected = {"open": {"before-3"}, "second": {"before-3"}}
    sent = sources.sent_sets(sources.snapshots(ZONE), asked)
    assert sent == {ids[name]: stages for name, stages in expected.items()}
