"""The webhook events told by the services that make the change, from the receiving side (a
real HTTP server, each body checked against its type's schema in the OpenAPI description):
assignments becoming overdue (the midnight job, once, one event per task, in bounded parts),
tasks created and changed (once per task, not once per unit), units merged."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from support.people import office
from support.receiver import Receiver, conforms
from support.today import NOW, TODAY
from support.units import hanoi_city, hue_province

from tests.support.reorganisation import MERGER_DAY, merger_world
from tracker import clock, scheduler
from tracker.domain.recurrence import DayRule, Recurrence
from tracker.extensions import db
from tracker.models import User, WebhookDelivery
from tracker.services import webhooks
from tracker.services.assignments import overdue
from tracker.services.recurrence import generation
from tracker.services.recurrence import series as recurrence
from tracker.services.recurrence.settings import SeriesInput
from tracker.services.reorganisation.merging import merge_units
from tracker.services.rollups import units as unit_counts
from tracker.services.tasks import assigning, editing
from tracker.services.tasks.editing import TaskInput

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


@pytest.fixture
def receiver(ctx):
    with Receiver().running() as running:
        yield running


def _listen(receiver, *types: str) -> None:
    """Register the receiver for ``types`` (by the world's administrator)."""
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    webhooks.create_endpoint(
        admin, url=receiver.url, kinds=list(types), description="Báo cáo", now=NOW
    )


def _delivered(receiver, settings, spec, at: datetime = NOW) -> list[dict]:
    """Deliver what is due at ``at`` and return every event received so far, each checked
    against its schema."""
    webhooks.deliver_due(lambda: at + timedelta(seconds=1), settings)
    events = [json.loads(body) for _headers, body in receiver.received]
    for event in events:
        conforms(spec, event)
    return events


# ----------------------------------------------------------------------- assignment.overdue


def _overdue_world(make):
    """Units and a task due on 28/06/2024, open for four units, done or waiting for two."""
    office(make, "admin")
    units = [hanoi_city(make), hue_province(make)] + [make.unit() for _ in range(4)]
    due = make.task(title="Kế hoạch dữ liệu mở", deadline=date(2024, 6, 28))
    for unit, state in zip(units, ["in_progress", "assigned", "assigned", "in_progress",
                                   "submitted", "completed"], strict=True):  # fmt: skip
        make.assignment(due, unit, state=state)
    # Already overdue before the counts' day, and not due yet: neither is news.
    make.assignment(make.task(deadline=date(2024, 6, 10)), units[0])
    make.assignment(make.task(deadline=date(2024, 7, 5)), units[0])
    db.session.commit()
    return due, units


def test_the_midnight_job_tells_once_which_assignments_became_overdue(
    app, ctx, make, settings, spec, receiver
):
    due, units = _overdue_world(make)
    _listen(receiver, "assignment.overdue")
    unit_counts.roll(date(2024, 6, 25))  # the counts judged 25/06: the job did not run since
    db.session.commit()

    scheduler.rollup_job(app)
    scheduler.rollup_job(app)  # a second run, the same day, tells nothing more
    [event] = _delivered(receiver, settings, spec, clock.now())

    assert event["type"] == "assignment.overdue"
    data = event["data"]
    assert (data["task_id"], data["unit_id"], data["assignment_id"]) == (due.id, None, None)
    assert (data["overdue_on"], data["part"], data["parts"]) == (TODAY.isoformat(), 1, 1)
    # The four still open for work; not the one waiting for confirmation, not the done one.
    assert sorted(a["unit_id"] for a in data["assignments"]) == sorted(u.id for u in units[:4])
    assert {a["due_date"] for a in data["assignments"]} == {"2024-06-28"}
    assert unit_counts.clock_day() == TODAY


def test_a_task_with_many_overdue_units_is_told_in_bounded_parts(
    app, ctx, make, settings, spec, receiver, monkeypatch
):
    _overdue_world(make)
    _listen(receiver, "assignment.overdue")
    monkeypatch.setattr(overdue, "BATCH", 3)
    told = overdue.tell_overdue(date(2024, 6, 25), TODAY, now=NOW)
    db.session.commit()
    events = _delivered(receiver, settings, spec)
    assert told == 2
    assert [(e["data"]["part"], e["data"]["parts"]) for e in events] == [(1, 2), (2, 2)]
    assert [len(e["data"]["assignments"]) for e in events] == [3, 1]
    ids = [a["assignment_id"] for e in events for a in e["data"]["assignments"]]
    assert ids == sorted(ids) and len(set(ids)) == 4


def test_nothing_is_read_or_told_when_nobody_listens_or_the_counts_were_never_moved(
    app, ctx, make, query_counter, receiver
):
    _overdue_world(make)
    with query_counter() as statements:
        assert overdue.tell_overdue(date(2024, 6, 25), TODAY, now=NOW) == 0
    assert len(statements) == 1  # whether anyone listens
    _listen(receiver, "assignment.overdue")
    # The counts' first day: the overdue assignments of the past are no news.
    assert overdue.tell_overdue(unit_counts.UNSET, TODAY, now=NOW) == 0
    assert overdue.tell_overdue(TODAY, TODAY - timedelta(days=3), now=NOW) == 0  # moved back
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


# ----------------------------------------------------------------------- task.created / changed


def test_a_task_is_told_created_then_changed_once_whatever_its_units(
    ctx, make, settings, spec, receiver
):
    _admin, coordinator = office(make, "admin", "coordinator")
    hanoi, hue = hanoi_city(make), hue_province(make)
    _listen(receiver, "task.created", "task.changed", "assignment.assigned")
    task = editing.create_task(
        TaskInput(title="Kết nối CSDL dân cư", field="data", deadline=date(2024, 9, 30)),
        actor=coordinator,
        now=NOW,
    )
    assigning.assign_units(
        task.id,
        assigning.UnitSelection(unit_ids=frozenset({hanoi.id, hue.id})),
        actor=coordinator,
        now=NOW,
    )
    editing.update_task(
        task.id,
        TaskInput(title="Kết nối CSDL quốc gia về dân cư", field="data",
                  deadline=date(2024, 10, 31)),
        actor=coordinator, now=NOW, version=task.version,
    )  # fmt: skip
    editing.close_task(task.id, actor=coordinator, now=NOW)

    events = _delivered(receiver, settings, spec)
    types = [e["type"] for e in events]
    assert types.count("assignment.assigned") == 2  # one per unit
    created, *changes = [e for e in events if e["type"].startswith("task.")]
    assert created["type"] == "task.created"
    assert created["data"]["title"] == "Kết nối CSDL dân cư"
    assert (created["data"]["deadline"], created["data"]["unit_id"]) == ("2024-09-30", None)
    # Two units, one edit: one task.changed, with each field's old and new value.
    edit, closed = changes
    assert edit["data"]["fields"] == ["deadline", "title"]
    assert edit["data"]["changes"]["deadline"] == ["2024-09-30", "2024-10-31"]
    assert edit["data"]["moved_due_dates"] == 2
    assert closed["data"]["fields"] == ["closed_at"]


def test_each_generated_occurrence_of_a_recurring_task_is_told_created(
    ctx, make, settings, spec, receiver
):
    _admin, coordinator = office(make, "admin", "coordinator")
    hanoi_city(make)
    db.session.commit()
    _listen(receiver, "task.created")
    rule = Recurrence("half_yearly", date(2025, 1, 1), due=DayRule("period_end", 0, 15))
    series = recurrence.create_series(
        SeriesInput(
            task=TaskInput(title="Báo cáo 6 tháng", field="government"),
            rule=rule,
            units=assigning.UnitSelection(groups=frozenset({"local"})),
        ),
        actor=coordinator,
        now=NOW,
    )
    report = generation.generate_due_occurrences(date(2025, 7, 1), now=NOW, language="vi")
    events = _delivered(receiver, settings, spec)
    assert [e["data"]["task_id"] for e in events] == [o.task_id for o in report.occurrences]
    assert len(events) == 2 and series.id not in [e["data"]["task_id"] for e in events]


# ----------------------------------------------------------------------- unit.merged


def test_a_merger_is_told_once_per_successor(ctx, make, settings, spec, receiver):
    ids = merger_world(make)
    db.session.commit()
    _listen(receiver, "unit.merged")
    admin = db.session.get(User, ids["admin"])
    result = merge_units(
        [ids["an"], ids["binh"]], ids["cuong"], MERGER_DAY, actor=admin, now=NOW, zone=ZONE
    )
    [event] = _delivered(receiver, settings, spec)
    data = event["data"]
    assert (data["task_id"], data["unit_id"], data["assignment_id"]) == (None, ids["cuong"], None)
    assert data["successor"] == {"id": ids["cuong"], "code": "C1", "name": "Tỉnh Cường"}
    assert [s["id"] for s in data["sources"]] == [ids["an"], ids["binh"]]
    assert data["effective"] == MERGER_DAY.isoformat()
    (counts,) = result.mergers
    assert (data["moved"], data["merged"]) == (counts.moved, counts.merged)


def test_a_deadline_on_a_day_off_is_told_when_its_effective_deadline_has_passed(
    ctx, make, receiver
):
    """Due Sunday 30/06/2024: a task that rolls is overdue on Tuesday, one that keeps its
    written date on Monday; one that rolls, due Saturday 27/04 before the 29/04–01/05
    holidays, on Friday 03/05."""
    office(make, "admin")
    unit = make.unit()
    rolls = make.task(title="Theo ngày làm việc", deadline=date(2024, 6, 30))
    keeps = make.task(
        title="Giữ ngày ghi", deadline=date(2024, 6, 30), deadline_day_off_rolls=False
    )
    holiday = make.task(title="Trước kỳ nghỉ", deadline=date(2024, 4, 27))
    for task in (rolls, keeps, holiday):
        make.assignment(task, unit, state="assigned")
    db.session.commit()
    _listen(receiver, "assignment.overdue")

    def told(since: date, day: date) -> list[int]:
        before = db.session.scalar(select(func.count()).select_from(WebhookDelivery))
        overdue.tell_overdue(since, day, now=NOW)
        bodies = db.session.scalars(
            select(WebhookDelivery.body).order_by(WebhookDelivery.id).offset(before)
        )
        return sorted(json.loads(body)["data"]["task_id"] for body in bodies)

    assert told(date(2024, 6, 30), date(2024, 7, 1)) == [keeps.id]
    assert told(date(2024, 7, 1), date(2024, 7, 2)) == [rolls.id]
    assert told(date(2024, 6, 29), date(2024, 7, 2)) == sorted([rolls.id, keeps.id])
    assert told(date(2024, 4, 28), date(2024, 5, 2)) == []
    assert told(date(2024, 5, 2), date(2024, 5, 3)) == [holiday.id]
    assert told(date(2024, 4, 27), date(2024, 4, 28)) == []
