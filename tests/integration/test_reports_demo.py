"""The demo's report as of 30/06/2024 states the seed report's figures, computed from data."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask_babel import force_locale
from sqlalchemy import select
from support.today import TODAY

from tracker import clock
from tracker.exports.narrative import compose_narrative
from tracker.extensions import db
from tracker.models import Assignment, Task, User
from tracker.services.assignments import workflow as assignments
from tracker.services.demo.load import load_demo
from tracker.services.demo.world import CATALOGUE_TASK
from tracker.services.reports import figures
from tracker.services.reports.base import report_scope

OPEN_DATA_TASK = "Xây dựng kế hoạch cung cấp dữ liệu mở"


def _task_id(title: str) -> int:
    return db.session.scalar(select(Task.id).where(Task.title == title))


def _narrative(day: date, titles: list[str], language: str = "vi", **options) -> str:
    scope = report_scope(day, 3, today=TODAY, task_ids=[_task_id(t) for t in titles])
    programme = figures.programme_figures(scope, with_missing=True)
    with force_locale(language):
        return compose_narrative(programme, period_start=date(2024, 1, 1), **options)


def test_the_catalogue_and_open_data_figures_are_the_seeds_as_of_30_06_2024(ctx, settings):
    load_demo(password="demo", settings=settings)
    scope = report_scope(date(2024, 6, 30), 3, today=TODAY, task_ids=[_task_id(CATALOGUE_TASK)])
    (catalogue,) = figures.task_figures(scope, with_missing=True)
    assert catalogue.group("central").completed == 17
    assert (catalogue.group("local").completed, catalogue.group("local").applicable) == (54, 63)
    assert len(catalogue.missing) == 15

    text = _narrative(date(2024, 6, 30), [CATALOGUE_TASK, OPEN_DATA_TASK], name_units=True)
    assert "17 bộ, ngành và 54/63 địa phương đã" in text
    assert "còn 15 bộ, ngành, địa phương chưa hoàn thành" in text
    assert "còn 30 bộ, ngành, địa phương chưa hoàn thành" in text
    assert "Bộ Y tế" in text  # one of the 15, named on request
    assert "Bộ Y tế" not in _narrative(date(2024, 6, 30), [CATALOGUE_TASK])


def test_a_later_report_counts_what_happened_after_30_06(ctx, settings):
    load_demo(password="demo", settings=settings)
    task_id = _task_id(OPEN_DATA_TASK)
    coordinator = db.session.scalar(select(User).where(User.role == "coordinator"))
    waiting = db.session.scalars(
        select(Assignment.id).where(Assignment.task_id == task_id, Assignment.state == "submitted")
    ).all()
    assert len(waiting) == 2
    confirmed_at = datetime.combine(date(2024, 7, 1), time(9), tzinfo=clock.tz()).astimezone(UTC)
    for assignment_id in waiting:
        assignments.confirm(assignment_id, coordinator, confirmed_at, None)

    def done(day: date) -> int:
        (task,) = figures.task_figures(report_scope(day, 3, today=TODAY, task_ids=[task_id]))
        return task.total.completed

    assert done(date(2024, 6, 30)) == 56
    assert done(date(2024, 7, 1)) == 58
    assert "còn 28 bộ, ngành, địa phương" in _narrative(date(2024, 7, 1), [OPEN_DATA_TASK])
    assert "còn 30 bộ, ngành, địa phương" in _narrative(date(2024, 6, 30), [OPEN_DATA_TASK])
