"""The maintained counts never drift: random sequences of every change an assignment can go
through, over several days, on SQLite and PostgreSQL; after every step the counts equal a
full recount, and the buckets read from them equal the buckets counted from the rows."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import case, func, select
from support.imports import csv_bytes
from support.today import NOW, TODAY

from tracker.domain.aggregate import Buckets
from tracker.extensions import db
from tracker.models import Assignment, CalendarOverride, Unit, UnitKind, User
from tracker.services import days_off, status_sql
from tracker.services.admin import calendar as admin_calendar
from tracker.services.assignments import due_dates, workflow
from tracker.services.calendar import load_calendar
from tracker.services.errors import ServiceError
from tracker.services.imports.importing import run_import
from tracker.services.reorganisation.merging import merge_units
from tracker.services.reports.base import ReportScope, days_late
from tracker.services.rollups import check, counts
from tracker.services.rollups import units as unit_counts
from tracker.services.tasks.assigning import UnitSelection, assign_units
from tracker.services.tasks.removing import remove_assignment
from tracker.settings import Settings

A = Assignment
KINDS = [UnitKind.PROVINCE, UnitKind.MINISTRY, UnitKind.PROVINCE, UnitKind.OTHER]
HEADER = ("Tên nhiệm vụ", "Số ký hiệu", "Ngày văn bản", "Lĩnh vực", "Trọng tâm", "Thời hạn",
          "Đơn vị", "Vai trò")  # fmt: skip
_serial = itertools.count()

# One step: an action, which of the world's assignments (or units) it picks, a number of days.
steps = st.tuples(
    st.sampled_from(
        ["assign", "start", "submit", "return", "confirm", "not_applicable", "reopen", "extend",
         "move_due", "remove", "merge", "import", "regroup", "next_day", "roll", "rule",
         "day_off"]
    ),
    st.integers(0, 50),
    st.integers(-20, 40),
)  # fmt: skip


class World:
    """Four units with a focal point each, a coordinator and two tasks, made afresh for
    each example (new codes: the examples of one test share its transaction). The first
    task's deadlines on a day off roll to the next working day (the default), the second's
    keep their written date (until a step changes either), and an administrator changes
    the calendar."""

    def __init__(self, make, coordinator: User, deadline_shift: int):
        self.make, self.coordinator = make, coordinator
        self.serial = next(_serial)
        self.units = [
            make.unit(code=f"D{self.serial}-{i}", name=f"Đơn vị {self.serial}-{i}", kind=kind)
            for i, kind in enumerate(KINDS)
        ]
        self.focal = {
            u.id: make.user("focal_point", email=f"fp{self.serial}-{i}@example.org", unit_id=u.id)
            for i, u in enumerate(self.units)
        }
        deadline = TODAY + timedelta(days=deadline_shift)
        self.tasks = [
            make.task(
                title=f"Nhiệm vụ {self.serial}-{k}", deadline=deadline, deadline_day_off_rolls=own
            )
            for k, own in enumerate((None, False))
        ]
        self.admin = make.user("admin", email=f"qt{self.serial}@example.org")
        db.session.commit()
        self.now = NOW

    def assignments(self) -> list[Assignment]:
        ids = [t.id for t in self.tasks]
        return list(db.session.scalars(select(A).where(A.task_id.in_(ids)).order_by(A.id)))

    def focal_point(self, assignment: Assignment) -> User:
        user = self.focal.get(assignment.unit_id)
        if user is None:  # a unit made by a merger: give it a focal point
            user = self.make.user("focal_point", unit_id=assignment.unit_id)
            self.focal[assignment.unit_id] = user
            db.session.commit()
        return user


def _apply(world: World, action: str, pick: int, days: int) -> None:
    coordinator, now = world.coordinator, world.now
    if action == "roll":  # the midnight job, on any day (tests' dates are fixed)
        unit_counts.roll(TODAY + timedelta(days=days))
        db.session.commit()
        return
    if action == "rule":  # a task's own rule for days off: none, keep, roll, none, ...
        task = world.tasks[pick % 2]
        task.deadline_day_off_rolls = {None: False, False: True, True: None}[
            task.deadline_day_off_rolls
        ]
        db.session.commit()
        return
    if action == "day_off":  # an official notice moves a day off, or takes it back
        rows = world.assignments()
        # Mostly the due date of an assignment, or the day after, where it changes figures.
        if rows and days % 4:
            day = (rows[pick % len(rows)].due_date or TODAY) + timedelta(days=days % 2)
        else:
            day = TODAY + timedelta(days=days)
        found = db.session.scalar(select(CalendarOverride.id).where(CalendarOverride.day == day))
        if found:
            admin_calendar.delete_override(world.admin, now, found)
        else:
            working = load_calendar().is_working_day(day)
            admin_calendar.add_override(world.admin, now, day=day, is_working=not working,
                                        note="Thông báo")  # fmt: skip
        return
    if action == "next_day":
        world.now = now + timedelta(days=1 + abs(days) % 5)
        return
    if action == "assign":
        task = world.tasks[pick % 2]
        chosen = frozenset(u.id for i, u in enumerate(world.units) if (pick >> i) & 1)
        assign_units(task.id, UnitSelection(unit_ids=chosen or frozenset({world.units[0].id})),
                     actor=coordinator, now=now)  # fmt: skip
        return
    if action == "import":
        codes = "; ".join(u.code for u in world.units[: 1 + pick % 4] if u.active)
        deadline = (TODAY + timedelta(days=days)).strftime("%d/%m/%Y")
        title = f"Nhiệm vụ {world.serial}-{pick % 2}"
        data = csv_bytes([HEADER, (title, "", "", "Dữ liệu số", "", deadline, codes, "")])
        run_import("tasks", data, actor=coordinator, now=now, settings=_settings())
        return
    if action == "regroup":
        unit = world.units[pick % len(world.units)]
        unit.group = "central" if unit.group != "central" else "local"
        db.session.commit()
        return
    if action == "merge":
        live = [u for u in world.units if u.active and u.valid_to is None]
        if len(live) >= 2:
            source, successor = live[pick % len(live)], live[(pick + 1) % len(live)]
            merge_units([source.id], successor.id, TODAY, actor=None, now=now,
                        zone=_settings().zone)  # fmt: skip
        return
    rows = world.assignments()
    if not rows:
        return
    a = rows[pick % len(rows)]
    fp = world.focal_point(a)
    due = (a.due_date or TODAY) + timedelta(days=days)
    match action:
        case "start":
            workflow.start(a.id, fp, now, None)
        case "submit":
            workflow.submit_completion(a.id, fp, now, None, f"{pick}/BC", None, "", "", [],
                                       settings=_settings())  # fmt: skip
        case "return":
            workflow.return_submission(a.id, coordinator, now, None, "Thiếu phụ lục")
        case "confirm":
            workflow.confirm(a.id, coordinator, now, None)
        case "not_applicable":
            workflow.mark_not_applicable(a.id, coordinator, now, None, "Không thuộc phạm vi")
        case "reopen":
            workflow.reopen(a.id, coordinator, now, None, "Mở lại")
        case "extend":
            today = now.date()
            request = due_dates.request_extension(a.id, fp, now, max(due, today), "Xin gia hạn",
                                                  today=today)  # fmt: skip
            due_dates.approve(request.id, coordinator, now)
        case "move_due":
            due_dates.change_due_date(a.id, coordinator, now, None, due, "Điều chỉnh")
        case "remove":
            remove_assignment(a.task_id, a.id, actor=coordinator, now=now)


def _settings() -> Settings:
    return Settings.from_config(current_app.config, current_app.instance_path)


def _assert_counts_hold(world: World, days: int) -> None:
    assert check.differences() == []
    day = TODAY + timedelta(days=days)
    as_of = status_sql.AsOf.build(day, load_calendar(), 3, rule=days_off.load_rule(True))
    for task in world.tasks:
        assert as_of.rule.rolls(task.id) == (task.deadline_day_off_rolls is not False)
    ids = [t.id for t in world.tasks]
    counted = status_sql.count_buckets_by_keys(
        [A.task_id, Unit.group], as_of, A.task_id.in_(ids), joins=[Unit]
    )
    read = counts.buckets_by(counts.KEYS, as_of, ids)
    assert read == counted

    assert check.unit_differences() == []
    unit_ids = [u.id for u in world.units]
    scope = ReportScope(as_of, day, tuple(ids))  # the live rows, judged at day
    rows = scope.rows()
    late = days_late(rows, as_of)
    by_unit = status_sql.count_buckets_by_keys(
        [rows.c.unit_id], as_of, rows.c.unit_id.in_(unit_ids), source=rows
    )
    lateness = {
        uid: (int(total or 0), int(n or 0))
        for uid, total, n in db.session.execute(
            select(rows.c.unit_id, func.sum(late), func.sum(case((late > 0, 1), else_=0)))
            .where(rows.c.unit_id.in_(unit_ids))
            .group_by(rows.c.unit_id)
        )
    }
    expected = {uid: (b, *lateness[uid]) for (uid,), b in by_unit.items()}
    read_units = unit_counts.figures(as_of, unit_ids)
    got = {uid: (f.buckets, f.days_late, f.late) for uid, f in read_units.items()}

    def counted(figures: dict) -> dict:
        return {uid: v for uid, v in figures.items() if v[0] != Buckets()}

    assert counted(got) == counted(expected)
    every = unit_counts.most_overdue(as_of)
    ranked = {uid: n for uid, n in every if uid in unit_ids}
    assert ranked == {uid: v[0].open_overdue for uid, v in expected.items() if v[0].open_overdue}
    for limit in (1, 3):  # ranked in the database on the clock's day, else moved across
        assert unit_counts.most_overdue(as_of, limit) == every[:limit]


# Deadlines ten days before today, on the Sunday before (a day off: the first task's rolls
# to today) and in two weeks; the steps move due dates, the day judged at, the tasks' rules
# and the calendar across weekends and holidays.
@pytest.mark.parametrize("deadline_shift", [-10, -1, 15])
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(steps, min_size=1, max_size=14))
def test_maintained_counts_equal_a_full_recount_after_every_step(make, deadline_shift, sequence):
    coordinator = make.user("coordinator", email=f"dp{next(_serial)}@example.org")
    world = World(make, coordinator, deadline_shift)
    for action, pick, days in sequence:
        try:
            _apply(world, action, pick, days)
        except ServiceError:
            db.session.rollback()  # refused: nothing changed
        _assert_counts_hold(world, days)
