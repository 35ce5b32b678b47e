"""Building a programme of N units x M tasks quickly, straight through SQLAlchemy Core."""

from __future__ import annotations

import argparse
import math
import os
import re
import statistics
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    String,
    case,
    cast,
    create_engine,
    event,
    func,
    insert,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from tracker.extensions import db
from tracker.models import Assignment, AssignmentRevision, Task, Unit, User

# An assignment's state by (task id * 7 + unit id) % 20: 30 % completed, 70 % open
# (35 % assigned, 25 % in progress, 10 % submitted), spread evenly over units and tasks.
_OPEN_SHARES = (("assigned", 7), ("in_progress", 5), ("submitted", 2), ("completed", 6))
PASSWORD = "bench-password"  # every user's: coordinator<N>@example.org, fp<N>@example.org


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """Return the median and the 95th percentile (nearest rank) of ``seconds``, in ms."""
    ordered = sorted(seconds)
    return statistics.median(ordered) * 1000, ordered[math.ceil(0.95 * len(ordered)) - 1] * 1000


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


# What the tasks are about, in turn: the search bench looks for "du lieu" among them.
TOPICS = (
    "Xây dựng cơ sở dữ liệu chuyên ngành",
    "Phát triển hạ tầng số",
    "Cung cấp dịch vụ công trực tuyến toàn trình",
    "Bảo đảm an toàn thông tin theo cấp độ",
    "Kết nối, chia sẻ dữ liệu với hệ thống quốc gia",
)


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
    password = generate_password_hash(PASSWORD)
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
                    "title": f"Nhiệm vụ {t}: {TOPICS[t % len(TOPICS)]}",
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


# ------------------------------------------------- named worlds, kept between runs and reused

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def world_options(description: str, *, sqlite: str) -> argparse.ArgumentParser:
    """Return a parser with the options every bench of kept worlds shares (``--server``,
    ``--folder``, ``--rebuild``, ``--today``); ``sqlite`` says what is used without a
    server ("a SQLite file", "SQLite files")."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--server",
        nargs="?",
        const=PG_SERVER,
        help=f"a PostgreSQL server URL (default when given without one: {PG_SERVER}); "
        f"without --server, {sqlite}",
    )
    parser.add_argument("--folder", help="the SQLite worlds' folder (default instance/bench)")
    parser.add_argument("--rebuild", action="store_true", help="build the worlds afresh")
    parser.add_argument("--today", default="2024-07-01", help="the clock's day (YYYY-MM-DD)")
    return parser


@dataclass(frozen=True)
class World:
    """A programme of ``units`` x ``tasks``, every task assigned to every unit."""

    units: int
    tasks: int

    @classmethod
    def parse(cls, text: str) -> World:
        """Read "500x40"."""
        units, _, tasks = text.lower().partition("x")
        return cls(int(units), int(tasks))

    @property
    def name(self) -> str:
        return f"{self.units}x{self.tasks}"

    @property
    def assignments(self) -> int:
        return self.units * self.tasks

    @property
    def short(self) -> str:
        """Return "20k" or "1.05M": the number of assignments, as the issue names worlds."""
        n = self.assignments
        if n >= 1_000_000:
            return f"{n / 1_000_000:.3g}M"
        return f"{n / 1000:.3g}k" if n >= 1000 else str(n)

    def __str__(self) -> str:
        return f"{self.units:,} units x {self.tasks:,} tasks = {self.assignments:,} assignments"


def bench_folder() -> str:
    """Return the folder of the benches' SQLite worlds: ``bench/`` in the instance folder."""
    from tracker.app import _instance_path

    return os.path.join(_instance_path(), "bench")


def world_url(world: World, *, prefix: str, server: str | None, folder: str | None = None) -> str:
    """Return the database a world is kept in: ``<prefix>_<units>x<tasks>`` on the
    PostgreSQL ``server``, or a SQLite file of that name in ``folder`` without one."""
    name = f"{prefix}_{world.name}"
    if server:
        url = make_url(server).set(database=name)
        return url.render_as_string(hide_password=False)
    folder = folder or bench_folder()
    os.makedirs(folder, exist_ok=True)
    return f"sqlite:///{os.path.join(folder, name + '.sqlite3')}"


def create_database(url: str, *, drop: bool = False) -> None:
    """Make sure the database ``url`` names exists (``drop``: afresh). SQLite makes its file
    when first opened; dropping one deletes it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if drop and parsed.database and os.path.exists(parsed.database):
            for suffix in ("", "-wal", "-shm"):
                with suppress(FileNotFoundError):
                    os.remove(parsed.database + suffix)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if drop:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            ).first()
            if found is None:
                conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    finally:
        admin.dispose()


def world_matches(world: World, today: date, spread: int = 60) -> bool:
    """Tell whether the database holds ``build_programme``'s world of this size for ``today``."""
    counts = db.session.execute(
        select(
            select(func.count()).select_from(Unit).scalar_subquery(),
            select(func.count()).select_from(Task).scalar_subquery(),
            select(func.count()).select_from(Assignment).scalar_subquery(),
            select(func.min(Task.deadline)).scalar_subquery(),
        )
    ).one()
    db.session.rollback()  # SQLite: even a read takes the write lock (BEGIN IMMEDIATE)
    first = deadline(today, 0, world.tasks, spread)
    return tuple(counts) == (world.units, world.tasks, world.assignments, first)


def _heads() -> set[str]:
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def prepare_world(app, world: World, today: date, *, rebuild: bool, days=()) -> dict:
    """Leave the app's database holding ``world`` as production would have it after the
    scheduler's midnight job: migrated (``tracker db upgrade``), the world reused when it
    has this size (unless ``rebuild``) or built, the counts moved on to ``today``, the
    figures of the last ROLLUP_SNAPSHOT_DAYS closed days and of ``days`` kept, planner
    statistics fresh. Return what was done: "how" ("reused"/"built") and timings."""
    from flask_migrate import upgrade

    done: dict = {"seconds": {}}
    create_database(app.config["SQLALCHEMY_DATABASE_URI"], drop=rebuild)
    with app.app_context():
        db.engine.dispose()  # no pooled connection to a database just dropped
        before = _heads()
        upgrade()
        migrated = _heads() != before
        reuse = world_matches(world, today)
    done["how"] = "reused" if reuse else "built"
    if not reuse:
        with app.app_context(), timed("build", done["seconds"]):
            empty_database()
            build_programme(world.units, world.tasks, today)
    with timed("midnight job", done["seconds"]):
        written = settle(app, today, days)
    if not reuse or migrated or written:
        with app.app_context(), timed("analyze", done["seconds"]):
            analyze()
    done["migrated"] = migrated
    return done


def settle(app, today: date, days=()) -> list[date]:
    """Run the scheduler's midnight job (counts moved on to ``today``, the figures of the
    closed days it keeps) and keep the figures of ``days`` too; return the days written."""
    from tracker import clock, scheduler, settings
    from tracker.models import SnapshotDay
    from tracker.services.rollups import writing

    def kept() -> set[date]:
        with app.app_context():
            found = set(db.session.scalars(select(SnapshotDay.day)))
            db.session.rollback()
            return found

    before = kept()
    scheduler.rollup_job(app)
    with app.app_context():
        for day in sorted(set(days) - kept()):
            writing.write_range(
                day, day, today=today, due_soon_days=settings.current().due_soon_days,
                now=clock.now(), day_off_rolls=settings.current().day_off_rolls,
            )  # fmt: skip
    return sorted(kept() - before)


_CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]*)"')


def sign_in_form(login_page: str, email: str) -> dict:
    """Return the fields that sign ``email`` in with the bench password, with the CSRF
    token of ``login_page`` (the HTML of GET /login) when it has one."""
    fields = {"email": email, "password": PASSWORD}
    found = _CSRF_INPUT.search(login_page)
    value = _VALUE.search(found.group(0)) if found else None
    if value:
        fields["csrf_token"] = value.group(1)
    return fields
