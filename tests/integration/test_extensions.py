"""Extensions: requests, decisions and direct changes of the due date in force."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Assignment, Event, ExtensionRequest
from tracker.services.assignments import due_dates
from tracker.services.assignments import workflow as assignments
from tracker.services.errors import NotAllowed, NotFound, ServiceError, StaleEdit

NOW = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)  # 01/07/2024 in Hà Nội
TODAY = date(2024, 7, 1)
LATER = datetime(2024, 7, 3, 3, 0, tzinfo=UTC)
DUE = date(2024, 7, 5)


@pytest.fixture
def world(make, settings):
    unit, other = make.unit(), make.unit()
    task = make.task(deadline=DUE)
    return {
        "a": make.assignment(task, unit, state="in_progress"),
        "other": make.assignment(task, other),
        "focal": make.user("focal_point", unit_id=unit.id),
        "other_focal": make.user("focal_point", unit_id=other.id),
        "coordinator": make.user("coordinator"),
        "viewer": make.user("viewer"),
        "settings": settings,
    }


def _fresh(assignment_id: int) -> Assignment:
    db.session.expire_all()
    return db.session.get(Assignment, assignment_id)


def _kinds(assignment_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Event.kind).where(Event.assignment_id == assignment_id).order_by(Event.id)
        )
    )


def _requests() -> int:
    return db.session.scalar(select(func.count()).select_from(ExtensionRequest))


def _ask(world, new_due=date(2024, 7, 31), reason="Chờ ý kiến Bộ", who="focal"):
    return due_dates.request_extension(world["a"].id, world[who], NOW, new_due, reason, today=TODAY)


def test_approval_moves_the_due_date_and_keeps_the_original(world):
    request = _ask(world)
    assert request.state == "pending" and request.current_due == DUE
    due_dates.approve(request.id, world["coordinator"], LATER, "Đồng ý")
    a = _fresh(world["a"].id)
    assert (a.due_date, a.original_due_date) == (date(2024, 7, 31), DUE)
    request = db.session.get(ExtensionRequest, request.id)
    assert (request.state, request.decided_by_id, request.decided_at, request.decision_note) == (
        "approved",
        world["coordinator"].id,
        LATER,
        "Đồng ý",
    )
    assert _kinds(a.id) == ["extension_requested", "due_changed", "extension_approved"]
    due_changed = db.session.scalar(select(Event).where(Event.kind == "due_changed"))
    assert due_changed.data["old"] == "2024-07-05" and due_changed.data["new"] == "2024-07-31"


@pytest.mark.parametrize(
    ("new_due", "reason", "message"),
    [
        (DUE, "x", "after the current due date"),
        (date(2024, 7, 1), "x", "after the current due date"),
        (date(2024, 7, 31), "   ", "Say why"),
    ],
)
def test_bad_requests_are_refused_and_record_nothing(world, new_due, reason, message):
    with pytest.raises(ServiceError, match=message):
        _ask(world, new_due, reason)
    assert _requests() == 0 and _kinds(world["a"].id) == []


def test_a_new_date_in_the_past_is_refused(make):
    unit = make.unit()
    a = make.assignment(make.task(deadline=date(2024, 6, 1)), unit)
    focal = make.user("focal_point", unit_id=unit.id)
    with pytest.raises(ServiceError, match="past"):
        due_dates.request_extension(a.id, focal, NOW, date(2024, 6, 20), "Trễ", today=TODAY)
    assert _requests() == 0


def test_only_one_request_waits_at_a_time(world):
    _ask(world)
    with pytest.raises(ServiceError, match="already waiting"):
        _ask(world, date(2024, 8, 15))
    assert _requests() == 1


@pytest.mark.parametrize(
    ("who", "error"),
    [("other_focal", NotFound), ("coordinator", NotAllowed), ("viewer", NotAllowed)],
)
def test_only_the_units_focal_point_may_ask(world, who, error):
    with pytest.raises(error):
        _ask(world, who=who)
    assert _requests() == 0


@pytest.mark.parametrize("who", ["focal", "other_focal", "viewer"])
def test_only_coordinators_decide(world, who):
    request = _ask(world)
    with pytest.raises(NotAllowed):
        due_dates.approve(request.id, world[who], LATER)
    with pytest.raises(NotAllowed):
        due_dates.reject(request.id, world[who], LATER, "Không")
    with pytest.raises(NotAllowed):
        due_dates.change_due_date(world["a"].id, world[who], LATER, 1, date(2024, 9, 1), "x")
    assert _fresh(world["a"].id).due_date == DUE
    assert db.session.get(ExtensionRequest, request.id).state == "pending"


def test_rejection_needs_a_reason_and_keeps_the_due_date(world):
    request = _ask(world)
    with pytest.raises(ServiceError, match="Say why"):
        due_dates.reject(request.id, world["coordinator"], LATER, " ")
    assert db.session.get(ExtensionRequest, request.id).state == "pending"
    due_dates.reject(request.id, world["coordinator"], LATER, "Không đủ căn cứ")
    db.session.expire_all()
    request = db.session.get(ExtensionRequest, request.id)
    assert (request.state, request.decision_note) == ("rejected", "Không đủ căn cứ")
    assert _fresh(world["a"].id).due_date == DUE
    assert _kinds(world["a"].id) == ["extension_requested", "extension_rejected"]
    _ask(world, date(2024, 7, 20))  # a new request is possible once decided


def test_a_decided_request_cannot_be_decided_again(world):
    request = _ask(world)
    due_dates.approve(request.id, world["coordinator"], LATER)
    with pytest.raises(StaleEdit):
        due_dates.reject(request.id, world["coordinator"], LATER, "Thôi")
    with pytest.raises(NotFound):
        due_dates.approve(999_999, world["coordinator"], LATER)


def test_approval_is_refused_when_it_would_not_extend(world):
    request = _ask(world, date(2024, 7, 20))
    due_dates.change_due_date(world["a"].id, world["coordinator"], NOW, 1, date(2024, 8, 1), "x")
    with pytest.raises(ServiceError, match="would not extend"):
        due_dates.approve(request.id, world["coordinator"], LATER)
    assert _fresh(world["a"].id).due_date == date(2024, 8, 1)


def test_approval_is_refused_once_the_assignment_is_closed(world):
    request = _ask(world)
    assignments.mark_not_applicable(world["a"].id, world["coordinator"], NOW, 1, "Không áp dụng")
    with pytest.raises(ServiceError, match="no longer open"):
        due_dates.approve(request.id, world["coordinator"], LATER)


def test_coordinator_changes_a_due_date_directly_with_a_reason(world):
    a = world["a"]
    with pytest.raises(ServiceError, match="Say why"):
        due_dates.change_due_date(a.id, world["coordinator"], NOW, 1, date(2024, 9, 1), "")
    with pytest.raises(ServiceError, match="already the due date"):
        due_dates.change_due_date(a.id, world["coordinator"], NOW, 1, DUE, "x")
    due_dates.change_due_date(a.id, world["coordinator"], NOW, 1, date(2024, 9, 1), "Luật mới")
    a = _fresh(a.id)
    assert (a.due_date, a.original_due_date, a.version) == (date(2024, 9, 1), DUE, 2)
    with pytest.raises(StaleEdit):
        due_dates.change_due_date(a.id, world["coordinator"], NOW, 1, date(2024, 9, 2), "x")
    assert _fresh(a.id).due_date == date(2024, 9, 1)


def test_an_approved_extension_turns_a_late_report_into_an_on_time_one(world):
    from tracker.domain.calendar import WorkCalendar
    from tracker.domain.days_off import RollRule
    from tracker.services.status_sql import status_of

    request = _ask(world)
    late = datetime(2024, 7, 10, 3, 0, tzinfo=UTC)
    assignments.submit_completion(
        world["a"].id, world["focal"], late, 1, "1/BC", None, "", "", [], settings=world["settings"]
    )
    a = _fresh(world["a"].id)
    assert status_of(a, date(2024, 7, 10), WorkCalendar(), 3, RollRule()).status == "overdue"
    due_dates.approve(request.id, world["coordinator"], late)
    a = _fresh(world["a"].id)
    assert status_of(a, date(2024, 7, 10), WorkCalendar(), 3, RollRule()).status == "on_track"
    assert a.original_due_date == DUE
