"""The real 2025 reorganisation applied to the demo: nothing open is lost, reports follow."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tracker.domain.days_off import RollRule
from tracker.domain.status import OPEN_STATES
from tracker.extensions import db
from tracker.models import Assignment, Event, Unit, User
from tracker.services import history, status_sql
from tracker.services.assignments import workflow as assignments
from tracker.services.calendar import load_calendar
from tracker.services.demo.load import load_demo
from tracker.services.errors import NotFound
from tracker.services.reorganisation import year2025
from tracker.services.reorganisation.merging import apply_plan

A = Assignment
OPEN = [s.value for s in OPEN_STATES]
# The day the provinces merge (the ministries merged on 01/03/2025): 10:00 in Hà Nội.
AFTER = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)
ON_THE_DAY = ["--today", "2025-07-01"]


@pytest.fixture
def demo(ctx, settings):
    load_demo(password="mat-khau-demo", settings=settings)
    return ctx


def _open_pairs(unit_ids) -> list[tuple[int, int]]:
    rows = db.session.execute(
        select(A.task_id, A.unit_id).where(A.unit_id.in_(list(unit_ids)), A.state.in_(OPEN))
    )
    return [tuple(row) for row in rows]


def _report(day: date) -> dict[int, object]:
    """Return the buckets per local unit as of the end of ``day`` (today: 01/07/2025)."""
    rows = history.assignments_as_of(day, today=date(2025, 7, 1))
    as_of = status_sql.AsOf.build(day, load_calendar(), 3, rule=RollRule())
    buckets = status_sql.count_buckets_by_keys(
        [rows.c.unit_id],
        as_of,
        Unit.group == "local",
        joins=[(Unit, Unit.id == rows.c.unit_id)],
        source=rows,
    )
    return {key[0]: b for key, b in buckets.items()}


def test_the_provincial_merger_passes_every_open_assignment_of_the_63_provinces_to_the_34(
    demo, settings
):
    step = year2025.provinces_step()
    assert (len(step.old_ids), step.missing, len(step.plan.mergers)) == (63, [], 23)
    merged_ids = [uid for merger in step.plan.mergers for uid in merger.sources]
    assert len(merged_ids) == 52
    before = _open_pairs(step.old_ids)
    before_merged = Counter(task for task, unit in _open_pairs(merged_ids))

    result = apply_plan(step.plan, actor=None, now=AFTER, zone=settings.zone)

    by_task = result.by_task()
    assert {task: moved + merged for task, (moved, merged) in by_task.items()} == before_merged
    assert result.total("moved") + result.total("merged") == sum(before_merged.values())
    new_ids = year2025.new_unit_ids(step)
    assert len(new_ids) == 34
    assert _open_pairs(merged_ids) == []
    after = set(_open_pairs(new_ids))
    assert len(after) == len(before) - result.total("merged")
    successor = {uid: to for uid, to in db.session.execute(select(Unit.id, Unit.successor_id))}
    for task, unit in before:
        assert (task, successor[unit] or unit) in after, (task, unit)
    hue = db.session.scalar(select(Unit).where(Unit.code == "46", Unit.valid_from.is_(None)))
    assert (hue.name, hue.kind, hue.successor_id) == ("Thành phố Huế", "city", None)
    assert len(result.renamed) == 1

    # A report of 30/06/2025 still shows the 63 provinces, with what they had open then.
    eve = _report(date(2025, 6, 30))
    assert {uid for uid, b in eve.items() if b.total} == set(step.old_ids)
    assert sum(b.open for b in eve.values()) == len(before)
    # From 01/07/2025 the open work is the 34 provinces'; old ones keep only their history.
    day = _report(date(2025, 7, 1))
    assert {uid for uid, b in day.items() if b.open} <= set(new_ids)
    assert sum(b.open for b in day.values()) == len(after)
    completed_before = sum(b.completed for b in eve.values())
    assert sum(b.completed for b in day.values()) == completed_before

    again = year2025.provinces_step()
    assert (again.pending, again.applied_before) == (False, 23)


def test_the_ministry_merger_passes_btttt_to_bkhcn_and_forms_two_ministries(demo, settings):
    step = year2025.ministries_step()
    assert (len(step.old_ids), step.missing) == (22, [])

    apply_plan(step.plan, actor=None, now=AFTER, zone=settings.zone)

    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.group == "central"))}
    absorbed = {
        "BTTTT": "BKHCN",
        "BKHĐT": "BTC",
        "BGTVT": "BXD",
        "BLĐTBXH": "BNV",
        "BNNPTNT": "BNNMT",
        "BTNMT": "BNNMT",
        "UBDT": "BDTTG",
    }
    for old, new in absorbed.items():
        unit = units[old]
        assert (unit.successor_id, unit.valid_to, unit.active) == (
            units[new].id,
            date(2025, 2, 28),
            False,
        )
    for code, name in (
        ("BNNMT", "Bộ Nông nghiệp và Môi trường"),
        ("BDTTG", "Bộ Dân tộc và Tôn giáo"),
    ):
        assert (units[code].name, units[code].kind, units[code].valid_from) == (
            name,
            "ministry",
            date(2025, 3, 1),
        )
    assert units["BKHCN"].valid_from is None
    assert len(year2025.new_unit_ids(step)) == 17
    assert _open_pairs([units[code].id for code in absorbed]) == []

    # The focal point of the former ministry now works for the one that absorbed it.
    focal = db.session.scalar(select(User).where(User.email == "dm.btttt@example.org"))
    assert focal.unit_id == units["BKHCN"].id
    taken_over = db.session.scalar(
        select(A.id)
        .join(Event, Event.assignment_id == A.id)
        .where(A.unit_id == units["BKHCN"].id, Event.kind == "transferred_in", A.state.in_(OPEN))
        .limit(1)
    )
    assert taken_over is not None
    assignments.add_note(taken_over, focal, AFTER, "Tiếp tục thực hiện sau hợp nhất.")
    old = db.session.scalar(select(A.id).where(A.transferred_to_id == taken_over).limit(1))
    with pytest.raises(NotFound):
        assignments.add_note(old, focal, AFTER, "Không còn là đơn vị của tôi.")
    assert year2025.ministries_step().pending is False


def _row_counts() -> dict[str, int]:
    return {
        m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
        for m in (Unit, User, Assignment, Event)
    }


def test_the_command_applies_the_mergers_once_and_refuses_a_day_before_they_take_effect(
    demo, runner
):
    pristine = _row_counts()
    dry = runner.invoke(args=["reorganise", "2025", "--dry-run", *ON_THE_DAY])
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing was changed" in dry.output
    early = runner.invoke(args=["reorganise", "2025", "--today", "2025-06-30"])
    assert early.exit_code == 1 and "after today (30/06/2025)" in early.output
    db.session.expire_all()
    assert _row_counts() == pristine

    applied = runner.invoke(args=["reorganise", "2025", *ON_THE_DAY])

    assert applied.exit_code == 0, applied.output
    out = applied.output
    assert "Provinces, from 01/07/2025:" in out and "Ministries, from 01/03/2025:" in out
    assert "open assignments left on the 52 merged units: 0" in out
    assert "52 units merged into 23 successors (23 new), 52 people moved" in out
    assert "renamed 46: Thành phố Huế" in out
    new_focal = db.session.scalar(select(User).where(User.email == "dm.bnnmt@example.org"))
    assert new_focal.role == "focal_point" and new_focal.unit.code == "BNNMT"
    assert new_focal.unit.head_email == "lanhdao.bnnmt@example.org"
    db.session.expire_all()
    once = _row_counts()

    again = runner.invoke(args=["reorganise", "2025", *ON_THE_DAY])

    assert again.exit_code == 0, again.output
    assert again.output.count("already applied: nothing changed.") == 2
    assert "open assignments of the 34 units of 2025" in again.output
    db.session.expire_all()
    assert _row_counts() == once


def _answering(unit_ids) -> dict[int, int]:
    """Return the unit that answers today for each of ``unit_ids``: itself or its successor."""
    units = {u.id: u for u in db.session.scalars(select(Unit))}
    found = {}
    for unit_id in unit_ids:
        unit = units[unit_id]
        while unit.successor_id is not None:
            unit = units[unit.successor_id]
        found[unit_id] = unit.id
    return found


def test_no_open_obligation_of_a_merged_unit_is_closed_by_the_merger(demo, runner):
    before = _open_pairs(db.session.scalars(select(Unit.id)))

    applied = runner.invoke(args=["reorganise", "2025", *ON_THE_DAY])

    assert applied.exit_code == 0, applied.output
    db.session.expire_all()
    answering = _answering({unit_id for _task, unit_id in before})
    still_open = set(_open_pairs(set(answering.values())))
    assert {(task, answering[unit]) for task, unit in before} - still_open == set()
    reviewed = db.session.scalars(select(A).where(A.merge_review.is_not(None))).all()
    by_code = {a.unit.code: a for a in reviewed}
    # The demo's ministries had completed tasks their absorbed ministries had not: e.g. the
    # transport ministry's open assignment of task 3 now waits at the construction ministry.
    assert len(reviewed) >= 4 and "BXD" in by_code
    for a in reviewed:
        assert a.state == "submitted" and a.completed_at is None
        assert a.merge_review["was"] == "completed" and a.merge_review["units"]
    assert by_code["BXD"].merge_review["units"] == ["Bộ Giao thông vận tải"]
    out = applied.output
    assert f"{len(reviewed)} assignments the successors had settled went back" in out
    assert "(expected" in out
    for line in out.splitlines():
        if "open assignments of the" in line and "(expected" in line:
            got, expected = line.rsplit(": ", 1)[1].rstrip(")").split(" (expected ")
            assert got == expected, line
    events = db.session.scalars(select(Event).where(Event.kind == "merge_review")).all()
    assert sorted(e.assignment_id for e in events) == sorted(a.id for a in reviewed)
    assert {(e.from_state, e.to_state) for e in events} == {("completed", "submitted")}


def test_a_coordinators_decision_clears_the_review_of_a_merged_obligation(demo, settings):
    apply_plan(year2025.ministries_step().plan, actor=None, now=AFTER, zone=settings.zone)
    first, second = db.session.scalars(
        select(A).where(A.merge_review.is_not(None)).order_by(A.id).limit(2)
    ).all()
    (coordinator,) = db.session.scalars(select(User).where(User.role == "coordinator").limit(1))

    assignments.confirm(first.id, coordinator, AFTER, first.version)
    assignments.return_submission(second.id, coordinator, AFTER, second.version, "Bổ sung")

    db.session.expire_all()
    assert (first.state, first.merge_review) == ("completed", None)
    assert (second.state, second.merge_review) == ("in_progress", None)
