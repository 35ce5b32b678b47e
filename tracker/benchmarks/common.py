"""Building a programme of N units x M tasks quickly, straight through SQLAlchemy Core."""

from __future__ import annotations

import random
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, insert, literal, select
from werkzeug.security import generate_password_hash

from tracker.extensions import db
from tracker.models import Assignment, AssignmentRevision, Task, Unit, User

STATES = ("assigned", "in_progress", "in_progress", "submitted", "completed", "completed")


@contextmanager
def timed(label: str, results: dict):
    """Time the block and store the seconds under ``label``."""
    start = time.perf_counter()
    yield
    results[label] = time.perf_counter() - start


@contextmanager
def counting_queries(results: dict, label: str):
    """Count the SQL statements the block runs."""
    count = 0

    def _count(*_args):
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)
        results[label] = count


def empty_database() -> None:
    """Delete every row (the schema stays)."""
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def build_programme(units: int, tasks: int, today: date, seed: int = 7) -> dict:
    """Insert ``units`` units with a focal point each, ``tasks`` tasks, every task assigned
    to every unit, due dates spread around ``today``; return the counts."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    password = generate_password_hash("bench-password")
    with db.engine.begin() as conn:
        conn.execute(
            insert(Unit),
            [
                {
                    "code": f"B{i:05d}",
                    "name": f"Đơn vị {i:05d}",
                    "sort_name": f"{i:05d}",
                    "search_name": f"don vi {i:05d}",
                    "kind": "province",
                    "group": "local",
                    "head_email": f"head{i}@example.org",
                    "active": True,
                    "created_at": now,
                }
                for i in range(units)
            ],
        )
        unit_ids = list(conn.execute(select(Unit.id).order_by(Unit.id)).scalars())
        conn.execute(
            insert(User),
            [
                {
                    "email": "bench.coordinator@example.org",
                    "unit_id": None,
                    "name": "Điều phối",
                    "role": "coordinator",
                    "password_hash": password,
                    "language": "vi",
                    "active": True,
                    "session_token": "bench-coordinator",
                    "created_at": now,
                }
            ]
            + [
                {
                    "email": f"fp{i}@example.org",
                    "name": f"Đầu mối {i}",
                    "role": "focal_point",
                    "unit_id": uid,
                    "password_hash": password,
                    "language": "vi",
                    "active": True,
                    "session_token": f"bench-fp-{i}",
                    "created_at": now,
                }
                for i, uid in enumerate(unit_ids)
            ],
        )
        owner = conn.execute(select(User.id).where(User.role == "coordinator")).scalar()
        conn.execute(
            insert(Task),
            [
                {
                    "title": f"Nhiệm vụ {t}",
                    "description": "",
                    "source_document": "Kế hoạch",
                    "field": "data",
                    "priority": False,
                    "deadline": today + timedelta(days=t % 60 - 30),
                    "deadline_wording": "",
                    "owner_id": owner,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                for t in range(tasks)
            ],
        )
        task_rows = conn.execute(select(Task.id, Task.deadline).order_by(Task.id)).all()
        batch = []
        total = 0
        for task_id, deadline in task_rows:
            for unit_id in unit_ids:
                state = rng.choice(STATES)
                batch.append(
                    {"task_id": task_id, "unit_id": unit_id, "role": "lead", "state": state,
                     "due_date": deadline, "original_due_date": deadline,
                     "submitted_on": deadline if state in ("submitted", "completed") else None,
                     "return_reason": "", "created_at": now, "updated_at": now, "version": 1}
                )  # fmt: skip
                if len(batch) == 20_000:
                    conn.execute(insert(Assignment), batch)
                    total += len(batch)
                    batch = []
        if batch:
            conn.execute(insert(Assignment), batch)
            total += len(batch)
        _add_history(conn, today)
    return {"units": units, "tasks": tasks, "assignments": total}


def _add_history(conn, today: date) -> None:
    """Give every assignment a past: assigned 90 days before ``today``, then its current
    state 20 days before (two revisions each, as reports as of a past day read them)."""
    R, A = AssignmentRevision, Assignment
    columns = ["assignment_id", "task_id", "unit_id", "at", "day", "state", "due_date",
               "submitted_on"]  # fmt: skip
    for days_back, changed_only in ((90, False), (20, True)):
        day = today - timedelta(days=days_back)
        at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=3)
        query = select(
            A.id,
            A.task_id,
            A.unit_id,
            literal(at, R.at.type),
            literal(day, R.day.type),
            A.state if changed_only else literal("assigned"),
            A.due_date,
            A.submitted_on if changed_only else literal(None, R.submitted_on.type),
        )
        if changed_only:
            query = query.where(A.state != "assigned")
        conn.execute(insert(R).from_select(columns, query))
