"""Recurring tasks against a real database (both backends): series, generation, pausing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from support.units import ha_tay_province, health_ministry

from tracker.domain.days_off import RollRule
from tracker.domain.localtime import start_of_day
from tracker.domain.recurrence import DayRule, Period, Recurrence
from tracker.extensions import db
from tracker.models import (
    Assignment,
    AssignmentRevision,
    Event,
    Task,
    UnitGroup,
    UnitKind,
)
from tracker.services import dashboard, status_sql
from tracker.services.calendar import load_calendar
from tracker.services.errors import NotAllowed, ServiceError, StaleEdit
from tracker.services.recurrence import generation
from tracker.services.recurrence import series as rec
from tracker.services.recurrence.settings import SeriesInput, period_label
from tracker.services.tasks import assigning
from tracker.services.tasks import listing as task_listing
from tracker.services.tasks.editing import TaskInput

NOW = datetime(2025, 1, 1, 3, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")  # the programme's time zone
HALF_YEARLY = Recurrence("half_yearly", date(2025, 1, 1), due=DayRule("period_end", 0, 15))


def _generate(
    today: date, *, now: datetime | None = None, **options
) -> generation.GenerationReport:
    """Generate as a run on ``today`` would (by default at the start of that day), in the
    programme's language."""
    now = now or start_of_day(today, ZONE)
    return generation.generate_due_occurrences(today, now=now, language="vi", **options)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _occurrences(series_id: int) -> list[Task]:
    query = select(Task).where(Task.series_id == series_id).order_by(Task.period_start)
    return list(db.session.scalars(query))


def _units_of(task_id: int) -> set[int]:
    return set(db.session.scalars(select(Assignment.unit_id).where(Assignment.task_id == task_id)))


def _input(rule=HALF_YEARLY, *, title="Báo cáo 6 tháng", owner_id=None, **selection):
    units = assigning.UnitSelection(**{k: frozenset(v) for k, v in selection.items()})
    task = TaskInput(title=title, field="government", description="", owner_id=owner_id)
    return SeriesInput(task=task, rule=rule, units=units)


@pytest.fixture
def coordinator(make):
    return make.user("coordinator")


@pytest.fixture
def provinces(make):
    made = [make.unit(name=f"Tỉnh {n}") for n in ("An Giang", "Bắc Ninh", "Cà Mau")]
    health_ministry(make)
    ha_tay_province(make)
    db.session.commit()
    return made


@pytest.fixture
def series(coordinator, provinces):
    return rec.create_series(_input(groups={"local"}), actor=coordinator, now=NOW)


def test_a_half_yearly_series_gets_one_occurrence_per_period_due_15_june_and_15_december(
    series, provinces
):
    first = _generate(date(2025, 1, 1))
    assert [o.deadline for o in first.occurrences] == [date(2025, 6, 15)]
    assert _generate(date(2025, 3, 10)).occurrences == []
    second = _generate(date(2025, 7, 1))
    assert [o.deadline for o in second.occurrences] == [date(2025, 12, 15)]

    h1, h2 = _occurrences(series.id)
    assert (h1.period_start, h1.period_end, h1.deadline) == (
        date(2025, 1, 1),
        date(2025, 6, 30),
        date(2025, 6, 15),
    )
    assert (h2.period_start, h2.period_end, h2.deadline) == (
        date(2025, 7, 1),
        date(2025, 12, 31),
        date(2025, 12, 15),
    )
    with force_locale("vi"):
        expected = period_label(Period(date(2025, 1, 1), date(2025, 6, 30), "half", 1))
    assert h1.title == f"Báo cáo 6 tháng — {expected}"
    assert h1.deadline_wording == "15/06/2025" and h1.field == "government"
    # Each occurrence has its own assignments: every active province, due on its deadline.
    expected_units = {p.id for p in provinces}
    for occurrence in (h1, h2):
        assert _units_of(occurrence.id) == expected_units
        dues = set(
            db.session.scalars(
                select(Assignment.due_date).where(Assignment.task_id == occurrence.id)
            )
        )
        assert dues == {occurrence.deadline}
    assert _count(Assignment, Assignment.task_id == series.id) == 0


def test_generating_twice_creates_nothing_the_second_time(series):
    _generate(date(2025, 7, 2))
    before = (_count(Task), _count(Assignment), _count(Event), _count(AssignmentRevision))
    again = _generate(date(2025, 7, 2))
    assert again.occurrences == [] and not again.raced
    assert (_count(Task), _count(Assignment), _count(Event), _count(AssignmentRevision)) == before


def test_occurrences_are_ordinary_tasks_with_events_history_and_the_series_facts(
    make, coordinator, provinces
):
    rule = Recurrence(
        "half_yearly",
        date(2025, 1, 1),
        due=DayRule("period_end", 0, 15),
        cutoff=DayRule("period_end", 0, 14),
    )
    series = rec.create_series(
        _input(rule, owner_id=coordinator.id, groups={"local"}), actor=coordinator, now=NOW
    )
    series.reminder_policy = {"before": [5], "on_due_day": True}
    series.priority = True
    db.session.commit()
    report = _generate(date(2025, 1, 1), now=NOW)
    [occurrence] = _occurrences(series.id)
    assert report.occurrences[0].task_id == occurrence.id
    assert occurrence.owner_id == coordinator.id and occurrence.priority
    assert occurrence.reminder_policy == {"before": [5], "on_due_day": True}
    assert "14/06/2025" in occurrence.description  # the data cut-off
    assignments = list(
        db.session.scalars(select(Assignment).where(Assignment.task_id == occurrence.id))
    )
    assert {a.state for a in assignments} == {"assigned"}
    assert _count(Event, Event.kind == "assigned", Event.task_id == occurrence.id) == 3
    assert _count(AssignmentRevision, AssignmentRevision.task_id == occurrence.id) == 3
    assert _count(Event, Event.kind == "task_created", Event.task_id == occurrence.id) == 1
    assert _count(Event, Event.kind == "occurrence_generated", Event.task_id == series.id) == 1


def test_a_missed_period_never_blocks_the_next(series, provinces):
    _generate(date(2025, 1, 1))
    [h1] = _occurrences(series.id)
    # Nobody reported anything: every H1 assignment is overdue on 1/7.
    calendar = load_calendar()
    as_of = status_sql.AsOf.build(date(2025, 7, 1), calendar, 3, rule=RollRule())
    assert task_listing.task_buckets([h1.id], None, as_of)[h1.id].open_overdue == 3
    _generate(date(2025, 7, 1))
    assert len(_occurrences(series.id)) == 2


def test_after_downtime_every_missing_period_is_generated_once(series):
    report = _generate(date(2026, 1, 5))
    assert [o.period.start for o in report.occurrences] == [
        date(2025, 1, 1),
        date(2025, 7, 1),
        date(2026, 1, 1),
    ]


def test_a_unit_added_later_gets_the_next_occurrence_not_past_ones(make, series, provinces):
    _generate(date(2025, 1, 1))
    newcomer = make.unit(name="Tỉnh Điện Biên")
    db.session.commit()
    _generate(date(2025, 7, 1))
    h1, h2 = _occurrences(series.id)
    assert newcomer.id not in _units_of(h1.id)
    assert newcomer.id in _units_of(h2.id)


def test_after_a_reorganisation_new_periods_go_to_the_units_in_office(make, coordinator):
    old = [make.unit(name=f"Tỉnh cũ {n}") for n in (1, 2)]
    chosen = make.unit(name="Bộ Thông tin và Truyền thông", kind=UnitKind.MINISTRY)
    db.session.commit()
    series = rec.create_series(
        _input(groups={"local"}, unit_ids={chosen.id}), actor=coordinator, now=NOW
    )
    _generate(date(2025, 1, 1))
    # On 1/7/2025 the two provinces merge into one, and the ministry into another.
    merged = make.unit(name="Tỉnh mới", valid_from=date(2025, 7, 1))
    successor = make.unit(
        name="Bộ Khoa học và Công nghệ", kind=UnitKind.MINISTRY, valid_from=date(2025, 3, 1)
    )
    for unit in old:
        unit.active, unit.valid_to, unit.successor_id = False, date(2025, 6, 30), merged.id
    chosen.active, chosen.valid_to, chosen.successor_id = False, date(2025, 2, 28), successor.id
    db.session.commit()
    _generate(date(2025, 7, 1))
    h1, h2 = _occurrences(series.id)
    assert _units_of(h1.id) == {old[0].id, old[1].id, chosen.id}
    assert _units_of(h2.id) == {merged.id, successor.id}


def test_a_unit_valid_only_from_a_later_day_waits_for_it(make, coordinator):
    make.unit(name="Tỉnh A")
    later = make.unit(name="Tỉnh B", valid_from=date(2025, 7, 1))
    db.session.commit()
    series = rec.create_series(
        _input(Recurrence("monthly", date(2025, 6, 1), lead_days=31), groups={"local"}),
        actor=coordinator,
        now=NOW,
    )
    _generate(date(2025, 6, 1))
    june, july = _occurrences(series.id)
    assert later.id not in _units_of(june.id) and later.id in _units_of(july.id)


def test_a_paused_series_generates_nothing_and_resuming_skips_the_paused_periods(
    coordinator, series
):
    rec.set_paused(series.id, True, actor=coordinator, now=NOW, zone=ZONE)
    assert _generate(date(2025, 7, 1)).occurrences == []
    assert _occurrences(series.id) == []
    with pytest.raises(ServiceError, match="already paused"):
        rec.set_paused(series.id, True, actor=coordinator, now=NOW, zone=ZONE)
    resumed_at = datetime(2025, 8, 1, 3, 0, tzinfo=UTC)
    rec.set_paused(series.id, False, actor=coordinator, now=resumed_at, zone=ZONE)
    report = _generate(date(2025, 8, 1))
    # H1 2025 ended while paused: skipped; H2 2025 is running: generated.
    assert [o.period.start for o in report.occurrences] == [date(2025, 7, 1)]
    kinds = set(db.session.scalars(select(Event.kind).where(Event.task_id == series.id)))
    assert {"series_created", "series_paused", "series_resumed"} <= kinds


def test_dry_run_reports_and_creates_nothing(series):
    before = (_count(Task), _count(Assignment), _count(Event))
    report = _generate(date(2025, 7, 1), dry_run=True)
    assert [(o.deadline, o.units, o.task_id) for o in report.occurrences] == [
        (date(2025, 6, 15), 3, None),
        (date(2025, 12, 15), 3, None),
    ]
    assert (_count(Task), _count(Assignment), _count(Event)) == before


def test_generation_runs_a_bounded_number_of_queries_as_units_grow(
    app, make, coordinator, query_counter
):
    def queries_for(n_units: int, start: date) -> int:
        for n in range(n_units):
            make.unit(name=f"Tỉnh {start.year} số {n}")
        db.session.commit()
        rec.create_series(
            _input(Recurrence("monthly", start), title=f"Báo cáo {start}", groups={"local"}),
            actor=coordinator,
            now=NOW,
        )
        with query_counter() as statements:
            report = _generate(start)
        assert len(report.occurrences) == 1
        return len(statements)

    small = queries_for(3, date(2025, 1, 1))
    _pause_all(coordinator)
    large = queries_for(60, date(2025, 2, 1))
    assert large == small


def _pause_all(actor) -> None:
    for series in db.session.scalars(select(Task).where(Task.recurrence.is_not(None))).all():
        rec.set_paused(series.id, True, actor=actor, now=NOW, zone=ZONE)


def test_a_series_without_units_then_is_reported_not_created(make, coordinator):
    unit = make.unit(name="Tỉnh X")
    db.session.commit()
    series = rec.create_series(_input(unit_ids={unit.id}), actor=coordinator, now=NOW)
    unit.active = False
    db.session.commit()
    report = _generate(date(2025, 1, 1))
    assert report.occurrences == [] and len(report.without_units) == 1
    assert _occurrences(series.id) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "  "}, "Enter the task's title."),
        ({"title": "x" * 401}, "At most 400 characters."),
        ({"selection": {}}, "Choose at least one group or unit."),
        ({"selection": {"groups": {"nowhere"}}}, "Unknown group or kind of unit."),
        ({"selection": {"unit_ids": {987654}}}, "no longer active"),
    ],
)
def test_bad_series_are_refused_and_nothing_is_saved(coordinator, provinces, changes, message):
    data = _input(
        title=changes.get("title", "Báo cáo"), **changes.get("selection", {"groups": {"local"}})
    )
    with pytest.raises(ServiceError, match=message):
        rec.create_series(data, actor=coordinator, now=NOW)
    db.session.rollback()
    assert _count(Task) == 0 and _count(Event) == 0


@pytest.mark.parametrize("role", ["focal_point", "viewer"])
def test_only_coordinators_manage_series(make, provinces, series, role):
    user = make.user(role, unit_id=provinces[0].id if role == "focal_point" else None)
    with pytest.raises(NotAllowed):
        rec.create_series(_input(groups={"local"}), actor=user, now=NOW)
    with pytest.raises(NotAllowed):
        rec.set_paused(series.id, True, actor=user, now=NOW, zone=ZONE)


def test_editing_a_series_changes_future_occurrences_only(coordinator, series, provinces):
    _generate(date(2025, 1, 1))
    quarterly_due = Recurrence("half_yearly", date(2025, 1, 1), due=DayRule("period_end", 1, 20))
    _series, changed = rec.update_series(
        series.id,
        _input(quarterly_due, title="Báo cáo sáu tháng", unit_ids={provinces[0].id}),
        actor=coordinator,
        now=NOW,
        version=series.version,
    )
    assert set(changed) == {"title", "recurrence"}
    with pytest.raises(StaleEdit):
        rec.update_series(
            series.id, _input(groups={"local"}), actor=coordinator, now=NOW, version=1
        )
    _generate(date(2025, 7, 1))
    h1, h2 = _occurrences(series.id)
    assert h1.deadline == date(2025, 6, 15) and h1.title.startswith("Báo cáo 6 tháng — ")
    assert h2.deadline == date(2026, 1, 20) and h2.title.startswith("Báo cáo sáu tháng — ")
    assert _units_of(h1.id) == {p.id for p in provinces}
    assert _units_of(h2.id) == {provinces[0].id}


def test_series_templates_stay_out_of_task_lists_and_cannot_be_assigned(
    make, coordinator, series, provinces
):
    ordinary = make.task(title="Nhiệm vụ thường", recurrence=None, deadline=date(2026, 1, 1))
    db.session.commit()
    _generate(date(2025, 1, 1))
    as_of = status_sql.AsOf.build(date(2025, 1, 1), load_calendar(), 3, rule=RollRule())
    listed = list(
        db.session.scalars(task_listing.task_query(None, task_listing.TaskFilters(), as_of))
    )
    [occurrence] = _occurrences(series.id)
    assert [t.id for t in listed] == [occurrence.id, ordinary.id]
    dashboard_tasks = [t.id for t, _b in dashboard.dashboard(None, as_of).tasks]
    assert dashboard_tasks == [occurrence.id, ordinary.id]
    with pytest.raises(ServiceError, match="never assigned itself"):
        assigning.assign_units(
            series.id,
            assigning.UnitSelection(groups=frozenset({UnitGroup.LOCAL.value})),
            actor=coordinator,
            now=NOW,
        )


def test_next_working_day_rule_moves_a_deadline_off_a_sunday(coordinator, provinces):
    rule = Recurrence(
        "half_yearly", date(2025, 1, 1), due=DayRule("period_end", 0, 15), next_working_day=True
    )
    series = rec.create_series(_input(rule, groups={"local"}), actor=coordinator, now=NOW)
    _generate(date(2025, 1, 1))
    [h1] = _occurrences(series.id)
    assert h1.deadline == date(2025, 6, 16)  # 15/06/2025 is a Sunday


def test_recur_command_prints_what_it_creates_and_is_idempotent(app, runner, series):
    dry = runner.invoke(args=["recur", "--dry-run", "--today", "2025-07-01"])
    assert dry.exit_code == 0, dry.output
    assert "would create" in dry.output and "15/06/2025" in dry.output
    assert _count(Task, Task.series_id == series.id) == 0
    done = runner.invoke(args=["recur", "--today", "2025-07-01"])
    assert "2 occurrence(s) created" in done.output
    again = runner.invoke(args=["recur", "--today", "2025-07-01"])
    assert "0 occurrence(s) created" in again.output
    assert runner.invoke(args=["recur", "--today", "01/07/2025"]).exit_code != 0


@pytest.fixture
def later(app):
    """Return another app on the same database whose clock is fixed to 02/01/2025."""
    from tracker.app import create_app

    keys = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "UPLOAD_FOLDER", "MAIL_SERVER")
    other = create_app({**{k: app.config[k] for k in keys}, "TODAY": "2025-01-02"})
    yield other
    with other.app_context():
        db.engine.dispose()


def test_the_scheduler_generates_daily_and_at_start(app, later, series):
    from tracker import scheduler

    jobs = {job.id: job for job in scheduler.build(app).get_jobs()}
    fields = {f.name: str(f) for f in jobs["recurrence"].trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("0", "5")
    scheduler.recurrence_job(later)
    assert _count(Task, Task.series_id == series.id) == 1


@pytest.mark.parametrize(
    ("period", "vi", "en"),
    [
        (Period(date(2025, 3, 1), date(2025, 3, 31), "month", 3), "tháng 3/2025", "month 3/2025"),
        (Period(date(2025, 1, 1), date(2025, 3, 31), "quarter", 1), "Quý I/2025", "quarter I/2025"),
        (
            Period(date(2025, 1, 1), date(2025, 6, 30), "half", 1),
            "6 tháng đầu năm 2025",
            "first half of 2025",
        ),
        (
            Period(date(2025, 7, 1), date(2025, 12, 31), "half", 2),
            "6 tháng cuối năm 2025",
            "second half of 2025",
        ),
        (Period(date(2025, 1, 1), date(2025, 12, 31), "year"), "năm 2025", "year 2025"),
        (
            Period(date(2024, 7, 6), date(2024, 7, 12), "range"),
            "từ 06/07/2024 đến 12/07/2024",
            "06/07/2024 to 12/07/2024",
        ),
    ],
)
def test_periods_are_labelled_in_both_languages(ctx, period, vi, en):
    for language, expected in (("vi", vi), ("en", en)):
        with force_locale(language):
            assert period_label(period) == expected


def test_occurrence_titles_and_cut_off_are_stored_in_vietnamese(coordinator, provinces):
    rule = Recurrence(
        "quarterly",
        date(2025, 1, 1),
        due=DayRule("period_end", 1, 15),
        cutoff=DayRule("period_end", 0, 31),
    )
    series = rec.create_series(_input(rule, groups={"local"}), actor=coordinator, now=NOW)
    _generate(date(2025, 1, 1))
    [q1] = _occurrences(series.id)
    assert q1.title == "Báo cáo 6 tháng — Quý I/2025"
    assert q1.description == "Số liệu tính đến ngày 31/03/2025."
    assert q1.deadline == date(2025, 4, 15)
