"""Coordinators give a task to units through HTTP: preview, assign, remove."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from support.tasks import count as _count
from support.tasks import hidden as _hidden
from support.tasks import read as _read
from support.tasks import task_world

from tracker.extensions import db
from tracker.models import Assignment, Task, Unit


@pytest.fixture
def world(build):
    """Five provinces, two ministries, a task given to one province, and one user per role."""
    return build(task_world)


def _assign(client, task: int, **data):
    """Preview, then assign exactly what was previewed; return both responses."""
    preview = client.post(f"/tasks/{task}/assign", data={**data, "preview": "1"})
    signature = _hidden(preview.get_data(as_text=True), "previewed")
    done = client.post(
        f"/tasks/{task}/assign", data={**data, "previewed": signature, "assign": "1"}
    )
    return preview, done


def test_assigning_all_provinces_gives_the_task_to_the_provinces_only(app, client, login, world):
    login("dp@example.org")
    task = world["task"]
    preview, done = _assign(client, task, groups="local", role="lead")
    page = preview.get_data(as_text=True)
    assert "4 units will receive this task" in page
    assert "1 unit already has this task and will be skipped" in page and "Tỉnh Số 1" in page
    assert done.status_code == 302
    assert _count(app, Assignment, Assignment.task_id == task) == 5
    assert _count(app, Assignment, Assignment.unit_id.in_(world["ministries"])) == 0
    again, refused = _assign(client, task, groups="local", role="lead")
    assert "Nothing to assign" in again.get_data(as_text=True)
    assert refused.status_code == 422
    assert "already has this task" in refused.get_data(as_text=True)
    assert _count(app, Assignment, Assignment.task_id == task) == 5


def test_a_changed_choice_after_the_preview_is_previewed_again(app, client, login, world):
    login("dp@example.org")
    preview = client.post(
        f"/tasks/{world['task']}/assign", data={"groups": "local", "preview": "1"}
    ).get_data(as_text=True)
    response = client.post(
        f"/tasks/{world['task']}/assign",
        data={"groups": "central", "previewed": _hidden(preview, "previewed"), "assign": "1"},
    )
    assert response.status_code == 200
    assert "2 units will receive this task" in response.get_data(as_text=True)
    assert _count(app, Assignment) == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Choose at least one group or unit."),
        ({"unit_ids": "abc"}, "Choose units from the list."),
        ({"unit_ids": "999999"}, "do not exist or are no longer active"),
        ({"groups": "local", "due": "mai"}, "Accepted forms"),
        ({"groups": "local", "role": "boss"}, "Choose lead or support."),
    ],
)
def test_bad_assignment_choices_are_refused_with_a_message(
    app, client, login, world, data, message
):
    login("dp@example.org")
    for button in ("preview", "assign"):
        response = client.post(f"/tasks/{world['task']}/assign", data={**data, button: "1"})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert _count(app, Assignment) == 1


def test_assigning_runs_the_same_number_of_queries_for_5_or_40_units(
    app, build, client, login, query_counter, world
):
    login("dp@example.org")

    def measure(task_id: int) -> int:
        preview = client.post(
            f"/tasks/{task_id}/assign",
            data={"groups": "local", "due": "Quý IV/2024", "preview": "1"},
        )
        data = {
            "groups": "local",
            "due": "Quý IV/2024",
            "previewed": _hidden(preview.get_data(as_text=True), "previewed"),
            "assign": "1",
        }
        with query_counter() as statements:
            assert client.post(f"/tasks/{task_id}/assign", data=data).status_code == 302
        return len(statements)

    small_task = build(lambda make: make.task(title="Five").id)
    small = measure(small_task)
    build(lambda make: [make.unit() for _ in range(35)])
    large_task = build(lambda make: make.task(title="Forty").id)
    large = measure(large_task)
    assert _count(app, Assignment, Assignment.task_id == large_task) == 40
    assert _count(app, Assignment, Assignment.task_id == small_task) == 5
    assert small == large, (small, large)
    due = _read(
        app,
        lambda: set(
            db.session.scalars(select(Assignment.due_date).where(Assignment.task_id == large_task))
        ),
    )
    assert due == {date(2024, 12, 31)}


def test_removing_a_unit_that_has_not_started(app, build, client, login, world):
    login("dp@example.org")
    task = world["task"]

    def start_one(make):
        unit = db.session.get(Unit, world["provinces"][1])
        return make.assignment(db.session.get(Task, task), unit, state="in_progress").id

    started = build(start_one)
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert f"/assignments/{started}/remove" not in page
    refused = client.post(f"/tasks/{task}/assignments/{started}/remove", follow_redirects=True)
    assert "has already started on this task" in refused.get_data(as_text=True)
    removed = client.post(
        f"/tasks/{task}/assignments/{world['assignment']}/remove", follow_redirects=True
    )
    assert "Tỉnh Số 1 no longer has this task." in removed.get_data(as_text=True)
    assert _count(app, Assignment) == 1
    assert client.post(f"/tasks/{task}/assignments/{world['assignment']}/remove").status_code == 404


def test_single_units_can_be_given_their_own_role_and_due_date(app, client, login, world):
    login("dp@example.org")
    task = world["task"]
    page = client.get(f"/tasks/{task}/assign").get_data(as_text=True)
    assert page.index("Bộ Tài chính") < page.index("Bộ Y tế") < page.index("Tỉnh Số 1")
    preview, done = _assign(
        client, task, unit_ids=world["ministries"], role="support", due="trước ngày 1/1/2025"
    )
    assert "Due date: 31/12/2024 (Tuesday)" in preview.get_data(as_text=True)
    assert done.status_code == 302
    flashed = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Assigned to 2 units." in flashed

    def given():
        rows = db.session.scalars(
            select(Assignment).where(Assignment.unit_id.in_(world["ministries"]))
        )
        return {(a.role, a.due_date, a.original_due_date, a.state) for a in rows}

    assert _read(app, given) == {("support", date(2024, 12, 31), date(2024, 12, 31), "assigned")}
