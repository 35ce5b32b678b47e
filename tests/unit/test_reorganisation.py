"""How open assignments of merged units become the successor's, and the 2025 datasets."""

from __future__ import annotations

import filecmp
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from tracker.domain.reorganisation import (
    OpenAssignment,
    Target,
    combine,
    plan_transfers,
    review,
)
from tracker.services.reorganisation.year2025 import DATA_DIR, read_csv

D = date
SHARED_DATA = Path("/work/shared/data")


def a(id, unit, state, due=None, role="lead", original=None, submitted=None, task=1):
    return OpenAssignment(id, task, unit, role, state, due, original or due, submitted)


def t(id, state="in_progress", due=None, submitted=None):
    return Target(id, state, due, submitted)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        # One predecessor: a copy.
        (
            [a(1, 10, "in_progress", D(2025, 9, 30), "support", D(2025, 8, 31))],
            ("support", "in_progress", D(2025, 9, 30), D(2025, 8, 31), None),
        ),
        (
            [a(1, 10, "submitted", D(2025, 9, 30), submitted=D(2025, 6, 20))],
            ("lead", "submitted", D(2025, 9, 30), D(2025, 9, 30), D(2025, 6, 20)),
        ),
        # Several: least advanced state, earliest dates, lead if any led.
        (
            [
                a(1, 10, "submitted", D(2025, 9, 30), "support", submitted=D(2025, 6, 1)),
                a(2, 11, "in_progress", D(2025, 8, 31), "lead"),
                a(3, 12, "assigned", None, "support"),
            ],
            ("lead", "assigned", D(2025, 8, 31), D(2025, 8, 31), None),
        ),
        # All reported: still awaiting confirmation, as of the latest report.
        (
            [
                a(1, 10, "submitted", D(2025, 9, 30), submitted=D(2025, 6, 1)),
                a(2, 11, "submitted", D(2025, 9, 15), submitted=D(2025, 6, 25)),
            ],
            ("lead", "submitted", D(2025, 9, 15), D(2025, 9, 15), D(2025, 6, 25)),
        ),
        # No deadline anywhere stays no deadline; support everywhere stays support.
        (
            [a(1, 10, "assigned", None, "support"), a(2, 11, "in_progress", None, "support")],
            ("support", "assigned", None, None, None),
        ),
    ],
)
def test_combining_open_assignments_keeps_every_obligation(parts, expected):
    created = combine(1, 99, parts)
    got = (
        created.role,
        created.state,
        created.due_date,
        created.original_due_date,
        created.submitted_on,
    )
    assert got == expected
    assert created.sources == tuple(parts)


def test_combining_nothing_is_an_error():
    with pytest.raises(ValueError):
        combine(1, 99, [])


def test_the_first_source_creates_and_the_others_merge_unless_the_successor_has_the_task():
    rows = [
        a(5, 11, "assigned", D(2025, 9, 30), task=1),
        a(4, 10, "in_progress", D(2025, 9, 30), task=1),
        a(6, 11, "assigned", D(2025, 9, 30), task=2),
        a(7, 10, "assigned", D(2025, 9, 30), task=3),
        a(8, 12, "assigned", D(2025, 9, 30), task=3),
    ]
    successor_of = {10: 99, 11: 99, 12: 98}
    plan = plan_transfers(rows, successor_of, {(2, 99): t(500)}, [10, 11, 12])

    created = {(c.task_id, c.successor): [s.id for s in c.sources] for c in plan.creations}
    assert created == {(1, 99): [4, 5], (3, 99): [7], (3, 98): [8]}
    assert [(m.source.id, m.target_id) for m in plan.merges] == [(6, 500)]
    assert (plan.moved, plan.merged) == (3, 2)


def test_every_open_assignment_is_either_moved_or_merged():
    rows = [a(i, 10 + i % 5, "assigned", task=i % 7) for i in range(1, 60)]
    successor_of = {10: 90, 11: 90, 12: 91, 13: 91, 14: 92}
    existing = {(0, 90): t(1000), (3, 92): t(1001, "completed")}
    plan = plan_transfers(rows, successor_of, existing, [10, 11, 12, 13, 14])
    seen = [s.id for c in plan.creations for s in c.sources] + [m.source.id for m in plan.merges]
    assert sorted(seen) == [r.id for r in rows]
    assert plan.moved + plan.merged == len(rows)
    assert [r.target.id for r in plan.reviews] == [1001]


@pytest.mark.parametrize(
    ("target", "parts", "expected"),
    [
        # Open or awaiting confirmation: it already carries the obligation.
        (t(9, "assigned", D(2025, 6, 30)), [a(1, 10, "in_progress", D(2025, 5, 31))], None),
        (t(9, "in_progress"), [a(1, 10, "assigned")], None),
        (t(9, "submitted", submitted=D(2025, 6, 1)), [a(1, 10, "assigned")], None),
        # A completion goes back to awaiting confirmation, as reported and due.
        (
            t(9, "completed", D(2025, 6, 30), D(2025, 6, 2)),
            [a(1, 10, "in_progress", D(2025, 5, 31))],
            ("submitted", D(2025, 6, 30), D(2025, 6, 2)),
        ),
        (t(9, "completed"), [a(1, 10, "assigned")], ("submitted", None, None)),
        # Not applicable to the successor: the merged units' progress and earliest date.
        (
            t(9, "not_applicable", D(2025, 12, 31)),
            [
                a(1, 10, "submitted", D(2025, 9, 30), submitted=D(2025, 6, 1)),
                a(2, 11, "in_progress", D(2025, 8, 31)),
            ],
            ("in_progress", D(2025, 8, 31), None),
        ),
        (
            t(9, "not_applicable"),
            [a(1, 10, "submitted", D(2025, 9, 30), submitted=D(2025, 6, 1))],
            ("submitted", D(2025, 9, 30), D(2025, 6, 1)),
        ),
    ],
)
def test_a_settled_assignment_that_open_obligations_merge_into_waits_for_a_decision(
    target, parts, expected
):
    found = review(target, 1, 99, parts)
    if expected is None:
        assert found is None
    else:
        assert (found.state, found.due_date, found.submitted_on) == expected
        assert found.sources == tuple(parts)
        assert (found.target, found.task_id, found.successor) == (target, 1, 99)


def test_reviewing_nothing_merged_is_an_error():
    with pytest.raises(ValueError):
        review(t(9, "completed"), 1, 99, [])


def test_one_review_per_settled_target_whatever_the_number_of_merged_units():
    rows = [
        a(1, 10, "assigned", task=1),
        a(2, 11, "in_progress", task=1),
        a(3, 10, "assigned", task=2),
        a(4, 10, "assigned", task=3),
    ]
    existing = {
        (1, 99): t(500, "completed"),
        (2, 99): t(501, "in_progress"),
        (3, 99): t(502, "not_applicable"),
    }
    plan = plan_transfers(rows, {10: 99, 11: 99}, existing, [10, 11])
    assert [(r.target.id, [s.id for s in r.sources]) for r in plan.reviews] == [
        (500, [1, 2]),
        (502, [4]),
    ]
    assert (plan.moved, plan.merged) == (0, 4)


@pytest.mark.parametrize(
    "name", ["ministries_2024.csv", "provinces_2024.csv", "provinces_2025.csv"]
)
def test_the_reference_copies_are_the_shared_files(name):
    if not SHARED_DATA.exists():
        pytest.skip("no shared reference data on this machine")
    assert filecmp.cmp(DATA_DIR / name, SHARED_DATA / name, shallow=False)


def test_the_2025_ministries_are_the_17_bodies_the_2024_file_names_as_successors():
    old, new = read_csv("ministries_2024.csv"), read_csv("ministries_2025.csv")
    assert len(old) == 22 and len(new) == 17
    assert Counter(r["kind"] for r in new) == {"ministry": 14, "ministry_level": 3}
    assert {r["successor_2025"] for r in old} == {r["name"] for r in new}
    formed_from = {s: r["name"] for r in new for s in r["formed_from_2024"].split()}
    assert formed_from == {r["short"]: r["successor_2025"] for r in old}
    assert len({r["short"] for r in new}) == 17


def test_the_34_provinces_are_formed_from_each_of_the_63_exactly_once():
    old, new = read_csv("provinces_2024.csv"), read_csv("provinces_2025.csv")
    assert (len(old), len(new)) == (63, 34)
    formed_from = {c: r["code"] for r in new for c in r["formed_from_2024_codes"].split()}
    assert formed_from == {r["code"]: r["successor_code_2025"] for r in old}
    assert Counter(r["kind"] for r in new) == {"province": 28, "city": 6}
