"""Pages show a deadline on a day off with its effective date, and a task's form sets its
own rule for such deadlines."""

from __future__ import annotations

from datetime import date

import pytest
from support.people import office
from support.tasks import hidden, read
from support.units import hue_province

from tracker.extensions import db
from tracker.models import Task

ROLLED_VI = "30/06/2024 (Chủ nhật) → hạn thực tế 01/07/2024"
ROLLED_EN = "30/06/2024 (Sunday) → effective deadline 01/07/2024"


def _world(make):
    hue = hue_province(make)
    task = make.task(title="Báo cáo 6 tháng", deadline=date(2024, 6, 30), deadline_wording="")
    assignment = make.assignment(task, hue)
    office(make, "coordinator", language="en")
    make.user("focal_point", email="hue@example.org", unit_id=hue.id)
    return {"task": task.id, "assignment": assignment.id}


@pytest.fixture
def world(build):
    return build(_world)


def test_task_assignment_and_list_pages_show_the_effective_deadline(client, login, world):
    login("dp@example.org")
    task = client.get(f"/tasks/{world['task']}").get_data(as_text=True)
    assert ROLLED_EN in task
    assert ROLLED_EN in client.get("/tasks/").get_data(as_text=True)
    client.post("/logout")
    login("hue@example.org")  # Vietnamese, the default
    page = client.get(f"/assignments/{world['assignment']}").get_data(as_text=True)
    assert ROLLED_VI in page
    assert "Sắp đến hạn" in page  # due today, not overdue, on Monday 01/07


def _edit_form(client, task_id: int, **changes) -> dict:
    page = client.get(f"/tasks/{task_id}/edit").get_data(as_text=True)
    assert 'name="day_off_rule"' in page
    form = {
        "title": "Báo cáo 6 tháng",
        "description": "",
        "source_document": "",
        "source_number": "",
        "source_date": "",
        "field": "data",
        "deadline": "30/06/2024",
        "version": hidden(page, "version"),
        "checked_deadline": hidden(page, "checked_deadline"),
        "save": "1",
    }
    return form | changes


def test_a_task_keeps_its_written_date_when_its_form_says_so(app, client, login, world):
    login("dp@example.org")
    task_id = world["task"]
    response = client.post(
        f"/tasks/{task_id}/edit", data=_edit_form(client, task_id, day_off_rule="keep")
    )
    assert response.status_code == 302
    assert read(app, lambda: db.session.get(Task, task_id).deadline_day_off_rolls) is False
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert ROLLED_EN not in page and "30/06/2024" in page
    edit = client.get(f"/tasks/{task_id}/edit").get_data(as_text=True)
    assert '<option value="keep" selected>' in edit

    response = client.post(
        f"/tasks/{task_id}/edit", data=_edit_form(client, task_id, day_off_rule="")
    )
    assert response.status_code == 302
    assert read(app, lambda: db.session.get(Task, task_id).deadline_day_off_rolls) is None


def test_an_unknown_rule_is_refused_and_nothing_changes(app, client, login, world):
    login("dp@example.org")
    task_id = world["task"]
    form = _edit_form(client, task_id, day_off_rule="sometimes", title="Đổi tên")
    response = client.post(f"/tasks/{task_id}/edit", data=form)
    assert response.status_code == 422
    assert "Choose how a deadline on a day off ends." in response.get_data(as_text=True)
    saved = read(app, lambda: db.session.get(Task, task_id))
    assert (saved.title, saved.deadline_day_off_rolls) == ("Báo cáo 6 tháng", None)
