"""Importing tasks with their assignments (both backends): all rows or none, never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import current_app
from sqlalchemy import func, select
from support.imports import csv_bytes, table_counts, xlsx_bytes
from support.people import office
from support.units import (
    da_nang_city,
    finance_ministry,
    ha_tay_province,
    health_ministry,
    hue_province,
)

from tracker.extensions import db
from tracker.models import Assignment, AssignmentRevision, Event, Task
from tracker.services.imports.importing import run_import
from tracker.services.tasks import assigning as task_assignments
from tracker.settings import Settings

NOW = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)

HEADER = (
    "Tên nhiệm vụ",
    "Số ký hiệu",
    "Ngày văn bản",
    "Lĩnh vực",
    "Trọng tâm",
    "Thời hạn",
    "Đơn vị",
    "Vai trò",
)
GOOD = [
    HEADER,
    (
        "Ban hành kế hoạch CĐS 2024",
        "01/KH-UBQG",
        "15/01/2024",
        "Chính phủ số",
        "x",
        "Quý III/2024",
        "tất cả",
        "",
    ),
    ("Báo cáo 6 tháng", "", "", "du lieu so", "", "trước ngày 20/7/2024", "46", "Chủ trì"),
    ("Báo cáo 6 tháng", "", "", "", "", "", "BYT; btc", "phối hợp"),
]


@pytest.fixture
def coordinator(make):
    (user,) = office(make, "coordinator", language="en")
    db.session.commit()
    return user


@pytest.fixture
def country(make):
    """Two provinces (one inactive) and two ministries."""
    units = {
        "46": hue_province(make, code="46"),
        "48": da_nang_city(make, code="48"),
        "HT": ha_tay_province(make, code="HT"),
        "BYT": health_ministry(make, code="BYT"),
        "BTC": finance_ministry(make, code="BTC"),
    }
    db.session.commit()
    return units


def _import(data, actor, **kw):
    """Import as the pages do, with the test app's settings."""
    settings = Settings.from_config(current_app.config, current_app.instance_path)
    return run_import("tasks", data, actor=actor, now=NOW, settings=settings, **kw)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("build", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_good_tasks_file_imported_twice_changes_nothing_the_second_time(
    coordinator, country, build
):
    first = _import(build(GOOD), coordinator)
    assert first.ok, first.errors
    assert (len(first.created), first.assignments) == (2, 4 + 3)
    before = table_counts()
    second = _import(build(GOOD), coordinator)
    assert (second.created, second.updated, second.unchanged, second.assignments) == ([], [], 2, 0)
    assert table_counts() == before
    report = db.session.scalar(select(Task).where(Task.title == "Báo cáo 6 tháng"))
    assert (report.field, report.deadline, report.deadline_wording) == (
        "data",
        date(2024, 7, 19),
        "trước ngày 20/7/2024",
    )
    assert report.owner_id == coordinator.id and report.created_by_id == coordinator.id
    roles = dict(
        db.session.execute(
            select(Assignment.unit_id, Assignment.role).where(Assignment.task_id == report.id)
        ).all()
    )
    assert roles == {
        country["46"].id: "lead",
        country["BYT"].id: "support",
        country["BTC"].id: "support",
    }


def test_tasks_file_with_three_bad_rows_is_rejected_whole_naming_them(coordinator, country):
    rows = [
        HEADER,
        ("Nhiệm vụ A", "", "", "Thể chế", "", "30/9/2024", "46", ""),
        ("Nhiệm vụ B", "", "", "Thể chế", "", "cuối quý này", "46", ""),
        ("Nhiệm vụ C", "", "", "Thể chế", "", "30/9/2024", "46 XX", ""),
        ("Nhiệm vụ A", "", "", "Thể chế", "", "30/9/2024", "46", ""),
        ("Nhiệm vụ D", "", "", "Thể chế", "", "", "HT", "lead"),
    ]
    result = _import(csv_bytes(rows), coordinator)
    assert [(e.line, e.column) for e in result.errors] == [
        (3, "Thời hạn"),
        (4, "Đơn vị"),
        (5, "Đơn vị"),
        (6, "Đơn vị"),
    ]
    messages = [e.message for e in result.errors]
    assert "“cuối quý này” is not a deadline this system can read" in messages[0]
    assert "Unknown unit code “XX”" in messages[1]
    assert "line 2 already gives this task to Tỉnh Thừa Thiên Huế" in messages[2]
    assert "no longer active" in messages[3]
    assert _count(Task) == 0 and _count(Event) == 0


def test_imported_assignments_are_recorded_like_assignments_made_in_the_pages(
    coordinator, country, make
):
    rows = [HEADER, ("Nhiệm vụ A", "", "", "Thể chế", "", "30/9/2024", "46", "")]
    assert _import(csv_bytes(rows), coordinator).ok
    by_page = make.task(title="Nhiệm vụ B", deadline=date(2024, 9, 30))
    db.session.commit()
    task_assignments.assign_units(
        by_page.id,
        task_assignments.UnitSelection(unit_ids=frozenset({country["46"].id})),
        actor=coordinator,
        now=NOW,
    )
    imported, paged = list(
        db.session.scalars(select(Event).where(Event.kind == "assigned").order_by(Event.id))
    )

    def shape(e):
        return (e.kind, e.actor_id, e.unit_id, e.to_state, e.note, e.data, e.at)

    assert shape(imported) == shape(paged)
    assert imported.assignment_id is not None
    # The history reports as of a date read: one revision for each new assignment.
    revisions = db.session.scalars(select(AssignmentRevision.assignment_id))
    assert sorted(revisions) == sorted([imported.assignment_id, paged.assignment_id])
    kinds = list(db.session.scalars(select(Event.kind).order_by(Event.id)))
    assert kinds[:3] == ["task_created", "assigned", "import"]


def test_reimport_updates_fields_moves_due_dates_and_only_adds_units(coordinator, country):
    rows = [HEADER, ("Nhiệm vụ A", "01/KH", "", "Thể chế", "", "30/9/2024", "46", "")]
    assert _import(csv_bytes(rows), coordinator).ok
    task = db.session.scalar(select(Task))
    changed = [HEADER, (" Nhiệm  vụ A", "01/KH", "", "Thể chế", "x", "Quý IV/2024", "48", "")]
    result = _import(csv_bytes(changed), coordinator)
    assert result.ok and result.updated == ["Nhiệm vụ A"] and result.assignments == 1
    db.session.refresh(task)
    assert (task.priority, task.deadline, task.title) == (True, date(2024, 12, 31), "Nhiệm vụ A")
    dues = set(db.session.scalars(select(Assignment.due_date).where(Assignment.task_id == task.id)))
    assert dues == {date(2024, 12, 31)} and _count(Assignment) == 2
    assert _count(Event, Event.kind == "due_changed") == 1
    assert _count(Event, Event.kind == "task_updated") == 1


def test_group_words_assign_every_active_unit_of_the_group(coordinator, country):
    rows = [
        ("Tên nhiệm vụ", "Lĩnh vực", "Đơn vị"),
        ("Cho bộ, ngành", "Thể chế", "bộ, ngành"),
        ("Cho địa phương", "Thể chế", "Địa phương"),
        ("Cho tất cả", "Thể chế", "central local"),
    ]
    assert _import(csv_bytes(rows), coordinator).ok
    counts = dict(
        db.session.execute(
            select(Task.title, func.count(Assignment.id)).join(Assignment).group_by(Task.title)
        ).all()
    )
    assert counts == {"Cho bộ, ngành": 2, "Cho địa phương": 2, "Cho tất cả": 4}


def test_later_lines_of_a_task_must_agree_with_the_first(coordinator, country):
    rows = [
        HEADER,
        ("Nhiệm vụ A", "", "", "Thể chế", "", "30/9/2024", "46", ""),
        ("Nhiệm vụ A", "", "", "Hạ tầng số", "", "30/9/2024", "48", ""),
        ("Nhiệm vụ A", "", "", "", "", "", "", ""),
    ]
    result = _import(csv_bytes(rows), coordinator)
    assert [(e.line, e.column) for e in result.errors] == [(3, "Lĩnh vực"), (4, "Đơn vị")]


def test_closed_tasks_are_not_changed_by_import(coordinator, country, make):
    make.task(title="Nhiệm vụ A", closed_at=NOW)
    db.session.commit()
    rows = [("Tên nhiệm vụ", "Lĩnh vực", "Đơn vị"), ("Nhiệm vụ A", "Dữ liệu số", "46")]
    result = _import(csv_bytes(rows), coordinator)
    assert [e.line for e in result.errors] == [2] and "closed" in result.errors[0].message


def test_owner_must_be_an_active_coordinator(coordinator, country, make):
    make.user("viewer", email="ld@example.org")
    db.session.commit()
    rows = [
        ("Tên nhiệm vụ", "Lĩnh vực", "Email cán bộ điều phối"),
        ("Nhiệm vụ A", "Thể chế", "ld@example.org"),
        ("Nhiệm vụ B", "Thể chế", "nobody@example.org"),
        ("Nhiệm vụ C", "Thể chế", "DP@example.org"),
    ]
    result = _import(csv_bytes(rows), coordinator)
    column = "Email cán bộ điều phối"
    assert [(e.line, e.column) for e in result.errors] == [(2, column), (3, column)]


def test_viewers_and_focal_points_cannot_import_tasks(make, country):
    from tracker.services.errors import NotAllowed

    viewer = make.user("viewer")
    db.session.commit()
    with pytest.raises(NotAllowed):
        _import(csv_bytes(GOOD), viewer)


def test_task_import_reads_in_a_constant_number_of_queries(coordinator, country, query_counter):
    def file(prefix: str, n: int) -> bytes:
        rows = [
            (f"{prefix} {i}", "", "", "Thể chế", "", "30/9/2024", "46 48", "") for i in range(n)
        ]
        return csv_bytes([HEADER, *rows])

    runs = []
    for prefix, n in (("A", 2), ("B", 30)):
        with query_counter() as statements:
            assert _import(file(prefix, n), coordinator).ok
        runs.append([q for q in statements if q.lstrip().startswith("SELECT")])
    assert len(runs[0]) == len(runs[1])


def test_spreadsheet_dates_are_read_as_real_dates(coordinator, country):
    rows = [
        ("Tên nhiệm vụ", "Lĩnh vực", "Ngày văn bản", "Thời hạn", "Đơn vị"),
        ("Nhiệm vụ A", "Thể chế", datetime(2024, 1, 15), datetime(2024, 9, 30), "46"),
    ]
    assert _import(xlsx_bytes(rows), coordinator).ok
    task = db.session.scalar(select(Task))
    assert (task.source_date, task.deadline, task.deadline_wording) == (
        date(2024, 1, 15),
        date(2024, 9, 30),
        "30/09/2024",
    )
    assert _import(xlsx_bytes(rows), coordinator).unchanged == 1
