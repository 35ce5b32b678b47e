"""Coordinators create, edit, assign and close tasks through HTTP; nobody else can."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from support.tasks import count as _count
from support.tasks import hidden as _hidden
from support.tasks import read as _read
from support.tasks import task_world, work_events

from tracker.extensions import db
from tracker.models import Assignment, Event, Task


@pytest.fixture
def world(build):
    """Five provinces, two ministries, a task given to one province, and one user per role."""
    return build(task_world)


def _task_form(**changes) -> dict:
    data = {
        "title": "Ban hành kế hoạch chuyển đổi số",
        "description": "",
        "source_document": "Kế hoạch chuyển đổi số năm 2024",
        "source_number": "01/KH-UBQGCĐS",
        "source_date": "15/03/2024",
        "field": "government",
        "deadline": "30/9/2024",
    }
    data.update(changes)
    return data


def _urls(world) -> tuple[list[str], list[str]]:
    task, assignment = world["task"], world["assignment"]
    pages = ["/tasks/new", f"/tasks/{task}/edit", f"/tasks/{task}/assign"]
    actions = [
        *pages,
        f"/tasks/{task}/close",
        f"/tasks/{task}/reopen",
        f"/tasks/{task}/assignments/{assignment}/remove",
    ]
    return pages, actions


@pytest.mark.parametrize("email", ["fp@example.org", "ld@example.org"])
def test_focal_points_and_viewers_get_403_and_change_nothing(app, client, login, world, email):
    login(email)
    pages, actions = _urls(world)
    for url in pages:
        assert client.get(url).status_code == 403, url
    form = {**_task_form(), "save": "1", "groups": "local", "assign": "1"}
    for url in actions:
        assert client.post(url, data=form).status_code == 403, url
    assert _count(app, Task) == 1 and _count(app, Assignment) == 1
    assert _count(app, Task, Task.closed_at.is_not(None)) == 0
    page = client.get(f"/tasks/{world['task']}").get_data(as_text=True)
    task = world["task"]
    assert f"/tasks/{task}/edit" not in page and f"/tasks/{task}/assign" not in page
    assert "/remove" not in page and "/close" not in page


def test_coordinator_sees_the_actions_on_the_task_page(client, login, world):
    login("dp@example.org")
    page = client.get(f"/tasks/{world['task']}").get_data(as_text=True)
    assert f"/tasks/{world['task']}/edit" in page and f"/tasks/{world['task']}/assign" in page
    assert "Close this task?" in page
    assert f"/assignments/{world['assignment']}/remove" in page
    assert "/tasks/new" in client.get("/tasks/").get_data(as_text=True)


def test_every_form_carries_a_csrf_token_and_posts_without_it_are_refused(
    app, client, login, world
):
    login("dp@example.org")
    app.config["WTF_CSRF_ENABLED"] = True
    task = world["task"]
    for url in ("/tasks/new", f"/tasks/{task}/edit", f"/tasks/{task}/assign", f"/tasks/{task}"):
        assert 'name="csrf_token"' in client.get(url).get_data(as_text=True), url
    _pages, actions = _urls(world)
    for url in actions:
        assert client.post(url, data={**_task_form(), "save": "1"}).status_code == 400, url
    assert _count(app, Task) == 1 and _count(app, Assignment) == 1


def test_checking_shows_the_parsed_deadline_and_saving_needs_that_check(app, client, login, world):
    login("dp@example.org")
    checked = client.post("/tasks/new", data={**_task_form(), "check": "1"})
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "Deadline: 30/09/2024 (Monday)" in page
    assert _count(app, Task) == 1
    signature = _hidden(page, "checked_deadline")
    saved = client.post(
        "/tasks/new", data={**_task_form(), "checked_deadline": signature, "save": "1"}
    )
    assert saved.status_code == 302
    task = _read(app, lambda: db.session.scalar(select(Task).order_by(Task.id.desc())))
    assert (task.deadline, task.deadline_wording) == (date(2024, 9, 30), "30/9/2024")
    assert task.source_date == date(2024, 3, 15) and task.field == "government"
    assert saved.headers["Location"].endswith(f"/tasks/{task.id}/assign")
    assert _count(app, Event, Event.kind == "task_created", Event.task_id == task.id) == 1


def test_a_deadline_reworded_after_checking_must_be_checked_again(app, client, login, world):
    login("dp@example.org")
    page = client.post("/tasks/new", data={**_task_form(), "check": "1"}).get_data(as_text=True)
    reworded = client.post(
        "/tasks/new",
        data={
            **_task_form(deadline="Quý IV/2024"),
            "checked_deadline": _hidden(page, "checked_deadline"),
            "save": "1",
        },
    )
    page = reworded.get_data(as_text=True)
    assert reworded.status_code == 200
    assert "Check the deadline as read below" in page
    assert "Deadline: 31/12/2024 (Tuesday)" in page
    assert _count(app, Task) == 1


def test_saving_without_checking_first_only_shows_the_deadline(app, client, login, world):
    login("dp@example.org")
    response = client.post("/tasks/new", data={**_task_form(), "save": "1"})
    assert response.status_code == 200 and _count(app, Task) == 1
    assert "Deadline: 30/09/2024 (Monday)" in response.get_data(as_text=True)


def test_a_deadline_on_a_holiday_is_flagged_with_its_name(client, login, world):
    login("dp@example.org")
    page = client.post(
        "/tasks/new", data={**_task_form(deadline="2/9/2024"), "check": "1"}
    ).get_data(as_text=True)
    assert "Deadline: 02/09/2024 (Monday)" in page
    assert "This day is a day off: National Day." in page


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"deadline": "cuối tháng chín"}, "Accepted forms"),
        ({"deadline": "31/02/2024"}, "is not a real date"),
        ({"source_date": "2024-03-15"}, "Write the date as dd/mm/yyyy"),
        ({"source_date": "31/02/2024"}, "is not a real date"),
        ({"title": ""}, "Enter the task"),
        ({"field": "astrology"}, "Choose the task"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_saves_nothing(
    app, client, login, world, changes, message
):
    login("dp@example.org")
    for button in ("check", "save"):
        response = client.post("/tasks/new", data={**_task_form(**changes), button: "1"})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert _count(app, Task) == 1


def test_editing_keeps_a_checked_deadline_and_moves_matching_due_dates(app, client, login, world):
    login("dp@example.org")
    task = world["task"]
    page = client.get(f"/tasks/{task}/edit").get_data(as_text=True)
    assert 'value="Kế hoạch kiểm tra"' in page and 'value="30/9/2024"' in page
    assert "Deadline: 30/09/2024 (Monday)" in page
    # The saved deadline is already shown: an edit of the title saves in one step.
    form = {
        **_task_form(title="Kế hoạch kiểm tra năm 2024", deadline="30/9/2024", source_date=""),
        "version": _hidden(page, "version"),
        "checked_deadline": _hidden(page, "checked_deadline"),
        "move_due_dates": "y",
    }
    assert client.post(f"/tasks/{task}/edit", data={**form, "save": "1"}).status_code == 302
    page = client.get(f"/tasks/{task}/edit").get_data(as_text=True)
    checked = client.post(
        f"/tasks/{task}/edit",
        data={**form, "deadline": "Quý IV/2024", "version": _hidden(page, "version"), "check": "1"},
    ).get_data(as_text=True)
    assert "Deadline: 31/12/2024 (Tuesday)" in checked
    assert _read(app, lambda: db.session.get(Task, task).deadline) == date(2024, 9, 30)
    saved = client.post(
        f"/tasks/{task}/edit",
        data={
            **form,
            "deadline": "Quý IV/2024",
            "version": _hidden(checked, "version"),
            "checked_deadline": _hidden(checked, "checked_deadline"),
            "save": "1",
        },
        follow_redirects=True,
    )
    assert "The due date of 1 unit was moved to the new deadline." in saved.get_data(as_text=True)
    due = _read(app, lambda: db.session.get(Assignment, world["assignment"]).due_date)
    assert due == date(2024, 12, 31)


def test_a_stale_edit_is_refused_and_the_latest_version_shown(app, client, login, world):
    login("dp@example.org")
    task = world["task"]
    page = client.get(f"/tasks/{task}/edit").get_data(as_text=True)
    form = {
        **_task_form(deadline="30/9/2024"),
        "version": _hidden(page, "version"),
        "checked_deadline": _hidden(page, "checked_deadline"),
        "save": "1",
    }
    assert client.post(f"/tasks/{task}/edit", data={**form, "title": "First"}).status_code == 302
    refused = client.post(
        f"/tasks/{task}/edit", data={**form, "title": "Second"}, follow_redirects=True
    )
    page = refused.get_data(as_text=True)
    assert "Someone else changed this task" in page
    assert 'value="First"' in page
    assert _read(app, lambda: db.session.get(Task, task).title) == "First"


def test_a_closed_task_shows_closed_and_refuses_edits_until_reopened(app, client, login, world):
    login("dp@example.org")
    task = world["task"]
    closed = client.post(f"/tasks/{task}/close", follow_redirects=True).get_data(as_text=True)
    assert "Task closed." in closed and "Closed" in closed and "Reopen" in closed
    assert f"/tasks/{task}/edit" not in closed
    assert f"/assignments/{world['assignment']}/remove" not in closed
    for url in (f"/tasks/{task}/edit", f"/tasks/{task}/assign"):
        response = client.get(url, follow_redirects=True)
        assert "This task is closed" in response.get_data(as_text=True), url
    response = client.post(
        f"/tasks/{task}/assign", data={"groups": "local", "assign": "1"}, follow_redirects=True
    )
    assert "This task is closed" in response.get_data(as_text=True)
    assert _count(app, Assignment) == 1
    reopened = client.post(f"/tasks/{task}/reopen", follow_redirects=True).get_data(as_text=True)
    assert "Task reopened." in reopened and f"/tasks/{task}/edit" in reopened
    kinds = _read(app, lambda: list(db.session.scalars(
        select(Event.kind).where(work_events()).order_by(Event.id))))  # fmt: skip
    assert kinds == ["task_closed", "task_reopened"]


def test_unknown_tasks_answer_404(client, login, world):
    login("dp@example.org")
    for url in ("/tasks/999999/edit", "/tasks/999999/assign"):
        assert client.get(url).status_code == 404, url
    for url in ("/tasks/999999/close", "/tasks/999999/reopen"):
        assert client.post(url).status_code == 404, url
