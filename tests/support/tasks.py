"""A small programme for the task-management HTTP tests, and helpers to read it back."""

from __future__ import annotations

import html
import re
from datetime import date

from sqlalchemy import func, select

from support.people import office
from support.units import finance_ministry, health_ministry
from tracker.extensions import db


def task_world(make):
    """Five provinces, two ministries, a task given to one province, one user per role."""
    provinces = [make.unit(name=f"Tỉnh Số {n}") for n in range(1, 6)]
    ministries = [health_ministry(make), finance_ministry(make)]
    task = make.task(
        title="Kế hoạch kiểm tra", deadline=date(2024, 9, 30), deadline_wording="30/9/2024"
    )
    given = make.assignment(task, provinces[0])
    office(make, "coordinator", "viewer", language="en")
    make.user("focal_point", email="fp@example.org", unit_id=provinces[0].id, language="en")
    return {
        "task": task.id,
        "assignment": given.id,
        "provinces": [u.id for u in provinces],
        "ministries": [u.id for u in ministries],
    }


def read(app, fn):
    with app.app_context():
        return fn()


def count(app, model, *where) -> int:
    return read(
        app, lambda: db.session.scalar(select(func.count()).select_from(model).where(*where))
    )


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page)
    assert match, f"no hidden {name}"
    return html.unescape(match.group(1))


def work_events():
    """Return the condition for the audit log's events other than signing in and out."""
    from tracker.models import Event
    from tracker.services.sessions import ACCESS_EVENTS

    return Event.kind.not_in(ACCESS_EVENTS)
