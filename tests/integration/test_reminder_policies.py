"""A task's own reminder policy, and going back to the programme's default."""

import dataclasses

import pytest
from sqlalchemy import text
from support.today import NOW

from tracker.domain.reminders.policy import ReminderPolicy
from tracker.extensions import db
from tracker.services.reminders import policies, sources


@pytest.fixture
def task_and_coordinator(make):
    coordinator = make.user("coordinator", email="dp@example.org")
    task = make.task(title="Danh mục cơ sở dữ liệu dùng chung", owner_id=coordinator.id)
    db.session.commit()
    return task, coordinator


def test_a_task_set_back_to_the_default_follows_the_programmes_default(task_and_coordinator):
    task, coordinator = task_and_coordinator
    programme = ReminderPolicy(before=(10, 5), on_due_day=True, overdue_every=2, escalate_after=4)
    own = dataclasses.replace(programme, before=(2,))
    policies.save_policy(programme, actor=coordinator, now=NOW)
    policies.save_policy(own, actor=coordinator, now=NOW, task_id=task.id)
    assert sources.policies()(task.id) == own

    policies.save_policy(None, actor=coordinator, now=NOW, task_id=task.id)

    stored = db.session.execute(
        text("SELECT reminder_policy IS NULL FROM task WHERE id = :id"), {"id": task.id}
    ).scalar_one()
    assert stored  # SQL NULL, not the JSON literal null
    assert task.id not in sources.task_policies(sources.default_policy())
    assert sources.policies()(task.id) == programme
    page = policies.task_policy_page(task.id)
    assert (page.policy, page.follows_default) == (programme, True)
