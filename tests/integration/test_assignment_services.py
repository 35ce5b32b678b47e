"""The assignment workflow services against a real database: who may do what, what is
recorded, and that every refusal changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from support.units import hanoi_city, hue_province

from tracker.extensions import db
from tracker.models import Assignment, Event, Evidence
from tracker.services.assignments import pages as assignment_pages
from tracker.services.assignments import workflow as assignments
from tracker.services.errors import NotAllowed, NotFound, ServiceError, StaleEdit

# 10:00 in Hà Nội on 01/07/2024 (the tests' fixed TODAY).
NOW = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)
LATER = datetime(2024, 7, 10, 3, 0, tzinfo=UTC)


@pytest.fixture
def world(make, settings):
    hanoi, hue = hanoi_city(make), hue_province(make)
    task = make.task(deadline=date(2024, 7, 5))
    return {
        "a": make.assignment(task, hanoi),
        "other": make.assignment(task, hue),
        "focal": make.user("focal_point", unit_id=hanoi.id),
        "hue_focal": make.user("focal_point", unit_id=hue.id),
        "coordinator": make.user("coordinator"),
        "admin": make.user("admin"),
        "viewer": make.user("viewer"),
        "settings": settings,
    }


def _fresh(assignment_id: int) -> Assignment:
    db.session.expire_all()
    return db.session.get(Assignment, assignment_id)


def _events(assignment_id: int) -> list[Event]:
    return list(
        db.session.scalars(
            select(Event).where(Event.assignment_id == assignment_id).order_by(Event.id)
        )
    )


def _submit(world, actor=None, version=1, **fields):
    values = {"doc_number": "123/QĐ-UBND", "doc_date": date(2024, 6, 28), "signer": "Chủ tịch"}
    values.update(fields)
    return assignments.submit_completion(
        world["a"].id,
        actor or world["focal"],
        NOW,
        version,
        doc_number=values["doc_number"],
        doc_date=values["doc_date"],
        signer=values["signer"],
        summary=values.get("summary", "Ban hành kế hoạch"),
        files=values.get("files", []),
        settings=world["settings"],
    )


def test_focal_point_starts_and_the_change_is_recorded(world):
    a = world["a"]
    assignments.start(a.id, world["focal"], NOW, 1)
    a = _fresh(a.id)
    assert a.state == "in_progress" and a.version == 2
    (event,) = _events(a.id)
    assert (event.kind, event.from_state, event.to_state) == ("started", "assigned", "in_progress")
    assert event.actor_id == world["focal"].id and event.at == NOW
    assert (event.task_id, event.unit_id) == (a.task_id, a.unit_id)


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("hue_focal", NotFound),
        ("coordinator", NotAllowed),
        ("viewer", NotAllowed),
    ],
)
def test_only_the_units_focal_point_may_start_or_submit(world, who, error):
    a = world["a"]
    with pytest.raises(error):
        assignments.start(a.id, world[who], NOW, 1)
    with pytest.raises(error):
        _submit(world, actor=world[who])
    assert _fresh(a.id).state == "assigned"
    assert _events(a.id) == []


def test_submission_records_evidence_and_the_local_submission_date(world):
    a = world["a"]
    late_evening = datetime(2024, 7, 5, 16, 30, tzinfo=UTC)  # 23:30 on 05/07 in Hà Nội
    assignments.submit_completion(
        a.id,
        world["focal"],
        late_evening,
        1,
        "45/KH-UBND",
        None,
        "",
        "Kế hoạch",
        [],
        settings=world["settings"],
    )
    a = _fresh(a.id)
    assert a.state == "submitted"
    assert a.submitted_on == date(2024, 7, 5)
    (doc,) = db.session.scalars(select(Evidence).where(Evidence.assignment_id == a.id))
    assert doc.doc_number == "45/KH-UBND" and doc.uploaded_by_id == world["focal"].id
    kinds = [(e.kind, e.from_state, e.to_state) for e in _events(a.id)]
    assert kinds == [("submitted", "assigned", "submitted"), ("evidence_added", None, None)]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"doc_number": "  ", "files": []}, "document's number or attach"),
        ({"doc_date": date(2024, 7, 2)}, "cannot be in the future"),
        ({"doc_number": "x" * 101}, "too long"),
    ],
)
def test_bad_evidence_is_refused_and_changes_nothing(world, fields, message):
    a = world["a"]
    with pytest.raises(ServiceError, match=message):
        _submit(world, **fields)
    assert _fresh(a.id).state == "assigned"
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0
    assert _events(a.id) == []


def test_stale_version_is_refused_and_nothing_is_overwritten(world):
    a = world["a"]
    assignments.start(a.id, world["focal"], NOW, 1)
    with pytest.raises(StaleEdit):
        _submit(world, version=1)
    assert _fresh(a.id).state == "in_progress"
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_a_note_changes_nobody_elses_version(world):
    a = world["a"]
    assignments.add_note(a.id, world["focal"], NOW, "Đang dự thảo")
    assignments.add_note(a.id, world["coordinator"], NOW, "Đề nghị khẩn trương")
    assert _fresh(a.id).version == 1
    assert [e.note for e in _events(a.id)] == ["Đang dự thảo", "Đề nghị khẩn trương"]


@pytest.mark.parametrize(("who", "error"), [("viewer", NotAllowed), ("hue_focal", NotFound)])
def test_notes_are_refused_to_viewers_and_other_units(world, who, error):
    with pytest.raises(error):
        assignments.add_note(world["a"].id, world[who], NOW, "x")
    with pytest.raises(ServiceError, match="Write the note"):
        assignments.add_note(world["a"].id, world["focal"], NOW, "   ")
    assert _events(world["a"].id) == []


@pytest.mark.parametrize(
    ("submitted_at", "confirmed_at", "late"),
    [
        (datetime(2024, 7, 5, 9, 0, tzinfo=UTC), datetime(2024, 7, 20, 3, tzinfo=UTC), False),
        (datetime(2024, 7, 5, 17, 30, tzinfo=UTC), datetime(2024, 7, 6, 3, tzinfo=UTC), True),
    ],
)
def test_on_time_or_late_is_judged_by_the_submission_date(world, submitted_at, confirmed_at, late):
    from tracker.domain.calendar import WorkCalendar
    from tracker.domain.days_off import RollRule
    from tracker.services.status_sql import status_of

    a = world["a"]
    assignments.submit_completion(
        a.id, world["focal"], submitted_at, 1, "1/KH", None, "", "", [], settings=world["settings"]
    )
    assignments.confirm(a.id, world["coordinator"], confirmed_at, 2)
    a = _fresh(a.id)
    assert a.state == "completed" and a.completed_at == confirmed_at
    status = status_of(a, date(2024, 8, 1), WorkCalendar(), 3, RollRule())
    assert status.status == ("completed_late" if late else "completed_on_time")


def test_return_needs_a_reason_and_the_unit_can_submit_again(world):
    a = world["a"]
    _submit(world)
    with pytest.raises(ServiceError, match="Say why"):
        assignments.return_submission(a.id, world["coordinator"], LATER, 2, "  ")
    assert _fresh(a.id).state == "submitted"
    assignments.return_submission(a.id, world["coordinator"], LATER, 2, "Thiếu chữ ký")
    a = _fresh(a.id)
    assert (a.state, a.return_reason, a.returned_at, a.submitted_on) == (
        "in_progress",
        "Thiếu chữ ký",
        LATER,
        None,
    )
    assert _events(a.id)[-1].note == "Thiếu chữ ký"
    _submit(world, version=3)
    a = _fresh(a.id)
    assert (a.state, a.return_reason, a.returned_at) == ("submitted", "", None)


@pytest.mark.parametrize("who", ["focal", "hue_focal", "viewer"])
def test_only_coordinators_confirm_return_and_close(world, who):
    a = world["a"]
    _submit(world)
    actor = world[who]
    calls = [
        lambda: assignments.confirm(a.id, actor, LATER, 2),
        lambda: assignments.return_submission(a.id, actor, LATER, 2, "x"),
        lambda: assignments.mark_not_applicable(a.id, actor, LATER, 2, "x"),
        lambda: assignments.bulk_confirm([a.id], actor, LATER),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call()
    assert _fresh(a.id).state == "submitted"


def test_confirming_from_the_wrong_state_is_refused(world):
    with pytest.raises(ServiceError, match="current state"):
        assignments.confirm(world["a"].id, world["coordinator"], NOW, 1)
    assert _fresh(world["a"].id).state == "assigned"


def test_bulk_confirm_skips_and_reports_what_is_no_longer_submitted(world, make):
    a, other = world["a"], world["other"]
    _submit(world)
    third = make.assignment(make.task(), make.unit(), state="submitted")
    result = assignments.bulk_confirm(
        [a.id, other.id, third.id, 999_999],
        world["admin"],
        LATER,
        versions={a.id: 2, third.id: 7},
    )
    assert [x.id for x in result.confirmed] == [a.id]
    assert result.skipped == [other.id, third.id, 999_999]
    assert _fresh(a.id).state == "completed"
    assert _fresh(other.id).state == "assigned"
    assert _fresh(third.id).state == "submitted"


def test_not_applicable_and_reopen_need_reasons_and_are_recorded(world):
    a = world["a"]
    with pytest.raises(ServiceError):
        assignments.mark_not_applicable(a.id, world["coordinator"], NOW, 1, "")
    assignments.mark_not_applicable(a.id, world["coordinator"], NOW, 1, "Không có đối tượng")
    with pytest.raises(ServiceError):
        assignments.reopen(a.id, world["coordinator"], LATER, 2, " ")
    assignments.reopen(a.id, world["coordinator"], LATER, 2, "Có đối tượng mới")
    a = _fresh(a.id)
    assert a.state == "in_progress"
    assert [(e.kind, e.to_state, e.note) for e in _events(a.id)] == [
        ("not_applicable", "not_applicable", "Không có đối tượng"),
        ("reopened", "in_progress", "Có đối tượng mới"),
    ]


def test_actions_offered_match_role_and_state(world):
    a = world["a"]
    assert assignment_pages.actions_for(world["focal"], a, False) == {
        "start",
        "submit",
        "note",
        "request_extension",
    }
    assert assignment_pages.actions_for(world["focal"], a, True) == {"start", "submit", "note"}
    assert assignment_pages.actions_for(world["hue_focal"], a, False) == set()
    assert assignment_pages.actions_for(world["viewer"], a, False) == set()
    assert assignment_pages.actions_for(world["coordinator"], a, True) == {
        "mark_not_applicable",
        "note",
        "change_due",
        "decide_extension",
    }
