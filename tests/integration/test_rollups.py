"""``tracker rollups``: the maintained counts match a full recount on the demo after every
command the README lists, and a difference is reported (exit 1) until a rebuild."""

from __future__ import annotations

from sqlalchemy import select, update
from support.imports import csv_bytes

from tracker.extensions import db
from tracker.models import AssignmentTally

TASKS = [
    ("Tên nhiệm vụ", "Số ký hiệu", "Ngày văn bản", "Lĩnh vực", "Trọng tâm", "Thời hạn", "Đơn vị",
     "Vai trò"),
    ("Báo cáo quý IV", "", "", "Dữ liệu số", "", "31/12/2024", "tất cả", ""),
]  # fmt: skip


def _check(runner):
    result = runner.invoke(args=["rollups", "check"])
    return result.exit_code, result.output


def test_the_counts_match_a_recount_after_every_readme_command_on_the_demo(runner, tmp_path):
    tasks = tmp_path / "tasks.csv"
    tasks.write_bytes(csv_bytes(TASKS))
    commands = [
        ["demo"],
        ["remind", "--today", "2024-09-20"],
        ["recur", "--today", "2024-12-20"],
        ["import", "tasks", str(tasks), "--as", "dieuphoi1@example.org"],
        ["reorganise", "2025", "--today", "2025-07-01"],
    ]
    for args in commands:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
        assert _check(runner) == (0, "counts and daily figures: match a full recount\n"), args


def test_a_count_that_drifted_is_reported_until_the_counts_are_rebuilt(runner, ctx):
    assert runner.invoke(args=["demo"]).exit_code == 0
    row = db.session.scalars(select(AssignmentTally).where(AssignmentTally.n > 0).limit(1)).one()
    key, n = (row.task_id, row.unit_group, row.state, row.due_date, row.late_days), row.n
    db.session.execute(
        update(AssignmentTally)
        .where(AssignmentTally.task_id == row.task_id, AssignmentTally.state == row.state,
               AssignmentTally.unit_group == row.unit_group,
               AssignmentTally.due_date == row.due_date,
               AssignmentTally.late_days == row.late_days)
        .values(n=n + 2)
    )  # fmt: skip
    db.session.commit()

    code, output = _check(runner)

    assert code == 1
    task_id, group, state, due, late = key
    assert (
        f"task {task_id} {group} {state} due {due} late {late}: kept {n + 2}, counted {n}" in output
    )
    assert "1 counts and 0 daily figures differ from a full recount" in output
    rebuilt = runner.invoke(args=["rollups", "rebuild"])
    assert rebuilt.exit_code == 0 and "rows rebuilt" in rebuilt.output
    assert _check(runner) == (0, "counts and daily figures: match a full recount\n")


def test_scorecards_ranked_in_the_database_page_by_page_match_every_unit_ranked(runner, ctx):
    import dataclasses
    from datetime import date

    from tracker.services.reports import units as report_units
    from tracker.services.reports.base import report_scope
    from tracker.services.rollups import units as unit_counts

    assert runner.invoke(args=["demo"]).exit_code == 0
    for day in (date(2024, 6, 30), date(2024, 9, 20)):  # the demo's figures, and later
        unit_counts.roll(day)
        db.session.commit()
        scope = report_scope(day, 3, today=day)
        for group in (None, "central", "local"):
            scoped = dataclasses.replace(scope, group=group)
            ranked = list(enumerate(report_units.unit_scores(scoped).scores, start=1))
            assert len(ranked) > 7  # several pages, with ties on the rates
            last = -(-len(ranked) // 7)
            pages = [report_units.scores_page(scoped, n, 7) for n in range(1, last + 1)]
            assert all(page is not None and page[1] == len(ranked) for page in pages)
            assert [row for page, _count in pages for row in page] == ranked, (day, group)
        assert report_units.scores_page(scope, 1000, 7) is None  # past the end: ranked here


def test_a_day_off_the_triggers_misjudge_is_reported_until_the_counts_are_rebuilt(runner, ctx):
    from datetime import date

    from sqlalchemy import delete

    from tracker.models import DayOffOffset

    assert runner.invoke(args=["demo"]).exit_code == 0
    # Sunday 30/06/2024 rolls to Monday: a lost row would count its deadlines a day early.
    db.session.execute(delete(DayOffOffset).where(DayOffOffset.day == date(2024, 6, 30)))
    db.session.commit()

    code, output = _check(runner)

    assert code == 1
    assert "day off 2024-06-30: kept 0, calendar 1" in output
    assert runner.invoke(args=["rollups", "rebuild"]).exit_code == 0
    assert _check(runner) == (0, "counts and daily figures: match a full recount\n")
