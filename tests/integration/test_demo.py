"""The demo loader reproduces the world of the programme's six-month report of 2024."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload
from support.today import NOW
from werkzeug.security import check_password_hash

from tracker import clock
from tracker.domain.status import TRANSITIONS
from tracker.extensions import db
from tracker.models import (
    Assignment,
    AssignmentRevision,
    Event,
    Evidence,
    Role,
    Task,
    Unit,
    UnitGroup,
    User,
)
from tracker.services.accounts import authenticate
from tracker.services.demo.load import load_demo
from tracker.services.demo.world import AS_OF, CATALOGUE_TASK

PASSWORD = "mat-khau-demo"
MODELS = (Unit, User, Task, Assignment, Event, Evidence)
OPEN_DATA_TASK = "Xây dựng kế hoạch cung cấp dữ liệu mở"
FEES_TASK = "Ban hành chính sách giảm, miễn phí, lệ phí sử dụng dịch vụ công trực tuyến"
ONLINE_SERVICES_TASK = (
    "Công bố danh mục thủ tục hành chính đủ điều kiện cung cấp dịch vụ công trực tuyến toàn trình"
)
# "còn 15 bộ, ngành, địa phương chưa ban hành danh mục CSDL": which ones the demo's seed picks.
CATALOGUE_NOT_ISSUED = {
    "Bộ Giao thông vận tải",
    "Bộ Ngoại giao",
    "Bộ Tài chính",
    "Bộ Văn hóa, Thể thao và Du lịch",
    "Bộ Xây dựng",
    "Bộ Y tế",
    "Thành phố Cần Thơ",
    "Tỉnh Hòa Bình",
    "Tỉnh Lào Cai",
    "Tỉnh Nghệ An",
    "Tỉnh Thanh Hóa",
    "Tỉnh Thái Nguyên",
    "Tỉnh Vĩnh Phúc",
    "Tỉnh Đồng Nai",
    "Tỉnh Đồng Tháp",
}


def _row_counts() -> dict[str, int]:
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def _states(title: str) -> list[tuple[str, str, str]]:
    """Return (group, unit name, state) of every assignment of the task titled ``title``."""
    rows = db.session.execute(
        select(Unit.group, Unit.name, Assignment.state)
        .join(Assignment.unit)
        .join(Assignment.task)
        .where(Task.title == title)
    )
    return [tuple(r) for r in rows]


def _snapshot() -> list[tuple]:
    """Return every assignment with its history and evidence, keyed by natural keys."""
    rows = []
    for a in _assignments():
        rows.append(
            (
                a.task.title,
                a.unit.code,
                a.role,
                a.state,
                a.due_date,
                a.submitted_on,
                a.completed_at,
                a.updated_at,
                tuple(
                    (e.at, e.kind, e.from_state, e.to_state, e.actor.email, e.note)
                    for e in a.events
                ),
                tuple((v.doc_number, v.doc_date, v.signer, v.summary) for v in a.evidence),
            )
        )
    return sorted(rows)


def _assignments() -> list[Assignment]:
    """Return every assignment with its task, unit, history (and actors) and evidence."""
    return db.session.scalars(
        select(Assignment).options(
            selectinload(Assignment.task),
            selectinload(Assignment.unit),
            selectinload(Assignment.events).selectinload(Event.actor),
            selectinload(Assignment.evidence),
        )
    ).all()


def _delete_assignments(where) -> None:
    ids = select(Assignment.id).where(where).scalar_subquery()
    db.session.execute(delete(Event).where(Event.assignment_id.in_(ids)))
    db.session.execute(delete(Evidence).where(Evidence.assignment_id.in_(ids)))
    db.session.execute(delete(AssignmentRevision).where(AssignmentRevision.assignment_id.in_(ids)))
    db.session.execute(delete(Assignment).where(Assignment.id.in_(ids)))


def test_a_fresh_load_creates_the_units_people_and_tasks_of_2024(ctx, settings):
    report = load_demo(password=PASSWORD, settings=settings)

    groups = Counter(db.session.scalars(select(Unit.group)))
    assert groups == {UnitGroup.CENTRAL: 23, UnitGroup.LOCAL: 63}
    assert db.session.scalar(select(func.count()).select_from(Task)) == 12
    roles = Counter(db.session.scalars(select(User.role)))
    assert roles == {"admin": 1, "coordinator": 2, "viewer": 1, "focal_point": 86}
    assert report.created == {
        "units": 86,
        "users": 90,
        "tasks": 12,
        "assignments": 671,
        "events": _row_counts()["event"],
        "evidence": _row_counts()["evidence"],
    }
    assert report.summary().startswith("Created 86 units, 90 users, 12 tasks, 671 assignments")
    hue = db.session.scalar(select(Unit).where(Unit.code == "46"))
    assert (hue.name, hue.kind, hue.valid_from, hue.valid_to) == (
        "Tỉnh Thừa Thiên Huế",
        "province",
        None,
        None,
    )
    assert hue.head_email == "lanhdao.thua-thien-hue@example.org"
    bhxh = db.session.scalar(select(Unit).where(Unit.code == "BHXH"))
    assert (bhxh.kind, bhxh.group) == ("government_agency", "central")


def test_every_unit_has_exactly_one_focal_point(ctx, settings):
    load_demo(password=PASSWORD, settings=settings)

    focal = Counter(db.session.scalars(select(User.unit_id).where(User.role == Role.FOCAL_POINT)))
    unit_ids = set(db.session.scalars(select(Unit.id)))
    assert set(focal) == unit_ids
    assert set(focal.values()) == {1}
    btttt = db.session.scalar(select(User).where(User.email == "dm.btttt@example.org"))
    assert (btttt.unit.code, btttt.name, btttt.language) == (
        "BTTTT",
        "Đầu mối Bộ Thông tin và Truyền thông",
        "vi",
    )
    assert db.session.scalar(select(User.unit_id).where(User.email == "dm.ha-noi@example.org"))


def test_demo_users_sign_in_with_the_demo_password(ctx, settings):
    report = load_demo(password=PASSWORD, settings=settings)

    emails = [email for email, _ in report.sample_logins]
    method = settings.password_method
    assert emails[:6] == [
        "admin@example.org",
        "dieuphoi1@example.org",
        "dieuphoi2@example.org",
        "lanhdao@example.org",
        "dm.btttt@example.org",
        "dm.ha-noi@example.org",
    ]
    for email in emails:
        assert authenticate(email, PASSWORD, now=NOW, method=method) is not None, email
    assert authenticate("admin@example.org", "wrong", now=NOW, method=method) is None
    users = db.session.scalars(select(User)).all()
    (shared_hash,) = {u.password_hash for u in users}  # hashed once: scrypt is slow
    assert check_password_hash(shared_hash, PASSWORD)
    assert len({u.session_token for u in users}) == len(users)


def test_a_sample_login_is_a_province_that_has_not_issued_the_catalogue(ctx, settings):
    report = load_demo(password=PASSWORD, settings=settings)

    laggard_email, role = report.sample_logins[-1]
    assert role == "focal_point"
    user = db.session.scalar(select(User).where(User.email == laggard_email))
    assert user.unit.group == UnitGroup.LOCAL
    assert user.unit.name in CATALOGUE_NOT_ISSUED


def test_a_second_load_creates_nothing(ctx, settings, query_counter):
    first = load_demo(password=PASSWORD, settings=settings)
    before = _row_counts()

    with query_counter() as statements:
        second = load_demo(password=PASSWORD, settings=settings)

    assert _row_counts() == before
    assert set(second.created.values()) == {0}
    assert second.summary() == "Nothing to do: the demo is already loaded"
    assert second.sample_logins == first.sample_logins
    assert len(statements) <= 6  # a lookup per kind of row, none per row


def test_a_partly_loaded_demo_is_completed_with_the_same_rows(ctx, settings):
    load_demo(password=PASSWORD, settings=settings)
    original = _snapshot()
    catalogue = select(Task.id).where(Task.title == CATALOGUE_TASK).scalar_subquery()
    _delete_assignments(Assignment.task_id == catalogue)
    db.session.execute(delete(User).where(User.email == "lanhdao@example.org"))
    db.session.commit()

    report = load_demo(password=PASSWORD, settings=settings)

    assert report.created["assignments"] == 86
    assert report.created["users"] == 1
    assert (report.created["units"], report.created["tasks"]) == (0, 0)
    assert _snapshot() == original


def test_two_fresh_loads_are_identical(ctx, settings):
    load_demo(password=PASSWORD, settings=settings)
    first = _snapshot()
    _delete_assignments(Assignment.id.is_not(None))
    for model in (Task, User, Unit):
        db.session.execute(delete(model))
    db.session.commit()

    load_demo(password=PASSWORD, settings=settings)

    assert _snapshot() == first


def test_catalogue_counts_are_the_reports_17_bodies_and_54_provinces(ctx, settings):
    load_demo(password=PASSWORD, settings=settings)

    rows = _states(CATALOGUE_TASK)
    done = Counter(group for group, _, state in rows if state == "completed")
    assert done == {UnitGroup.CENTRAL: 17, UnitGroup.LOCAL: 54}
    not_done = {name for _, name, state in rows if state != "completed"}
    assert not_done == CATALOGUE_NOT_ISSUED
    assert {state for _, _, state in rows if state != "completed"} == {"assigned", "in_progress"}


def test_open_data_plans_are_56_done_and_30_not(ctx, settings):
    load_demo(password=PASSWORD, settings=settings)

    states = Counter(state for _, _, state in _states(OPEN_DATA_TASK))
    assert states["completed"] == 56
    assert sum(states.values()) - states["completed"] == 30
    assert states["submitted"] == 2


def test_fee_policies_are_63_of_63_and_online_services_18_of_23_ministries(ctx, settings):
    load_demo(password=PASSWORD, settings=settings)

    fees = _states(FEES_TASK)
    assert len(fees) == 63
    assert {(group, state) for group, _, state in fees} == {(UnitGroup.LOCAL, "completed")}
    services = _states(ONLINE_SERVICES_TASK)
    assert {group for group, _, _ in services} == {UnitGroup.CENTRAL}
    assert Counter(state == "completed" for _, _, state in services) == {True: 18, False: 5}


def test_most_completions_are_on_time_and_a_few_are_late(ctx, settings):
    load_demo(password=PASSWORD, settings=settings)

    late = Counter(
        db.session.scalars(
            select(Task.title)
            .join(Task.assignments)
            .where(Assignment.state == "completed", Assignment.submitted_on > Assignment.due_date)
        )
    )
    assert late == {ONLINE_SERVICES_TASK: 4, FEES_TASK: 5}


def test_deadlines_are_parsed_from_the_reports_wording(ctx, settings):
    load_demo(password=PASSWORD, settings=settings)

    tasks = {t.deadline_wording: t for t in db.session.scalars(select(Task))}
    assert tasks["trước ngày 20/7/2024"].deadline == date(2024, 7, 19)
    assert tasks["Quý II/2024"].deadline == date(2024, 6, 30)
    assert tasks["tháng 9/2024"].deadline == date(2024, 9, 30)
    mismatched = db.session.scalar(
        select(func.count())
        .select_from(Assignment)
        .join(Assignment.task)
        .where(
            (Assignment.due_date != Task.deadline) | (Assignment.original_due_date != Task.deadline)
        )
    )
    assert mismatched == 0
    priority = {t.title for t in db.session.scalars(select(Task).where(Task.priority))}
    assert CATALOGUE_TASK in priority and OPEN_DATA_TASK in priority
    assert len(priority) == 6


def test_reported_assignments_have_evidence_and_dates_by_30_june(ctx, settings):
    load_demo(password=PASSWORD, settings=settings)
    end = clock.end_of_day(AS_OF)

    for a in _assignments():
        if a.state in ("completed", "submitted"):
            assert len(a.evidence) == 1, (a.task.title, a.unit.code)
            evidence = a.evidence[0]
            assert evidence.doc_number and evidence.signer and evidence.summary
            assert evidence.files == []
            assert evidence.doc_date <= a.submitted_on <= AS_OF
        else:
            assert (a.evidence, a.submitted_on) == ([], None)
        if a.state == "completed":
            assert clock.local_date(a.completed_at) >= a.submitted_on
            assert a.completed_at <= end
        else:
            assert a.completed_at is None
    ministry = db.session.scalars(
        select(Evidence.doc_number)
        .join(Evidence.assignment)
        .join(Assignment.unit)
        .where(Unit.code == "BTTTT")
    ).first()
    assert ministry.endswith("-BTTTT")


def test_histories_lead_to_each_state_and_every_datetime_is_aware(ctx, settings):
    load_demo(password=PASSWORD, settings=settings)
    end = clock.end_of_day(AS_OF)
    allowed = {(src, target) for sources, target in TRANSITIONS.values() for src in sources}

    for a in _assignments():
        events = a.events
        assert (events[0].kind, events[0].to_state) == ("assigned", "assigned")
        assert events[0].at == a.task.created_at == a.created_at
        state = "assigned"
        for e in events[1:]:
            assert e.actor_id is not None
            if e.kind == "state":
                assert e.from_state == state and (state, e.to_state) in allowed
                state = e.to_state
            else:
                assert (e.kind, e.from_state, e.to_state) == ("note", None, None)
                assert e.note
        assert state == a.state
        ats = [e.at for e in events]
        assert ats == sorted(ats) and ats[-1] <= end
        assert a.updated_at == ats[-1]

    for model in MODELS:
        for row in db.session.scalars(select(model)):
            for column in model.__table__.columns:
                value = getattr(row, column.key)
                if isinstance(value, datetime):
                    assert value.tzinfo is not None, (model.__name__, column.key)


def test_the_demo_command_prints_the_password_and_logins_twice(runner, app):
    first = runner.invoke(args=["demo"])

    assert first.exit_code == 0, first.output
    assert "Created 86 units, 90 users, 12 tasks, 671 assignments" in first.output
    assert app.config["DEMO_PASSWORD"] in first.output
    for email in ("admin@example.org", "dieuphoi1@example.org", "dm.btttt@example.org"):
        assert email in first.output

    second = runner.invoke(args=["demo"])

    assert second.exit_code == 0, second.output
    assert "Nothing to do: the demo is already loaded" in second.output
    assert "dm.ha-noi@example.org" in second.output
