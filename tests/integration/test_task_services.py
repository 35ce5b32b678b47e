"""Coordinators' task services against a real database: create, edit, close, assign, remove."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update

from tracker.extensions import db
from tracker.models import (
    Assignment,
    Event,
    Field,
    Task,
)
from tracker.services.errors import NotAllowed, ServiceError, StaleEdit
from tracker.services.tasks import assigning as ta
from tracker.services.tasks import editing as tasks

NOW = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)


def _input(**changes) -> tasks.TaskInput:
    values = {
        "title": "Ban hành kế hoạch chuyển đổi số năm 2025",
        "field": Field.GOVERNMENT.value,
        "source_document": "Kế hoạch chuyển đổi số năm 2024",
        "source_number": "01/KH-UBQGCĐS",
        "source_date": date(2024, 3, 15),
        "priority": True,
        "deadline": date(2024, 9, 30),
        "deadline_wording": "Quý III/2024",
    }
    values.update(changes)
    return tasks.TaskInput(**values)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _events(kind: str) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def _selection(**kw) -> ta.UnitSelection:
    return ta.UnitSelection(**{k: frozenset(v) for k, v in kw.items()})


@pytest.fixture
def coordinator(make):
    return make.user("coordinator")


def test_creating_a_task_saves_its_facts_and_records_an_event(make, coordinator):
    owner = make.user("admin")
    task = tasks.create_task(_input(owner_id=owner.id), actor=coordinator, now=NOW)
    db.session.expire_all()
    saved = db.session.get(Task, task.id)
    assert (saved.title, saved.deadline, saved.deadline_wording) == (
        "Ban hành kế hoạch chuyển đổi số năm 2025",
        date(2024, 9, 30),
        "Quý III/2024",
    )
    assert saved.source_date == date(2024, 3, 15) and saved.priority
    assert (saved.owner_id, saved.created_by_id, saved.created_at) == (
        owner.id,
        coordinator.id,
        NOW,
    )
    [event] = _events("task_created")
    assert (event.task_id, event.target, event.actor_id) == (
        task.id,
        f"task:{task.id}",
        coordinator.id,
    )


@pytest.mark.parametrize("role", ["viewer", "focal_point"])
def test_only_coordinators_create_tasks(make, role):
    unit = make.unit()
    user = make.user(role, unit_id=unit.id if role == "focal_point" else None)
    with pytest.raises(NotAllowed):
        tasks.create_task(_input(), actor=user, now=NOW)
    assert _count(Task) == 0 and _count(Event) == 0


@pytest.mark.parametrize(
    "owner_role, active", [("viewer", True), ("focal_point", True), ("coordinator", False)]
)
def test_owner_must_be_an_active_coordinator(make, coordinator, owner_role, active):
    owner = make.user(owner_role, active=active)
    with pytest.raises(ServiceError):
        tasks.create_task(_input(owner_id=owner.id), actor=coordinator, now=NOW)
    assert _count(Task) == 0


@pytest.mark.parametrize("bad", [{"title": "  "}, {"field": "astrology"}])
def test_bad_input_is_refused_and_changes_nothing(make, coordinator, bad):
    task = tasks.create_task(_input(), actor=coordinator, now=NOW)
    version = task.version
    with pytest.raises(ServiceError):
        tasks.update_task(task.id, _input(**bad), actor=coordinator, now=NOW, version=version)
    db.session.expire_all()
    assert db.session.get(Task, task.id).title.startswith("Ban hành")
    assert db.session.get(Task, task.id).version == version
    assert _count(Event, Event.kind == "task_updated") == 0


def test_editing_records_what_changed(make, coordinator):
    task = tasks.create_task(_input(), actor=coordinator, now=NOW)
    result = tasks.update_task(
        task.id,
        _input(title="Kế hoạch mới", priority=False),
        actor=coordinator,
        now=NOW,
        version=task.version,
    )
    assert set(result.changed) == {"title", "priority"} and result.moved == 0
    [event] = _events("task_updated")
    assert event.data["changed"]["title"] == [
        "Ban hành kế hoạch chuyển đổi số năm 2025",
        "Kế hoạch mới",
    ]
    assert event.data["changed"]["priority"] == [True, False]


def test_a_stale_version_is_refused_and_nothing_is_saved(make, coordinator):
    task = tasks.create_task(_input(), actor=coordinator, now=NOW)
    loaded_at = task.version
    tasks.update_task(
        task.id, _input(title="Người khác sửa"), actor=coordinator, now=NOW, version=loaded_at
    )
    with pytest.raises(StaleEdit):
        tasks.update_task(
            task.id, _input(title="Tôi sửa"), actor=coordinator, now=NOW, version=loaded_at
        )
    db.session.expire_all()
    assert db.session.get(Task, task.id).title == "Người khác sửa"


def test_a_concurrent_change_caught_at_commit_is_a_stale_edit(make, coordinator):
    task = tasks.create_task(_input(), actor=coordinator, now=NOW)
    version = task.version
    # Another transaction bumps the version after our row was loaded (the session does not know).
    db.session.execute(
        update(Task)
        .where(Task.id == task.id)
        .values(title="Người khác sửa", version=Task.version + 1)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(StaleEdit):
        tasks.update_task(
            task.id, _input(title="Tôi sửa"), actor=coordinator, now=NOW, version=version
        )
    db.session.expire_all()
    assert db.session.get(Task, task.id).title.startswith("Ban hành")


def test_a_new_deadline_moves_only_open_due_dates_still_at_the_old_one(make, coordinator):
    task = tasks.create_task(_input(), actor=coordinator, now=NOW)
    old = date(2024, 9, 30)
    follows = make.assignment(task, make.unit())
    extended = make.assignment(
        task, make.unit(), due_date=date(2024, 10, 31), original_due_date=old
    )
    done = make.assignment(task, make.unit(), state="completed", submitted_on=date(2024, 6, 1))
    submitted = make.assignment(task, make.unit(), state="submitted", submitted_on=date(2024, 6, 1))
    db.session.commit()
    ids = [a.id for a in (follows, extended, done, submitted)]
    assert tasks.movable_due_count(task) == 2
    result = tasks.update_task(
        task.id,
        _input(deadline=date(2024, 12, 31), deadline_wording="năm 2024"),
        actor=coordinator,
        now=NOW,
        version=task.version,
    )
    assert result.moved == 2
    db.session.expire_all()
    rows = {a.id: a for a in db.session.scalars(select(Assignment).where(Assignment.id.in_(ids)))}
    assert rows[follows.id].due_date == date(2024, 12, 31)
    assert rows[submitted.id].due_date == date(2024, 12, 31)
    assert rows[extended.id].due_date == date(2024, 10, 31)
    assert rows[done.id].due_date == old
    assert all(a.original_due_date == old for a in rows.values())
    assert rows[follows.id].version == 2  # a form loaded before the move is now stale
    moved = _events("due_changed")
    assert {e.assignment_id for e in moved} == {follows.id, submitted.id}
    assert moved[0].data["old"] == "2024-09-30" and moved[0].data["new"] == "2024-12-31"


def test_due_dates_stay_when_the_coordinator_says_so(make, coordinator):
    task = tasks.create_task(_input(), actor=coordinator, now=NOW)
    assignment = make.assignment(task, make.unit())
    db.session.commit()
    tasks.update_task(
        task.id,
        _input(deadline=date(2024, 12, 31)),
        actor=coordinator,
        now=NOW,
        version=task.version,
        move_due_dates=False,
    )
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).due_date == date(2024, 9, 30)
    assert _events("due_changed") == []


def test_a_closed_task_cannot_be_edited_or_assigned_until_reopened(make, coordinator):
    task = tasks.create_task(_input(), actor=coordinator, now=NOW)
    unit = make.unit()
    tasks.close_task(task.id, actor=coordinator, now=NOW)
    assert db.session.get(Task, task.id).closed_at == NOW
    with pytest.raises(ServiceError):
        tasks.update_task(
            task.id, _input(title="X"), actor=coordinator, now=NOW, version=task.version
        )
    with pytest.raises(ServiceError):
        ta.assign_units(task.id, _selection(unit_ids={unit.id}), actor=coordinator, now=NOW)
    with pytest.raises(ServiceError):
        tasks.close_task(task.id, actor=coordinator, now=NOW)
    assert _count(Assignment) == 0
    tasks.reopen_task(task.id, actor=coordinator, now=NOW)
    assert db.session.get(Task, task.id).closed_at is None
    with pytest.raises(ServiceError):
        tasks.reopen_task(task.id, actor=coordinator, now=NOW)
    tasks.update_task(task.id, _input(title="X"), actor=coordinator, now=NOW, version=task.version)
    assert [e.kind for e in db.session.scalars(select(Event).order_by(Event.id))] == [
        "task_created",
        "task_closed",
        "task_reopened",
        "task_updated",
    ]
