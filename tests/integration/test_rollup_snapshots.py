"""The figures kept for closed days: reports as of such a day and the progress chart read
them and state what the history states; a change to a day's past drops its figures; the
scheduler writes the days that lack them; ``tracker rollups check`` compares them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, update
from support.today import NOW, TODAY

from tracker import scheduler
from tracker.extensions import db
from tracker.models import AssignmentRevision, SnapshotDay, TallySnapshot, Unit
from tracker.services import history
from tracker.services.demo.load import load_demo
from tracker.services.reports import figures, units
from tracker.services.reports.base import report_scope
from tracker.services.reports.pages import chart_days
from tracker.services.rollups import check, writing
from tracker.services.rollups import units as unit_counts

DAYS = [date(2024, 6, 28), date(2024, 6, 29), date(2024, 6, 30)]


def _write(*days: date) -> None:
    writing.write_range(min(days), max(days), today=TODAY, due_soon_days=3, now=NOW)


def _kept() -> list[date]:
    return list(db.session.scalars(select(SnapshotDay.day).order_by(SnapshotDay.day)))


def _programme(day: date):
    return figures.programme_figures(report_scope(day, 3, today=TODAY), with_missing=True)


def _scorecards(day: date):
    return units.unit_scores(report_scope(day, 3, today=TODAY)).scores


def _statements_reading_history(query_counter, day: date) -> int:
    with query_counter() as statements:
        _programme(day)
    return sum("assignment_revision" in s for s in statements)


def test_a_report_as_of_a_kept_day_reads_its_figures_and_states_the_history(
    ctx, settings, query_counter
):
    load_demo(password="demo", settings=settings)
    rebuilt = {day: _programme(day) for day in DAYS}
    cards = {day: _scorecards(day) for day in DAYS}
    assert _statements_reading_history(query_counter, DAYS[-1]) > 0

    _write(*DAYS)

    assert _kept() == DAYS
    for day in DAYS:
        assert _programme(day) == rebuilt[day]
        assert _scorecards(day) == cards[day]
    with query_counter() as statements:
        _scorecards(DAYS[-1])
    assert not any("assignment_revision" in s for s in statements)
    # The units not done are still named from the history; the figures are not.
    assert _statements_reading_history(query_counter, DAYS[-1]) == 1
    catalogue = next(t for t in rebuilt[DAYS[-1]].tasks if t.total.completed == 71)
    assert (catalogue.group("central").completed, catalogue.group("local").completed) == (17, 54)


def test_the_progress_chart_reads_kept_days_and_draws_the_same_line(ctx, settings, query_counter):
    load_demo(password="demo", settings=settings)
    scope = report_scope(TODAY, 3, today=TODAY)
    start = TODAY - timedelta(days=33)
    drawn = figures.completion_over_time(scope, start)
    assert drawn == figures.history_trend(scope, [day for day, _ in drawn])

    _write(start, TODAY - timedelta(days=1))

    with query_counter() as statements:
        kept = figures.completion_over_time(scope, start)
    assert not any("assignment_revision" in s for s in statements)
    assert [(day, _measures(b)) for day, b in kept] == [(d, _measures(b)) for d, b in drawn]


def _measures(b):
    return (b.total, b.completed_on_time, b.completed_late, b.open_overdue)


def test_a_change_to_a_days_past_drops_its_figures_and_later_ones(ctx, settings):
    load_demo(password="demo", settings=settings)
    _write(*DAYS)
    revision = db.session.scalars(select(AssignmentRevision).limit(1)).one()

    at = datetime(2024, 6, 29, 5, tzinfo=UTC)  # recorded now, effective on 29/06
    row = history.revision_row(
        revision.assignment_id, revision.task_id, revision.unit_id, at, "completed", None
    )
    history.add_revisions([row])
    db.session.commit()
    assert _kept() == [date(2024, 6, 28)]
    assert db.session.scalar(select(func.count()).select_from(TallySnapshot).where(
        TallySnapshot.day > date(2024, 6, 28))) == 0  # fmt: skip

    _write(*DAYS)
    unit = db.session.scalars(select(Unit).limit(1)).one()
    unit.valid_to = date(2024, 6, 30)
    db.session.commit()
    assert _kept() == DAYS[:2]

    db.session.execute(update(Unit).where(Unit.id == unit.id).values(group="central"))
    db.session.execute(update(Unit).where(Unit.id == unit.id).values(group="local"))
    db.session.commit()
    assert _kept() == []


def test_the_midnight_job_moves_the_unit_counts_on_and_writes_the_days_that_lack_figures(
    app, ctx, settings
):
    load_demo(password="demo", settings=settings)
    app.config["ROLLUP_SNAPSHOT_DAYS"] = 3
    _write(DAYS[1])
    # as if the job had stopped then (before the effective deadline of 31/03, a Sunday)
    assert unit_counts.roll(TODAY - timedelta(days=100)) > 0
    db.session.commit()
    as_of = report_scope(TODAY, 3, today=TODAY).as_of
    late_before = unit_counts.figures(as_of)

    scheduler.rollup_job(app)

    assert unit_counts.clock_day() == TODAY
    assert check.unit_differences() == []
    assert unit_counts.figures(as_of) == late_before
    # the last three days, and the closed points of today's progress chart
    assert _kept() == sorted({*DAYS, *chart_days(TODAY)})
    assert date(TODAY.year, 1, 1) in _kept()
    assert _programme(DAYS[0]) is not None


def test_check_reports_a_kept_figure_the_history_does_not_give(runner, ctx, settings):
    load_demo(password="demo", settings=settings)
    _write(DAYS[-1])
    assert runner.invoke(args=["rollups", "check"]).exit_code == 0
    row = db.session.scalars(select(TallySnapshot).where(TallySnapshot.total > 0).limit(1)).one()
    task_id, group = row.task_id, row.unit_group
    db.session.execute(
        update(TallySnapshot)
        .where(TallySnapshot.day == DAYS[-1], TallySnapshot.task_id == task_id,
               TallySnapshot.unit_group == group)
        .values(completed_late=TallySnapshot.completed_late + 1)
    )  # fmt: skip
    db.session.commit()

    result = runner.invoke(args=["rollups", "check"])

    assert result.exit_code == 1
    assert f"2024-06-30 task {task_id} {group}: kept " in result.output
    assert "0 counts and 1 daily figures differ" in result.output
    again = runner.invoke(args=["rollups", "rebuild", "--from", "2024-06-30", "--to", "2024-06-30"])
    assert "daily figures: 1 days written, 2024-06-30 to 2024-06-30" in again.output
    assert runner.invoke(args=["rollups", "check"]).exit_code == 0
