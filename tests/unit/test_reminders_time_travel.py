"""Day-by-day sweeps over whole deadlines, with the ledger fed back as the shell would."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from tracker.domain.calendar import WorkCalendar
from tracker.domain.reminders.coordinators import coordinator_digest
from tracker.domain.reminders.planning import (
    AssignmentSnapshot,
    ledger_key,
    plan_sweep,
    sent_stages,
)
from tracker.domain.reminders.policy import DEFAULT_POLICY, ReminderPolicy
from tracker.domain.reminders.routing import route_notices
from tracker.domain.status import AssignmentState

D = date
S = AssignmentState
CAL = WorkCalendar()
UNIT, TASK = 7, 10
FOCAL_POINTS = {UNIT: ["focal-a", "focal-b"]}
HEADS = {UNIT: "head"}


def day_range(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def travel(
    snapshot_on: Callable[[date], AssignmentSnapshot | None],
    first: date,
    last: date,
    skip: frozenset[date] = frozenset(),
    policy: ReminderPolicy = DEFAULT_POLICY,
    roster: Callable[[date], dict[int, list[str]]] = lambda _day: FOCAL_POINTS,
):
    """Sweep every day from `first` to `last` except `skip`; return the emails sent as
    (day, to, stages) and what reached nobody as (day, stage)."""
    ledger: set[tuple[int, str, date]] = set()
    emails, unreachable = [], []
    for day in day_range(first, last):
        snapshot = snapshot_on(day)
        if day in skip or snapshot is None:
            continue
        rows = [(stage, anchor) for aid, stage, anchor in ledger if aid == snapshot.id]
        sent = {snapshot.id: sent_stages(snapshot.due, rows)}
        notices = plan_sweep([snapshot], lambda _task: policy, CAL, day, sent)
        routing = route_notices(notices, roster(day), HEADS)
        for email in routing.emails:
            emails.append((day, email.to, tuple(n.stage for n in email.grouped.notices)))
        unreachable.extend((day, n.stage) for n in routing.unreachable)
        # Stages that reached nobody stay unsent: they go out once a focal point exists.
        ledger.update(ledger_key(n) for n in notices if n not in routing.unreachable)
    return emails, unreachable


DUE = D(2024, 5, 2)


def assignment(due=DUE, state=S.IN_PROGRESS, returned_on=None):
    return AssignmentSnapshot(1, TASK, UNIT, state, due, returned_on)


def focal(day, *stages):
    return [(day, "focal-a", stages), (day, "focal-b", stages)]


def head(day):
    return [(day, "head", ("escalation",))]


def window(due):
    return CAL.add_working_days(due, -10), CAL.add_working_days(due, 10)


# Due Thursday 02/05/2024: Hùng Kings' day 18/04, the 27/04–01/05 break, working Saturday 04/05.
MAY = [
    *focal(D(2024, 4, 17), "before-7"),
    *focal(D(2024, 4, 24), "before-3"),
    *focal(D(2024, 4, 26), "before-1"),
    *focal(D(2024, 5, 2), "due"),
    *focal(D(2024, 5, 6), "overdue-3"),
    *head(D(2024, 5, 8)),
    *focal(D(2024, 5, 9), "overdue-6"),
    *focal(D(2024, 5, 14), "overdue-9"),
]
# Due Sunday 30/06/2024: the due notice on Friday 28/06, overdue counted from the Sunday.
JUNE = [
    *focal(D(2024, 6, 19), "before-7"),
    *focal(D(2024, 6, 25), "before-3"),
    *focal(D(2024, 6, 27), "before-1"),
    *focal(D(2024, 6, 28), "due"),
    *focal(D(2024, 7, 3), "overdue-3"),
    *head(D(2024, 7, 5)),
    *focal(D(2024, 7, 8), "overdue-6"),
    *focal(D(2024, 7, 11), "overdue-9"),
]


@pytest.mark.parametrize(("due", "expected"), [(D(2024, 5, 2), MAY), (D(2024, 6, 30), JUNE)])
def test_time_travel_over_a_deadline_sends_each_stage_once_on_its_working_day(due, expected):
    emails, unreachable = travel(lambda _day: assignment(due), *window(due))
    assert emails == expected
    assert unreachable == []
    assert all(CAL.is_working_day(day) for day, *_ in emails)
    per_recipient_day = [(day, to) for day, to, *_ in emails]
    assert len(per_recipient_day) == len(set(per_recipient_day))


@pytest.mark.parametrize(
    ("submitted_on", "expected"),
    [
        (D(2024, 4, 25), MAY[:4]),
        (D(2024, 5, 2), MAY[:6]),
        (D(2024, 5, 3), MAY[:8]),
        (D(2024, 5, 8), MAY[:10]),
    ],
)
def test_a_unit_that_submits_mid_way_gets_nothing_more_and_the_coordinator_is_told(
    submitted_on, expected
):
    def snapshot_on(day):
        if day < submitted_on:
            return assignment()
        return AssignmentSnapshot(1, TASK, UNIT, S.SUBMITTED, D(2024, 5, 2), None, submitted_on)

    emails, _ = travel(snapshot_on, *window(D(2024, 5, 2)))
    assert emails == expected
    told = coordinator_digest([snapshot_on(submitted_on)], submitted_on)
    assert [s.id for s in told.awaiting_confirmation] == [1]
    assert told.overdue == ()


@pytest.mark.parametrize(
    ("down", "expected"),
    [
        # Down over before-7, before-3 (and the days between): before-3 goes out next, once.
        (
            (D(2024, 4, 17), D(2024, 4, 24)),
            [*focal(D(2024, 4, 25), "before-3"), *MAY[4:]],
        ),
        # Down over before-3, before-1 and the due day: only the due notice, a day late.
        (
            (D(2024, 4, 24), D(2024, 5, 2)),
            [*MAY[:2], *focal(D(2024, 5, 3), "due"), *MAY[8:]],
        ),
        # Down over overdue-3, the escalation and overdue-6: both tracks' current stage, once.
        (
            (D(2024, 5, 6), D(2024, 5, 9)),
            [
                *MAY[:8],
                (D(2024, 5, 10), "focal-a", ("overdue-6",)),
                (D(2024, 5, 10), "focal-b", ("overdue-6",)),
                (D(2024, 5, 10), "head", ("escalation",)),
                *MAY[-2:],
            ],
        ),
    ],
)
def test_after_downtime_the_next_sweep_sends_the_current_stage_once(down, expected):
    skip = frozenset(day_range(*down))
    emails, _ = travel(lambda _day: assignment(), *window(D(2024, 5, 2)), skip=skip)
    assert emails == expected


@pytest.mark.parametrize(
    ("moved_on", "new_due", "expected"),
    [
        # Extended after overdue-3 to 20/05: nothing until the new before-7, no escalation.
        (
            D(2024, 5, 7),
            D(2024, 5, 20),
            [
                *MAY[:10],
                *focal(D(2024, 5, 9), "before-7"),
                *focal(D(2024, 5, 15), "before-3"),
                *focal(D(2024, 5, 17), "before-1"),
                *focal(D(2024, 5, 20), "due"),
                *focal(D(2024, 5, 23), "overdue-3"),
            ],
        ),
        # Extended by two working days only: the current new stage, not every before-stage.
        (
            D(2024, 5, 7),
            D(2024, 5, 9),
            [
                *MAY[:10],
                *focal(D(2024, 5, 7), "before-3"),
                *focal(D(2024, 5, 8), "before-1"),
                *focal(D(2024, 5, 9), "due"),
                *focal(D(2024, 5, 14), "overdue-3"),
                *head(D(2024, 5, 16)),
                *focal(D(2024, 5, 17), "overdue-6"),
                *focal(D(2024, 5, 22), "overdue-9"),
            ],
        ),
        # Extended before the due date: the same stage names are armed again for the new date.
        (
            D(2024, 4, 25),
            D(2024, 5, 10),
            [
                *MAY[:4],
                *focal(D(2024, 5, 2), "before-7"),
                *focal(D(2024, 5, 7), "before-3"),
                *focal(D(2024, 5, 9), "before-1"),
                *focal(D(2024, 5, 10), "due"),
                *focal(D(2024, 5, 15), "overdue-3"),
                *head(D(2024, 5, 17)),
                *focal(D(2024, 5, 20), "overdue-6"),
                *focal(D(2024, 5, 23), "overdue-9"),
            ],
        ),
    ],
)
def test_an_extension_moves_the_next_reminders_to_the_new_date(moved_on, new_due, expected):
    def snapshot_on(day):
        return assignment(D(2024, 5, 2) if day < moved_on else new_due)

    emails, _ = travel(snapshot_on, D(2024, 4, 12), D(2024, 5, 24))
    assert emails == expected


@pytest.mark.parametrize(
    ("created_on", "first"),
    [
        (D(2024, 4, 25), focal(D(2024, 4, 25), "before-3")),  # 2 working days before
        (D(2024, 4, 26), focal(D(2024, 4, 26), "before-1")),
        (D(2024, 4, 29), focal(D(2024, 5, 2), "due")),  # created on a day off
        (D(2024, 5, 3), focal(D(2024, 5, 3), "due")),  # already a day late
    ],
)
def test_an_assignment_created_late_gets_its_current_notice_once(created_on, first):
    def snapshot_on(day):
        return assignment() if day >= created_on else None

    emails, _ = travel(snapshot_on, *window(D(2024, 5, 2)))
    start = MAY.index(next(e for e in MAY if e[0] > first[0][0]))
    assert emails == first + MAY[start:]


def test_an_assignment_created_after_the_escalation_point_escalates_at_once():
    def snapshot_on(day):
        return assignment() if day >= D(2024, 5, 8) else None

    emails, _ = travel(snapshot_on, *window(D(2024, 5, 2)))
    assert emails[:3] == [
        (D(2024, 5, 8), "focal-a", ("overdue-3",)),
        (D(2024, 5, 8), "focal-b", ("overdue-3",)),
        (D(2024, 5, 8), "head", ("escalation",)),
    ]


def test_a_return_for_rework_goes_out_with_the_missed_deadline_stage_in_one_email():
    def snapshot_on(day):
        if day < D(2024, 4, 25):
            return assignment()
        if day < D(2024, 5, 3):
            return assignment(state=S.SUBMITTED)
        return assignment(returned_on=D(2024, 5, 3))

    emails, _ = travel(snapshot_on, *window(D(2024, 5, 2)))
    assert emails == [
        *MAY[:4],
        *focal(D(2024, 5, 3), "due", "returned-20240503"),
        *MAY[8:],
    ]


def test_a_unit_without_focal_points_is_reported_daily_until_one_is_appointed():
    def roster(day):
        return {UNIT: ["focal-a"]} if day >= D(2024, 4, 25) else {}

    emails, unreachable = travel(
        lambda _day: assignment(), D(2024, 4, 15), D(2024, 4, 26), roster=roster
    )
    assert unreachable == [
        (D(2024, 4, 17), "before-7"),
        (D(2024, 4, 19), "before-7"),
        (D(2024, 4, 22), "before-7"),
        (D(2024, 4, 23), "before-7"),
        (D(2024, 4, 24), "before-3"),
    ]
    assert emails == [
        (D(2024, 4, 25), "focal-a", ("before-3",)),
        (D(2024, 4, 26), "focal-a", ("before-1",)),
    ]
