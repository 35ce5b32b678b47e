"""Giving tasks to units and taking them back, against a real database (both backends)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from support.units import finance_ministry, ha_tay_province, hanoi_city, health_ministry

from tracker.domain.deadlines import parse_deadline
from tracker.extensions import db
from tracker.models import Assignment, Event, Evidence, ExtensionRequest, Reminder, UnitKind
from tracker.services.errors import NotAllowed, NotFound, ServiceError
from tracker.services.tasks import assigning as ta
from tracker.services.tasks import removing

NOW = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _events(kind: str) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def _selection(**kw) -> ta.UnitSelection:
    return ta.UnitSelection(**{k: frozenset(v) for k, v in kw.items()})


@pytest.fixture
def coordinator(make):
    return make.user("coordinator")


@pytest.fixture
def task(make):
    made = make.task(title="Kế hoạch kiểm tra", deadline=date(2024, 9, 30))
    db.session.commit()
    return made


@pytest.fixture
def country(make):
    """Three active provinces, one inactive, a city, two ministries and an agency."""
    return {
        "provinces": [make.unit(name=f"Tỉnh {n}") for n in ("Bắc Giang", "An Giang", "Cà Mau")],
        "old": ha_tay_province(make),
        "city": hanoi_city(make),
        "ministries": [health_ministry(make), finance_ministry(make)],
        "agency": make.unit(name="Bảo hiểm xã hội Việt Nam", kind=UnitKind.GOVERNMENT_AGENCY),
    }


@pytest.mark.parametrize(
    "selection, expected",
    [
        ({"groups": {"local"}}, 4),
        ({"groups": {"central"}}, 3),
        ({"kinds": {"ministry"}}, 2),
        ({"kinds": {"province"}, "groups": {"central"}}, 6),
        ({"groups": {"local", "central"}}, 7),
    ],
)
def test_groups_and_kinds_select_every_active_unit_in_them(
    make, coordinator, country, task, selection, expected
):
    result = ta.assign_units(task.id, _selection(**selection), actor=coordinator, now=NOW)
    assert result.created == expected and result.skipped == []
    assert _count(Assignment, Assignment.unit_id == country["old"].id) == 0


def test_assigning_creates_assigned_rows_with_the_due_date_and_one_event_each(
    make, coordinator, country, task
):
    ta.assign_units(
        task.id, _selection(groups={"local"}), actor=coordinator, now=NOW, role="support"
    )
    rows = list(db.session.scalars(select(Assignment).where(Assignment.task_id == task.id)))
    assert len(rows) == 4
    for a in rows:
        assert (a.state, a.role, a.due_date, a.original_due_date, a.version) == (
            "assigned",
            "support",
            date(2024, 9, 30),
            date(2024, 9, 30),
            1,
        )
    events = _events("assigned")
    assert sorted(e.assignment_id for e in events) == sorted(a.id for a in rows)
    assert all(e.to_state == "assigned" and e.actor_id == coordinator.id for e in events)
    assert all(e.task_id == task.id for e in events)


@pytest.mark.parametrize(
    "phrase, due",
    [("31/12/2024", date(2024, 12, 31)), ("thường xuyên", None), (None, date(2024, 9, 30))],
)
def test_a_batch_can_have_its_own_due_date(make, coordinator, country, task, phrase, due):
    deadline = parse_deadline(phrase) if phrase else None
    ta.assign_units(
        task.id, _selection(kinds={"ministry"}), actor=coordinator, now=NOW, deadline=deadline
    )
    dues = set(db.session.scalars(select(Assignment.due_date)))
    assert dues == {due}


def test_preview_counts_new_and_existing_units_and_changes_nothing(
    make, coordinator, country, task
):
    ta.assign_units(task.id, _selection(kinds={"ministry"}), actor=coordinator, now=NOW)
    before = (_count(Assignment), _count(Event))
    preview = ta.preview_assignment(task.id, _selection(groups={"central"}), actor=coordinator)
    assert [u.name for u in preview.new] == ["Bảo hiểm xã hội Việt Nam"]
    assert sorted(u.name for u in preview.existing) == ["Bộ Tài chính", "Bộ Y tế"]
    assert preview.due == date(2024, 9, 30)
    assert (_count(Assignment), _count(Event)) == before


def test_units_that_already_have_the_task_are_skipped(make, coordinator, country, task):
    ta.assign_units(task.id, _selection(kinds={"province"}), actor=coordinator, now=NOW)
    result = ta.assign_units(task.id, _selection(groups={"local"}), actor=coordinator, now=NOW)
    assert result.created == 1 and len(result.skipped) == 3
    with pytest.raises(ServiceError):
        ta.assign_units(task.id, _selection(groups={"local"}), actor=coordinator, now=NOW)
    assert _count(Assignment) == 4 and _count(Event, Event.kind == "assigned") == 4


def test_a_unit_assigned_concurrently_is_skipped_not_an_integrity_error(
    make, coordinator, country, task, monkeypatch
):
    city = country["city"]
    ta.assign_units(task.id, _selection(unit_ids={city.id}), actor=coordinator, now=NOW)
    # As if another coordinator's insert landed between our check and our insert.
    monkeypatch.setattr(ta, "_split", lambda _task, units: (units, []))
    result = ta.assign_units(task.id, _selection(groups={"local"}), actor=coordinator, now=NOW)
    assert result.created == 3 and [u.name for u in result.skipped] == ["Thành phố Hà Nội"]
    assert _count(Assignment) == 4 and _count(Event, Event.kind == "assigned") == 4


@pytest.mark.parametrize("which", ["inactive", "unknown", "empty", "bad_group"])
def test_unknown_inactive_or_empty_choices_are_refused(make, coordinator, country, task, which):
    good = country["provinces"][0].id
    selection = {
        "inactive": _selection(unit_ids={good, country["old"].id}),
        "unknown": _selection(unit_ids={good, 999_999}),
        "empty": _selection(),
        "bad_group": _selection(groups={"everyone"}),
    }[which]
    with pytest.raises(ServiceError):
        ta.assign_units(task.id, selection, actor=coordinator, now=NOW)
    assert _count(Assignment) == 0 and _count(Event, Event.kind == "assigned") == 0


@pytest.mark.parametrize("role", ["viewer", "focal_point"])
def test_only_coordinators_assign_and_remove(make, coordinator, country, task, role):
    assignment = make.assignment(task, country["city"])
    user = make.user(role, unit_id=country["city"].id if role == "focal_point" else None)
    db.session.commit()
    calls = [
        lambda: ta.assign_units(task.id, _selection(groups={"local"}), actor=user, now=NOW),
        lambda: ta.preview_assignment(task.id, _selection(groups={"local"}), actor=user),
        lambda: removing.remove_assignment(task.id, assignment.id, actor=user, now=NOW),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call()
    assert _count(Assignment) == 1


def test_removing_an_unstarted_assignment_keeps_its_history_in_the_audit_log(
    make, coordinator, country, task
):
    city = country["city"]
    ta.assign_units(task.id, _selection(unit_ids={city.id}), actor=coordinator, now=NOW)
    assignment_id = db.session.scalar(select(Assignment.id))
    unit = removing.remove_assignment(task.id, assignment_id, actor=coordinator, now=NOW)
    assert unit.name == "Thành phố Hà Nội"
    assert _count(Assignment) == 0
    [assigned] = _events("assigned")
    assert assigned.assignment_id is None and (assigned.task_id, assigned.unit_id) == (
        task.id,
        city.id,
    )
    [removed] = _events("assignment_removed")
    assert (removed.task_id, removed.unit_id, removed.actor_id) == (
        task.id,
        city.id,
        coordinator.id,
    )
    # The unit can be given the task again afterwards.
    assert (
        ta.assign_units(task.id, _selection(unit_ids={city.id}), actor=coordinator, now=NOW).created
        == 1
    )


def test_reminders_already_sent_stay_as_proof_after_removal(make, coordinator, country, task):
    assignment = make.assignment(task, country["city"])
    for state in ("sent", "queued"):
        db.session.add(
            Reminder(
                dedupe_key=f"{assignment.id}|hn@example.org|7|2024-09-30|{state}",
                kind="assignment",
                assignment_id=assignment.id,
                task_id=task.id,
                unit_id=country["city"].id,
                recipient="hn@example.org",
                stage="7",
                day=date(2024, 9, 30),
                state=state,
                claimed_at=NOW,
            )
        )
    db.session.commit()
    removing.remove_assignment(task.id, assignment.id, actor=coordinator, now=NOW)
    rows = db.session.execute(select(Reminder.assignment_id, Reminder.unit_id, Reminder.state))
    assert sorted(rows, key=lambda r: r.state) == [
        (None, country["city"].id, "cancelled"),
        (None, country["city"].id, "sent"),
    ]
    assert _count(Assignment) == 0


def _started(make, assignment, user):
    assignment.state = "in_progress"


def _noted(make, assignment, user):
    db.session.add(
        Event(
            assignment=assignment,
            task_id=assignment.task_id,
            unit_id=assignment.unit_id,
            actor_id=user.id,
            at=NOW,
            kind="note",
            note="Đang dự thảo",
        )
    )


def _evidence(make, assignment, user):
    db.session.add(Evidence(assignment_id=assignment.id, doc_number="12/QĐ-UBND"))


def _extension(make, assignment, user):
    db.session.add(
        ExtensionRequest(
            assignment_id=assignment.id,
            requested_by_id=user.id,
            requested_at=NOW,
            requested_due=date(2024, 12, 31),
            reason="Chờ ý kiến",
        )
    )


@pytest.mark.parametrize("trace", [_started, _noted, _evidence, _extension])
def test_an_assignment_the_unit_has_touched_cannot_be_removed(
    make, coordinator, country, task, trace
):
    assignment = make.assignment(task, country["city"])
    focal = make.user("focal_point", unit_id=country["city"].id)
    trace(make, assignment, focal)
    db.session.commit()
    assert removing.removable_ids([assignment.id]) == set()
    with pytest.raises(ServiceError) as refused:
        removing.remove_assignment(task.id, assignment.id, actor=coordinator, now=NOW)
    assert not isinstance(refused.value, (NotFound, NotAllowed))
    assert "Thành phố Hà Nội" in str(refused.value.message)
    assert _count(Assignment) == 1 and _events("assignment_removed") == []


def test_removal_goes_through_the_task_it_belongs_to(make, coordinator, country, task):
    other = make.task(title="Khác")
    assignment = make.assignment(task, country["city"])
    db.session.commit()
    with pytest.raises(NotFound):
        removing.remove_assignment(other.id, assignment.id, actor=coordinator, now=NOW)
    assert _count(Assignment) == 1
