"""Merging units: open assignments pass to the successor, history stays, reports follow."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from support.today import NOW

from tests.support.reorganisation import MERGER_DAY, merger_world
from tracker.domain.days_off import RollRule
from tracker.domain.localtime import local_date
from tracker.extensions import db
from tracker.models import (
    Assignment,
    AssignmentRevision,
    Event,
    ExtensionRequest,
    Reminder,
    Unit,
    User,
)
from tracker.services import history, status_sql
from tracker.services.calendar import load_calendar
from tracker.services.errors import NotAllowed, ServiceError, StaleEdit
from tracker.services.reorganisation.merging import merge_units, preview_plan
from tracker.services.reorganisation.plan import Merger, NewUnit, Plan

NEW = NewUnit(code="N1", name="Tỉnh Mới", kind="province")
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def w(make):
    ids = merger_world(make)
    db.session.commit()
    return ids


def _admin(w) -> User:
    return db.session.get(User, w["admin"])


def _merge(w, successor=NEW, day=MERGER_DAY, sources=None):
    sources = sources or [w["an"], w["binh"]]
    return merge_units(sources, successor, day, actor=_admin(w), now=NOW, zone=ZONE)


def _get(assignment_id: int) -> Assignment:
    return db.session.get(Assignment, assignment_id)


def _of(task_id: int, unit_id: int) -> Assignment | None:
    return db.session.scalar(select(Assignment).filter_by(task_id=task_id, unit_id=unit_id))


def test_merging_into_a_new_unit_moves_open_assignments_and_keeps_the_old_ones(w):
    result = _merge(w)

    (counts,) = result.mergers
    new = db.session.get(Unit, counts.successor.id)
    assert (new.code, new.name, new.valid_from, new.group, new.active) == (
        "N1",
        "Tỉnh Mới",
        MERGER_DAY,
        "local",
        True,
    )
    assert (counts.open_before, counts.moved, counts.merged, counts.users) == (3, 2, 1, 2)
    assert counts.by_task == {w["shared"]: [1, 1], w["report"]: [1, 0]}
    # Two open assignments met: the least advanced state, the earliest dates, the lead role.
    shared = _of(w["shared"], new.id)
    assert (shared.state, shared.role, shared.due_date, shared.original_due_date) == (
        "assigned",
        "lead",
        date(2024, 9, 15),
        date(2024, 9, 10),
    )
    report = _of(w["report"], new.id)
    assert (report.state, report.submitted_on, report.due_date) == (
        "submitted",
        date(2024, 6, 20),
        date(2024, 8, 15),
    )
    for old_id, target in (("an_shared", shared), ("binh_shared", shared), ("binh_report", report)):
        old = _get(w[old_id])
        assert (old.state, old.transferred_to_id) == ("transferred", target.id)
    done = _get(w["an_done"])
    assert (done.state, done.unit_id, done.transferred_to_id) == ("completed", w["an"], None)
    for key in ("an", "binh"):
        unit = db.session.get(Unit, w[key])
        assert (unit.valid_to, unit.successor_id, unit.active) == (date(2024, 6, 30), new.id, False)
    moved = db.session.scalars(select(User.unit_id).where(User.id.in_([w["fa"], w["fb"]])))
    assert set(moved) == {new.id}


def test_both_sides_of_a_move_are_recorded_and_the_merger_is_audited(w):
    result = _merge(w)

    new_id = result.mergers[0].successor.id
    shared = _of(w["shared"], new_id)
    out = db.session.scalars(
        select(Event).where(
            Event.assignment_id == w["binh_shared"], Event.kind == "transferred_out"
        )
    ).one()
    assert (out.unit_id, out.from_state, out.to_state) == (w["binh"], "assigned", "transferred")
    assert out.data == {
        "other_unit": "Tỉnh Mới",
        "other_unit_id": new_id,
        "other_assignment_id": shared.id,
        "merged": True,
    }
    came_in = db.session.scalars(
        select(Event.data).where(Event.assignment_id == shared.id, Event.kind == "transferred_in")
    ).all()
    assert sorted((d["other_unit"], d["merged"]) for d in came_in) == [
        ("Tỉnh An", False),
        ("Tỉnh Bình", True),
    ]
    audit = db.session.scalars(select(Event).where(Event.kind == "units_merged")).one()
    assert (audit.unit_id, audit.actor_id) == (new_id, w["admin"])
    assert audit.data["sources"] == "Tỉnh An (A1), Tỉnh Bình (B1)"
    assert (audit.data["moved"], audit.data["merged"], audit.data["users"]) == (2, 1, 2)


def test_an_existing_successor_keeps_its_own_assignment_of_the_same_task(w):
    result = _merge(w, successor=w["cuong"])

    counts = result.mergers[0]
    assert (counts.moved, counts.merged, counts.created_unit) == (1, 2, False)
    cuong_report = _get(w["cuong_report"])
    assert (cuong_report.state, cuong_report.due_date, cuong_report.version) == (
        "in_progress",
        date(2024, 8, 30),
        1,
    )
    assert _get(w["binh_report"]).transferred_to_id == cuong_report.id
    assert _of(w["shared"], w["cuong"]).state == "assigned"
    assert db.session.get(Unit, w["cuong"]).valid_from is None


def test_reports_count_the_old_units_before_the_day_and_the_successor_from_it(w):
    result = _merge(w)
    new_id = result.mergers[0].successor.id
    # Nine days later, both days are read from the revisions.
    as_of = status_sql.AsOf.build(date(2024, 7, 10), load_calendar(), 3, rule=RollRule())

    def open_by_unit(day):
        rows = history.assignments_as_of(day, today=date(2024, 7, 10))
        buckets = status_sql.count_buckets_by_keys([rows.c.unit_id], as_of, source=rows)
        return {key[0]: b.open for key, b in buckets.items() if b.open}

    assert open_by_unit(date(2024, 6, 30)) == {w["an"]: 1, w["binh"]: 2, w["cuong"]: 1}
    assert open_by_unit(date(2024, 7, 1)) == {new_id: 2, w["cuong"]: 1}
    transfers = db.session.scalars(
        select(AssignmentRevision.at).where(AssignmentRevision.state == "transferred")
    ).all()
    assert {local_date(at, ZONE) for at in transfers} == {MERGER_DAY}


def test_unsent_reminders_are_cancelled_and_pending_extension_requests_closed(w):
    now = NOW
    db.session.add_all(
        [
            Reminder(
                dedupe_key=f"{w['binh_shared']}:{state}",
                kind="assignment",
                assignment_id=w["binh_shared"],
                recipient="fb@example.org",
                stage="before-3",
                day=date(2024, 9, 15),
                state=state,
                claimed_at=now,
            )
            for state in ("sent", "failed", "queued")
        ]
    )
    db.session.add(
        ExtensionRequest(
            assignment_id=w["an_shared"],
            requested_by_id=w["fa"],
            requested_at=now,
            current_due=date(2024, 9, 30),
            requested_due=date(2024, 10, 31),
            reason="Chờ hướng dẫn",
        )
    )
    db.session.commit()

    result = _merge(w)

    assert result.mergers[0].extensions_closed == 1
    states = db.session.scalars(select(Reminder.state).order_by(Reminder.id)).all()
    assert states == ["sent", "cancelled", "cancelled"]
    request = db.session.scalars(select(ExtensionRequest)).one()
    assert request.state == "closed" and "merged" in request.decision_note


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda w: {"day": date(2024, 7, 2)}, "after today"),
        (
            lambda w: {"sources": [w["an"], w["cuong"]], "successor": w["cuong"]},
            "Tỉnh Cường cannot be merged into itself",
        ),
        (
            lambda w: {"successor": NewUnit(code="c1", name="X", kind="province")},
            "The code C1 is already used by Tỉnh Cường",
        ),
        (lambda w: {"successor": NewUnit(code="", name="X", kind="province")}, "Enter the code"),
        (lambda w: {"successor": NewUnit(code="X", name="X", kind="planet")}, "Choose a kind"),
        (lambda w: {"successor": 999999}, "Choose the successor"),
        (lambda w: {"sources": [w["an"], 999999]}, "do not exist"),
        (lambda w: {"sources": [w["an"], w["an"]]}, "Tỉnh An is chosen twice"),
    ],
)
def test_a_refused_merger_changes_nothing(w, change, message):
    before = _snapshot()

    with pytest.raises(ServiceError, match=message):
        _merge(w, **change(w))

    db.session.rollback()
    assert _snapshot() == before


def test_a_unit_merges_only_once_and_only_admins_merge(w):
    _merge(w)
    with pytest.raises(ServiceError, match="already been merged into Tỉnh Mới"):
        _merge(w, successor=w["cuong"], sources=[w["an"]])
    coordinator = db.session.get(User, w["admin"])
    coordinator.role = "coordinator"
    plan = Plan(MERGER_DAY, (Merger((w["cuong"],), NEW),))
    with pytest.raises(NotAllowed):
        preview_plan(plan, actor=coordinator, now=NOW, zone=ZONE)


def test_a_preview_counts_exactly_what_applying_does_and_changes_nothing(w):
    before = _snapshot()
    plan = Plan(MERGER_DAY, (Merger((w["an"], w["binh"]), w["cuong"]),))
    preview = preview_plan(plan, actor=_admin(w), now=NOW, zone=ZONE)
    assert _snapshot() == before

    applied = _merge(w, successor=w["cuong"])
    assert preview.mergers == applied.mergers


def _snapshot():
    return (
        db.session.execute(
            select(Assignment.id, Assignment.state, Assignment.unit_id).order_by(Assignment.id)
        ).all(),
        db.session.execute(
            select(Unit.id, Unit.valid_to, Unit.successor_id, Unit.active).order_by(Unit.id)
        ).all(),
        db.session.execute(select(User.id, User.unit_id).order_by(User.id)).all(),
        db.session.scalar(select(func.count()).select_from(Event)),
        db.session.scalar(select(func.count()).select_from(AssignmentRevision)),
    )


def test_a_merger_runs_a_constant_number_of_queries(make, query_counter):
    admin = make.user("admin")

    def merge(n_tasks):
        a, b = make.unit(), make.unit()
        make.user("focal_point", unit_id=a.id)
        for _ in range(n_tasks):
            task = make.task(deadline=date(2024, 9, 30))
            for unit in (a, b):
                make.assignment(task, unit, state="in_progress", updated_at=NOW)
        db.session.commit()
        successor = NewUnit(code=f"X{a.id}", name=f"Mới {a.id}", kind="province")
        with query_counter() as statements:
            result = merge_units(
                [a.id, b.id], successor, MERGER_DAY, actor=admin, now=NOW, zone=ZONE
            )
        assert (result.mergers[0].moved, result.mergers[0].merged) == (n_tasks, n_tasks)
        return len(statements)

    assert merge(2) == merge(25)


def test_an_assignment_changed_while_merging_stops_the_merger_and_changes_nothing(w, monkeypatch):
    from tracker.services.reorganisation import resolution as resolve_module

    before = _snapshot()
    original = resolve_module.plan_transfers

    def changed_meanwhile(*args, **kwargs):
        # Someone else saves the assignment after the merger read it.
        db.session.execute(
            update(Assignment)
            .where(Assignment.id == w["binh_report"])
            .values(version=Assignment.version + 1)
        )
        return original(*args, **kwargs)

    monkeypatch.setattr(resolve_module, "plan_transfers", changed_meanwhile)

    with pytest.raises(StaleEdit, match="changed meanwhile"):
        _merge(w)

    assert _snapshot() == before


def test_the_units_a_succession_walks_are_loaded_alone_and_lead_to_the_last_holder(ctx, make):
    from tracker.services.reorganisation.succession import load_units, office_holder

    last = make.unit(name="Tỉnh C")
    middle = make.unit(
        name="Tỉnh B", valid_to=date(2025, 6, 30), successor_id=last.id, active=False
    )
    first = make.unit(
        name="Tỉnh A", valid_to=date(2024, 12, 31), successor_id=middle.id, active=False
    )
    untouched = make.unit(name="Tỉnh D")
    db.session.commit()

    walked = load_units(successions_only=True)
    assert set(walked) == {first.id, middle.id, last.id}
    assert set(load_units()) >= {first.id, middle.id, last.id, untouched.id}
    assert office_holder(first.id, walked, date(2025, 7, 1)) == last.id
    assert office_holder(middle.id, walked, date(2025, 7, 1)) == last.id
    assert office_holder(untouched.id, walked, date(2025, 7, 1)) is None  # not walked
