"""Deadlines on days off on the demo's data: the shared-database catalogue is due Sunday
30/06/2024, so under Bộ luật Dân sự 2015, art. 148(5) its units have until Monday 01/07."""

from __future__ import annotations

import dataclasses
from dataclasses import fields
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select, update
from support.today import TODAY

from tracker import clock
from tracker.domain.status import TimeStatus
from tracker.extensions import db
from tracker.models import Assignment, SnapshotDay, Task, User
from tracker.services import status_sql, units
from tracker.services.admin import calendar as admin_calendar
from tracker.services.assignments import workflow
from tracker.services.demo.load import load_demo
from tracker.services.demo.world import CATALOGUE_TASK
from tracker.services.reports import figures
from tracker.services.reports import units as report_units
from tracker.services.reports.base import report_scope
from tracker.services.rollups import check, writing
from tracker.services.rollups import units as unit_counts
from tracker.services.tasks import editing
from tracker.services.tasks.editing import TaskInput

SUNDAY, MONDAY, TUESDAY = date(2024, 6, 30), date(2024, 7, 1), date(2024, 7, 2)
LATER = date(2024, 7, 20)  # a real today after the days judged: they come from the history


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clock.tz()).astimezone(UTC)


@pytest.fixture
def catalogue(ctx, settings) -> int:
    load_demo(password="demo", settings=settings)
    return db.session.scalar(select(Task.id).where(Task.title == CATALOGUE_TASK))


def _total(day: date, task_id: int, today: date = TODAY):
    (task,) = figures.task_figures(report_scope(day, 3, today=today, task_ids=[task_id]))
    return task.total


def _open_units(day: date, task_id: int, today: date = TODAY) -> list:
    scope = report_scope(day, 3, today=today, task_ids=[task_id])
    return [u for u in figures.task_units(scope, task_id) if u.status.is_open]


@pytest.mark.parametrize("today", [TODAY, LATER], ids=["counts", "history"])
def test_the_catalogue_is_due_today_on_monday_and_a_day_overdue_on_tuesday(catalogue, today):
    monday = _total(MONDAY, catalogue, today)
    assert (monday.open_on_track, monday.open_overdue) == (15, 0)
    on_monday = _open_units(MONDAY, catalogue, today)
    assert len(on_monday) == 15
    assert {u.status.status for u in on_monday} == {TimeStatus.DUE_SOON}
    assert {u.effective_due for u in on_monday} == {MONDAY}

    tuesday = _total(TUESDAY, catalogue, today)
    assert (tuesday.open_on_track, tuesday.open_overdue) == (0, 15)
    on_tuesday = _open_units(TUESDAY, catalogue, today)
    assert {(u.status.status, u.status.days_overdue) for u in on_tuesday} == {
        (TimeStatus.OVERDUE, 1)
    }


def test_the_seed_figures_of_30_06_stand(catalogue):
    sunday = _total(SUNDAY, catalogue)
    assert (sunday.completed, sunday.open_on_track, sunday.open_overdue) == (71, 15, 0)


def test_a_report_made_on_the_monday_is_on_time(catalogue, settings):
    assignment_id = db.session.scalar(
        select(Assignment.id)
        .where(Assignment.task_id == catalogue, Assignment.state.in_(["assigned", "in_progress"]))
        .order_by(Assignment.id)
    )
    unit_id = db.session.get(Assignment, assignment_id).unit_id
    focal = db.session.scalar(select(User).where(User.unit_id == unit_id, User.active))
    coordinator = db.session.scalar(select(User).where(User.role == "coordinator"))
    workflow.submit_completion(
        assignment_id, focal, at(MONDAY), None, "12/QĐ-BYT", None, "", "", [], settings=settings
    )
    workflow.confirm(assignment_id, coordinator, at(MONDAY, 15), None)
    for today in (TODAY, LATER):
        tuesday = _total(TUESDAY, catalogue, today)
        assert (tuesday.completed_on_time, tuesday.completed_late) == (72, 0), today
        assert tuesday.open_overdue == 14
        scope = report_scope(TUESDAY, 3, today=today, task_ids=[catalogue])
        (row,) = [u for u in figures.task_units(scope, catalogue) if u.unit.id == unit_id]
        assert row.status.status == TimeStatus.COMPLETED_ON_TIME
        assert row.submitted_on == MONDAY


def test_a_task_that_keeps_its_written_date_is_overdue_on_monday(catalogue):
    db.session.execute(
        update(Task).where(Task.id == catalogue).values(deadline_day_off_rolls=False)
    )
    db.session.commit()
    for today in (TODAY, LATER):
        monday = _total(MONDAY, catalogue, today)
        assert (monday.open_on_track, monday.open_overdue) == (0, 15), today
        assert {u.status.days_overdue for u in _open_units(MONDAY, catalogue, today)} == {1}


def test_the_kept_daily_figures_and_counts_match_a_recount(catalogue, runner):
    writing.write_range(SUNDAY, SUNDAY, today=TODAY, due_soon_days=3, now=clock.now())
    db.session.commit()
    result = runner.invoke(args=["rollups", "check"])
    assert result.exit_code == 0, result.output
    # A new rule for the task drops the figures it changes; the daily job writes them again.
    task = db.session.get(Task, catalogue)
    coordinator = db.session.scalar(select(User).where(User.role == "coordinator"))
    data = TaskInput(**{f.name: getattr(task, f.name) for f in fields(TaskInput)})
    data = dataclasses.replace(data, deadline_day_off_rolls=False)
    result = editing.update_task(
        catalogue, data, actor=coordinator, now=clock.now(), version=task.version
    )
    assert result.changed == ("deadline_day_off_rolls",)
    assert db.session.scalar(select(SnapshotDay.day).where(SnapshotDay.day == SUNDAY)) is None
    writing.write_range(SUNDAY, SUNDAY, today=TODAY, due_soon_days=3, now=clock.now())
    db.session.commit()
    result = runner.invoke(args=["rollups", "check"])
    assert result.exit_code == 0, result.output


def _overdue_on_monday() -> tuple[int, dict]:
    """Return the open overdue assignments on Monday from the per-unit counts, and the
    dashboard's ranking of them."""
    as_of = report_scope(MONDAY, 3, today=TODAY).as_of
    found = unit_counts.figures(as_of)
    return sum(f.buckets.open_overdue for f in found.values()), dict(
        unit_counts.most_overdue(as_of, 5)
    )


def test_the_unit_counts_follow_an_official_notice_that_changes_a_day_off(catalogue):
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    before, ranked = _overdue_on_monday()
    due_sunday = db.session.scalar(
        select(func.count()).where(
            Assignment.due_date == SUNDAY, Assignment.state.in_(["assigned", "in_progress"])
        )
    )
    assert due_sunday >= 15  # the catalogue's open units and others
    # Sunday 30/06 declared a working day: what is open of it is a day late on Monday.
    override = admin_calendar.add_override(
        admin, clock.now(), day=SUNDAY, is_working=True, note="Thông báo làm bù"
    )
    assert check.unit_differences() == [] and check.offset_differences(True) == []
    after, ranked_after = _overdue_on_monday()
    assert after == before + due_sunday
    assert ranked_after != ranked
    admin_calendar.delete_override(admin, clock.now(), override.id)
    assert check.unit_differences() == [] and check.offset_differences(True) == []
    assert _overdue_on_monday() == (before, ranked)


def test_counts_kept_under_another_rule_are_not_read_until_brought_in_line(catalogue):
    scope = report_scope(MONDAY, 3, today=MONDAY)
    unit_counts.roll(MONDAY)
    db.session.commit()
    scores = report_units.unit_scores(scope).scores
    ranked = unit_counts.most_overdue(scope.as_of, 5)
    assert report_units.scores_page(scope, 1, 10) is not None
    # As after DEADLINE_DAY_OFF_ROLLS = False and a restart of the scheduler alone.
    unit_counts.advance(MONDAY, day_off_rolls=False)
    db.session.commit()
    assert check.unit_differences() == [] and check.offset_differences(False) == []
    assert unit_counts.figures(scope.as_of) is None  # judged under the other rule
    assert report_units.scores_page(scope, 1, 10) is None
    assert report_units.unit_scores(scope).scores == scores  # counted from the assignments
    assert unit_counts.most_overdue(scope.as_of, 5) == ranked
    unit_counts.advance(MONDAY, day_off_rolls=True)
    db.session.commit()
    assert check.offset_differences(True) == []
    assert report_units.scores_page(scope, 1, 10) is not None
    assert unit_counts.most_overdue(scope.as_of, 5) == ranked


def test_a_units_page_counts_its_assignments_while_the_counts_follow_another_rule(catalogue):
    """The unit's page reads its buckets from the per-unit counts, and from the assignments
    while those judge deadlines on days off otherwise: the catalogue's open units, due on
    Sunday, are on time on Monday either way."""
    scope = report_scope(MONDAY, 3, today=MONDAY)
    unit_counts.roll(MONDAY)
    db.session.commit()
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    unit_id = db.session.scalar(
        select(Assignment.unit_id)
        .where(Assignment.task_id == catalogue, Assignment.due_date == SUNDAY)
        .where(Assignment.state.in_(["assigned", "in_progress"]))
        .order_by(Assignment.unit_id)
        .limit(1)
    )

    def shown():
        return units.unit_page(
            unit_id,
            actor=admin,
            unit_scope=None,
            as_of=scope.as_of,
            due_soon_days=3,
            status=None,
            page=1,
            per_page=50,
        ).buckets

    counted = status_sql.count_buckets(scope.as_of, Assignment.unit_id == unit_id)
    assert shown() == counted
    unit_counts.advance(MONDAY, day_off_rolls=False)  # Sunday's deadline is then Monday's
    db.session.commit()
    assert shown() == counted
    unit_counts.advance(MONDAY, day_off_rolls=True)
    db.session.commit()
    assert shown() == counted
