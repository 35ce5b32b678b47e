from datetime import date
from itertools import chain, repeat

import pytest

from tracker.domain.aggregate import Buckets, GroupProgress, count_buckets, progress_by_group
from tracker.domain.calendar import WorkCalendar
from tracker.domain.status import AssignmentState, StatusResult, TimeStatus, time_status

D = date
S = AssignmentState
T = TimeStatus
CAL = WorkCalendar()
TODAY = D(2024, 7, 15)

# (state, due, submitted_on) rows judged on TODAY.
MIXED = [
    (S.COMPLETED, D(2024, 7, 10), D(2024, 7, 9)),  # on time
    (S.COMPLETED, D(2024, 7, 10), D(2024, 7, 10)),  # on time
    (S.COMPLETED, None, D(2024, 7, 1)),  # on time, no deadline
    (S.COMPLETED, D(2024, 7, 10), D(2024, 7, 12)),  # late
    (S.NOT_APPLICABLE, D(2024, 7, 1), None),
    (S.ASSIGNED, D(2024, 8, 30), None),  # on track
    (S.IN_PROGRESS, D(2024, 7, 16), None),  # due soon
    (S.IN_PROGRESS, None, None),  # no deadline
    (S.IN_PROGRESS, D(2024, 7, 1), None),  # overdue
    (S.SUBMITTED, D(2024, 7, 10), D(2024, 7, 8)),  # awaiting, on time
    (S.SUBMITTED, D(2024, 7, 10), D(2024, 7, 11)),  # awaiting, late
]


def judged(rows):
    return [(state, time_status(state, due, sub, TODAY, CAL)) for state, due, sub in rows]


def test_count_buckets_sorts_a_mixed_table_into_reporting_buckets():
    buckets = count_buckets(judged(MIXED))
    assert buckets == Buckets(
        total=11,
        not_applicable=1,
        completed_on_time=3,
        completed_late=1,
        open_on_track=4,
        open_overdue=2,
        awaiting_confirmation=2,
    )
    assert buckets.completed == 4
    assert buckets.open == 6
    assert buckets.due == 6
    assert buckets.applicable == 10
    assert buckets.completion_rate == pytest.approx(4 / 6)


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [(S.ASSIGNED, D(2024, 8, 30), None), (S.IN_PROGRESS, None, None)],
        [(S.NOT_APPLICABLE, D(2024, 7, 1), None)],
    ],
)
def test_completion_rate_is_none_when_nothing_is_due(rows):
    buckets = count_buckets(judged(rows))
    assert buckets.due == 0
    assert buckets.completion_rate is None


def test_seed_figures_reproduce_the_government_office_rate():
    # "đã hoàn thành 16.051 (98,62%), trong đó đúng hạn 14.068, quá hạn 1.983"
    items = chain(
        repeat((S.COMPLETED, StatusResult(T.COMPLETED_ON_TIME, None, None)), 14068),
        repeat((S.COMPLETED, StatusResult(T.COMPLETED_LATE, 12, None)), 1983),
        repeat((S.IN_PROGRESS, StatusResult(T.OVERDUE, 30, None)), 224),
    )
    buckets = count_buckets(items)
    assert buckets.completed == 16051
    assert buckets.due == 16275
    assert buckets.completion_rate is not None
    assert round(buckets.completion_rate * 100, 2) == 98.62


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], {}),
        (
            [
                ("central", True),
                ("local", False),
                ("central", False),
                ("local", True),
                ("local", True),
            ],
            {"central": GroupProgress("central", 1, 2), "local": GroupProgress("local", 2, 3)},
        ),
        ([("local", False)], {"local": GroupProgress("local", 0, 1)}),
    ],
)
def test_progress_by_group_counts_done_out_of_total(rows, expected):
    assert progress_by_group(rows) == expected


@pytest.mark.parametrize(
    ("progress", "rate"),
    [(GroupProgress("central", 1, 4), 0.25), (GroupProgress("local", 0, 0), None)],
)
def test_group_rate_is_done_over_total_or_none(progress, rate):
    assert progress.rate == rate
