"""Building a programme of N units x M tasks quickly, straight through SQLAlchemy Core."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import String, case, cast, event, func, insert, literal, select, true
from werkzeug.security import generate_password_hash

from tracker.extensions import db
from tracker.models import Assignment, AssignmentRevision, Task, Unit, User

# An assignment's state by (task id * 7 + unit id) % 20: 30 % completed, 70 % open
# (35 % assigned, 25 % in progress, 10 % submitted), spread evenly over units and tasks.
_OPEN_SHARES = (("assigned", 7), ("in_progress", 5), ("submitted", 2), ("completed", 6))


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
        if conn.dialect.name == "postgresql":  # a million rows: TRUNCATE takes no time
            names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY")
            return
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def deadline(today: date, task: int, tasks: int, spread: int = 60) -> date:
    """Return the deadline of the ``task``-th of ``tasks`` tasks: spread evenly from
    ``spread`` days before ``today`` to ``spread`` days after."""
    if tasks < 2:
        return today
    return today + timedelta(days=round(-spread + 2 * spread * task / (tasks - 1)))


def build_programme(
    units: int, tasks: int, today: date, *, coordinators: int = 1, spread: int = 60
) -> dict:
    """Insert ``units`` units with one active focal point each, ``tasks`` tasks owned in turn
    by ``coordinators`` coordinators, every task assigned to every unit, deadlines spread
    over ``spread`` days either side of ``today``, 70 % of assignments open and the rest
    completed; return the counts. Assignments are written by one INSERT ... SELECT."""
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
                    "email": f"coordinator{c}@example.org",
                    "unit_id": None,
                    "name": f"Điều phối {c}",
                    "role": "coordinator",
                    "password_hash": password,
                    "language": "vi",
                    "active": True,
                    "session_token": f"bench-coordinator-{c}",
                    "created_at": now,
                }
                for c in range(max(1, coordinators))
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
        owners = list(
            conn.execute(
                select(User.id).where(User.role == "coordinator").order_by(User.id)
            ).scalars()
        )
        conn.execute(
            insert(Task),
            [
                {
                    "title": f"Nhiệm vụ {t}",
                    "description": "",
                    "source_document": "Kế hoạch",
                    "field": "data",
                    "priority": False,
                    "deadline": deadline(today, t, tasks, spread),
                    "deadline_wording": "",
                    "owner_id": owners[t % len(owners)],
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                for t in range(tasks)
            ],
        )
        _add_assignments(conn, now)
        _add_history(conn, today)
        total = conn.execute(select(func.count()).select_from(Assignment)).scalar_one()
    return {"units": units, "tasks": tasks, "assignments": total}


def _add_assignments(conn, now: datetime) -> None:
    """Assign every task to every unit in one statement, states spread by _OPEN_SHARES."""
    T, U = Task, Unit
    slot = (T.id * 7 + U.id) % sum(share for _, share in _OPEN_SHARES)
    whens, upto = [], 0
    for state, share in _OPEN_SHARES:
        upto += share
        whens.append((slot < upto, state))
    state = case(*whens[:-1], else_=whens[-1][1])
    columns = ["task_id", "unit_id", "role", "state", "due_date", "original_due_date",
               "submitted_on", "return_reason", "created_at", "updated_at", "version"]  # fmt: skip
    query = select(
        T.id,
        U.id,
        literal("lead"),
        state,
        T.deadline,
        T.deadline,
        case((state.in_(("submitted", "completed")), T.deadline)),
        literal(""),
        literal(now, Assignment.created_at.type),
        literal(now, Assignment.updated_at.type),
        literal(1),
    ).select_from(T.__table__.join(U.__table__, true()))
    conn.execute(insert(Assignment).from_select(columns, query))


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL's autovacuum would
    do it later; SQLite plans without them)."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


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


HISTORY = "history@example.org"  # the recipient of the ledger rows add_ledger_history writes


def add_ledger_history(today: date) -> int:
    """Fill the reminder ledger as if a sweep had run every working day up to yesterday
    under the default policy: every stage of every open assignment's schedule before
    ``today``, for its due date in force. Return the number of rows written."""
    from tracker.domain.reminders.planning import Audience, stage_schedule
    from tracker.models import Reminder
    from tracker.services.calendar import load_calendar
    from tracker.services.reminders.sources import PLANNED_STATES, default_policy

    A = Assignment
    calendar, policy = load_calendar(), default_policy()
    db.session.rollback()  # SQLite: the session's transaction would block the writes below
    yesterday = today - timedelta(days=1)
    claimed = datetime.combine(yesterday, datetime.min.time(), tzinfo=UTC)
    columns = ["dedupe_key", "kind", "assignment_id", "task_id", "unit_id", "recipient",
               "copy", "stage", "day", "state", "last_error", "claimed_at", "sent_at"]  # fmt: skip
    with db.engine.begin() as conn:
        dues = conn.execute(
            select(A.due_date).where(A.state.in_(PLANNED_STATES)).distinct()
        ).scalars()
        for due in [d for d in dues if d is not None]:
            for stage in stage_schedule(due, policy, calendar, yesterday):
                query = select(
                    literal(f"assignment|{HISTORY}|{stage.stage}|{due}|") + cast(A.id, String),
                    literal("assignment"),
                    A.id,
                    A.task_id,
                    A.unit_id,
                    literal(HISTORY),
                    literal(stage.audience == Audience.HEAD),
                    literal(stage.stage),
                    literal(due, Reminder.day.type),
                    literal("sent"),
                    literal(""),
                    literal(claimed, Reminder.claimed_at.type),
                    literal(claimed, Reminder.sent_at.type),
                ).where(A.due_date == due, A.state.in_(PLANNED_STATES))
                conn.execute(insert(Reminder).from_select(columns, query))
        return conn.execute(
            select(func.count()).select_from(Reminder).where(Reminder.recipient == HISTORY)
        ).scalar_one()
