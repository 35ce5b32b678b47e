"""Reports as of a past day state what stood on that day, rebuilt from the history."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from support.people import office
from support.today import TODAY
from support.units import cao_bang_province, finance_ministry, ha_giang_province

from tracker import clock
from tracker.domain.status import TimeStatus
from tracker.extensions import db
from tracker.services.assignments import due_dates
from tracker.services.assignments import workflow as assignments
from tracker.services.reports import figures, matrix, units
from tracker.services.reports.base import report_scope


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clock.tz()).astimezone(UTC)


@pytest.fixture
def world(make, settings):
    """A task due 30/04/2024 given on 01/04 to two provinces and a ministry; Hà Giang goes
    through start 05/04, report 10/04, return 15/04, report again 02/05 (late), confirm 06/05.
    The task keeps its written date although 30/04 is a day off."""
    (coordinator,) = office(make, "coordinator")
    ha_giang = ha_giang_province(make, code="02")
    cao_bang = cao_bang_province(make, code="04")
    ministry = finance_ministry(make, code="BTC")
    focal = make.user("focal_point", email="hg@example.org", unit_id=ha_giang.id)
    # 30/04 is a holiday: the task keeps its written date, so that these figures count
    # lateness from it as they did before deadlines on days off rolled (test_days_off_*
    # covers the rule).
    task = make.task(
        title="Ban hành kế hoạch", deadline=date(2024, 4, 30), deadline_day_off_rolls=False
    )
    given = at(date(2024, 4, 1))
    rows = {
        unit.code: make.assignment(task, unit, created_at=given, updated_at=given)
        for unit in (ha_giang, cao_bang, ministry)
    }
    db.session.commit()
    hg = rows["02"].id
    assignments.start(hg, focal, at(date(2024, 4, 5)), None)
    assignments.submit_completion(
        hg, focal, at(date(2024, 4, 10)), None, "12/KH-UBND", None, "", "", [], settings=settings
    )
    assignments.return_submission(hg, coordinator, at(date(2024, 4, 15)), None, "Thiếu phụ lục")
    assignments.submit_completion(
        hg, focal, at(date(2024, 5, 2)), None, "15/KH-UBND", None, "", "", [], settings=settings
    )
    assignments.confirm(hg, coordinator, at(date(2024, 5, 6)), None)
    return {
        "task": task.id,
        "hg": ha_giang.id,
        "cb": cao_bang.id,
        "btc": ministry.id,
        "coordinator": coordinator,
        "cb_assignment": rows["04"].id,
    }


def statuses(day: date, task_id: int) -> dict[str, tuple[str, str]]:
    scope = report_scope(day, 3, today=TODAY, task_ids=[task_id])
    return {
        row.unit.code: (row.state, row.status.status.value)
        for row in figures.task_units(scope, task_id)
    }


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 3, 31), None),  # not assigned yet: the task is absent
        (date(2024, 4, 4), ("assigned", TimeStatus.ON_TRACK)),
        (date(2024, 4, 9), ("in_progress", TimeStatus.ON_TRACK)),
        (date(2024, 4, 12), ("submitted", TimeStatus.ON_TRACK)),
        (date(2024, 4, 20), ("in_progress", TimeStatus.ON_TRACK)),  # returned
        (date(2024, 4, 29), ("in_progress", TimeStatus.DUE_SOON)),
        (date(2024, 5, 1), ("in_progress", TimeStatus.OVERDUE)),
        (date(2024, 5, 3), ("submitted", TimeStatus.OVERDUE)),  # reported late, unconfirmed
        (date(2024, 5, 6), ("completed", TimeStatus.COMPLETED_LATE)),
        (date(2024, 7, 1), ("completed", TimeStatus.COMPLETED_LATE)),  # today: the live rows
    ],
)
def test_a_report_as_of_a_day_shows_the_status_of_that_day(world, day, expected):
    got = statuses(day, world["task"])
    if expected is None:
        assert got == {}
    else:
        assert got["02"] == (expected[0], expected[1].value)
        assert got["04"][0] == "assigned"


def test_task_figures_count_each_day_and_name_the_units_still_missing(world):
    before_return = report_scope(date(2024, 4, 12), 3, today=TODAY, task_ids=[world["task"]])
    (fig,) = figures.task_figures(before_return, with_missing=True)
    assert fig.group("local").awaiting_confirmation == 1
    assert fig.group("local").completed == 0
    assert [u.code for u in fig.missing] == ["BTC", "04", "02"]

    after = report_scope(date(2024, 5, 10), 3, today=TODAY, task_ids=[world["task"]])
    (fig,) = figures.task_figures(after, with_missing=True)
    local, central = fig.group("local"), fig.group("central")
    assert (local.completed_late, local.open_overdue, local.total) == (1, 1, 2)
    assert (central.completed, central.open_overdue) == (0, 1)
    assert [u.code for u in fig.missing] == ["BTC", "04"]


def test_an_extension_counts_from_the_day_it_was_granted(world):
    cb = world["cb_assignment"]
    due_dates.change_due_date(
        cb, world["coordinator"], at(date(2024, 5, 3)), None, date(2024, 5, 31), "Bão lũ"
    )
    assert statuses(date(2024, 5, 2), world["task"])["04"][1] == TimeStatus.OVERDUE.value
    assert statuses(date(2024, 5, 3), world["task"])["04"][1] == TimeStatus.ON_TRACK.value


def test_ageing_and_scorecards_as_of_a_day(world):
    scope = report_scope(date(2024, 6, 15), 3, today=TODAY)
    bands = figures.programme_figures(scope).ageing
    assert bands == {"1-7": 0, "8-30": 0, "31-90": 2, "90+": 0}  # 46 days overdue, twice

    ranking = units.unit_scores(scope)
    codes = [s.unit.code for s in ranking.scores]
    assert codes[0] == "02"  # the only one completed
    hg = ranking.scores[0]
    assert (hg.buckets.completed_late, hg.average_days_late) == (1, 2.0)  # 02/05 vs 30/04


def test_progress_over_time_follows_the_history(world):
    scope = report_scope(date(2024, 5, 10), 3, today=TODAY)
    series = dict(figures.completion_over_time(scope, date(2024, 4, 1), points=41))
    assert series[date(2024, 4, 1)].total == 3
    assert series[date(2024, 5, 5)].completed == 0
    assert series[date(2024, 5, 6)].completed_late == 1
    overdue = {day: series[day].open_overdue for day in (date(2024, 4, 30), date(2024, 5, 1))}
    assert overdue == {date(2024, 4, 30): 0, date(2024, 5, 1): 3}
    assert series[date(2024, 5, 6)].open_overdue == 2  # Hà Giang completed, late


def test_report_queries_do_not_grow_with_the_programme(make, query_counter):
    def programme(n_units: int, n_tasks: int) -> int:
        provinces = [make.unit() for _ in range(n_units)]
        for _ in range(n_tasks):
            task = make.task(deadline=date(2024, 5, 31))
            for unit in provinces:
                make.assignment(task, unit)
        db.session.commit()
        scope = report_scope(date(2024, 6, 1), 3, today=TODAY)
        with query_counter() as statements:
            figures.programme_figures(scope, with_missing=True)
            units.unit_scores(scope)
            matrix.matrix(scope, unit_page=1, unit_size=100, task_page=1, task_size=30)
            figures.completion_over_time(scope, date(2024, 1, 1))
        return len(statements)

    small = programme(2, 2)
    assert programme(12, 6) == small


MERGED_TODAY = date(2025, 7, 2)  # the day after the merger: 01/07 is read from the history


def test_after_a_merger_reports_count_the_successor_once_per_task(make):
    """Hà Giang (done) and Tuyên Quang (open) merge into the new Tuyên Quang on 01/07/2025:
    before, two provinces; from that day one, which owes the task until all of it is done;
    a task both had done counts as done by the successor."""
    from tracker.services.reorganisation.merging import merge_units
    from tracker.services.reorganisation.plan import NewUnit

    admin = make.user("admin", email="admin@example.org")
    old = at(date(2025, 3, 1))
    ha_giang = make.unit(name="Tỉnh Hà Giang", code="02")
    tuyen_quang = make.unit(name="Tỉnh Tuyên Quang", code="08")
    split = make.task(title="Kế hoạch dữ liệu", deadline=date(2025, 12, 31))
    both = make.task(title="Danh mục CSDL", deadline=date(2025, 5, 31))
    done = {"state": "completed", "submitted_on": date(2025, 5, 1)}
    make.assignment(split, ha_giang, created_at=old, updated_at=old, **done)
    make.assignment(split, tuyen_quang, created_at=old, updated_at=old)
    for unit in (ha_giang, tuyen_quang):
        make.assignment(both, unit, created_at=old, updated_at=old, **done)
    db.session.commit()
    merge_units(
        [ha_giang.id, tuyen_quang.id],
        NewUnit(code="08", name="Tỉnh Tuyên Quang", kind="province"),
        date(2025, 7, 1),
        actor=admin,
        now=at(date(2025, 7, 1), 9),
        zone=clock.tz(),
    )

    def local(day: date) -> dict[str, tuple[int, int]]:
        scope = report_scope(day, 3, today=MERGED_TODAY, task_ids=[split.id, both.id])
        return {
            f.title: (f.group("local").completed, f.group("local").applicable)
            for f in figures.task_figures(scope)
        }

    assert local(date(2025, 6, 30)) == {"Kế hoạch dữ liệu": (1, 2), "Danh mục CSDL": (2, 2)}
    assert local(date(2025, 7, 1)) == {"Kế hoạch dữ liệu": (0, 1), "Danh mục CSDL": (1, 1)}
    ranking = units.unit_scores(report_scope(date(2025, 7, 1), 3, today=MERGED_TODAY))
    assert [(s.unit.code, s.unit.name) for s in ranking.scores] == [("08", "Tỉnh Tuyên Quang")]
    before = units.unit_scores(report_scope(date(2025, 6, 30), 3, today=MERGED_TODAY))
    assert len(before.scores) == 2
