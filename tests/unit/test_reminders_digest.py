from datetime import date

import pytest

from tracker.domain.calendar import WorkCalendar
from tracker.domain.reminders.coordinators import (
    CoordinatorDigest,
    OverdueItem,
    coordinator_digest,
    coordinator_digest_due,
    weekly_summary_due,
)
from tracker.domain.reminders.planning import AssignmentSnapshot, Audience, Notice
from tracker.domain.reminders.routing import (
    GroupedNotices,
    ReminderEmail,
    group_notices,
    route_notices,
)
from tracker.domain.status import AssignmentState

D = date
S = AssignmentState
CAL = WorkCalendar()
FOCAL, HEAD = Audience.FOCAL, Audience.HEAD
DUE = D(2024, 5, 2)


def notice(aid, stage, late=None, left=None, task=10, unit=7, audience=FOCAL, returned=None):
    return Notice(aid, task, unit, stage, audience, DUE, late, left, returned)


def test_a_recipients_notices_are_grouped_overdue_due_today_due_soon_returned_in_email_order():
    soon_3 = notice(1, "before-3", left=2)
    soon_1 = notice(2, "before-1", left=1)
    soon_1_other_task = notice(3, "before-1", left=1, task=9)
    today = notice(4, "due", left=0)
    late_4 = notice(5, "overdue-3", late=4)
    late_13 = notice(6, "overdue-9", late=13)
    escalation = notice(6, "escalation", late=13, audience=HEAD)
    late_1 = notice(7, "due", late=1)
    returned_late = notice(8, "returned-20240503", late=1, returned=D(2024, 5, 3))
    returned_first = notice(9, "returned-20240430", left=5, returned=D(2024, 4, 30))
    shuffled = [soon_3, late_4, returned_late, today, soon_1, late_13, escalation]
    shuffled += [returned_first, soon_1_other_task, late_1]
    grouped = group_notices(shuffled)
    assert grouped == GroupedNotices(
        overdue=(escalation, late_13, late_4, late_1),
        due_today=(today,),
        due_soon=(soon_1_other_task, soon_1, soon_3),
        returned=(returned_first, returned_late),
    )
    assert grouped.counts == {"overdue": 4, "due_today": 1, "due_soon": 3, "returned": 2}
    assert grouped.total == 10
    assert grouped.notices == (
        escalation, late_13, late_4, late_1, today, soon_1_other_task, soon_1, soon_3,
        returned_first, returned_late,
    )  # fmt: skip


def test_no_notices_group_into_nothing():
    grouped = group_notices([])
    assert grouped.total == 0
    assert grouped.notices == ()


def test_routing_sends_one_email_per_recipient_and_copies_nobody():
    a_before = notice(1, "before-3", left=3, unit=7)
    b_due = notice(2, "due", left=0, unit=8, task=11)
    a_overdue = notice(3, "overdue-3", late=4, unit=7, task=11)
    a_escalation = notice(3, "escalation", late=6, unit=7, task=11, audience=HEAD)
    a_escalation_2 = notice(4, "escalation", late=9, unit=7, task=12, audience=HEAD)
    orphan = notice(5, "before-7", left=7, unit=9)
    headless = notice(6, "escalation", late=6, unit=8, audience=HEAD)
    routing = route_notices(
        [a_before, b_due, a_overdue, a_escalation, a_escalation_2, orphan, headless],
        focal_points={7: ["a1", "a2"], 8: ["b1"], 9: []},
        heads={7: "head-7"},
    )
    assert routing.emails == (
        ReminderEmail("a1", group_notices([a_before, a_overdue])),
        ReminderEmail("a2", group_notices([a_before, a_overdue])),
        ReminderEmail("b1", group_notices([b_due])),
        ReminderEmail("head-7", group_notices([a_escalation, a_escalation_2])),
    )
    assert routing.unreachable == (orphan, headless)
    assert routing.escalated == (a_escalation, a_escalation_2)


def test_a_person_with_several_roles_still_gets_one_email():
    focal_item = notice(1, "before-1", left=1, unit=7)
    escalation = notice(2, "escalation", late=6, unit=8, audience=HEAD)
    other_unit = notice(3, "escalation", late=6, unit=9, audience=HEAD)
    routing = route_notices(
        [focal_item, escalation, other_unit], {7: ["both"]}, {8: "both", 9: "both"}
    )
    assert routing.emails == (
        ReminderEmail("both", group_notices([focal_item, escalation, other_unit])),
    )


def test_an_email_lists_each_assignment_once_per_group():
    overdue = notice(1, "overdue-3", late=6)
    escalation = notice(1, "escalation", late=6, audience=HEAD)
    returned = notice(1, "returned-20240503", late=6, returned=D(2024, 5, 3))
    other = notice(2, "overdue-3", late=4)
    grouped = group_notices([overdue, escalation, returned, other])
    assert grouped.total == 4
    shown = grouped.shown()
    assert shown.overdue == (escalation, other)
    assert shown.returned == (returned,)
    assert shown.total == 3


def snapshot(id, state, due, submitted_on=None, task=10):
    return AssignmentSnapshot(id, task, 7, state, due, None, submitted_on)


def test_the_coordinator_digest_lists_overdue_work_and_submissions_awaiting_confirmation():
    today = D(2024, 5, 8)
    orphan = notice(9, "before-7", left=7)
    snapshots = [
        snapshot(1, S.IN_PROGRESS, D(2024, 5, 2)),
        snapshot(2, S.ASSIGNED, D(2024, 4, 26)),
        snapshot(3, S.IN_PROGRESS, today),  # due today: not overdue yet
        snapshot(4, S.SUBMITTED, D(2024, 5, 2), submitted_on=D(2024, 5, 6)),
        snapshot(5, S.SUBMITTED, None, submitted_on=D(2024, 5, 3)),
        snapshot(6, S.COMPLETED, D(2024, 4, 1)),
        snapshot(7, S.NOT_APPLICABLE, D(2024, 4, 1)),
        snapshot(8, S.ASSIGNED, None),
    ]
    escalated = notice(1, "escalation", late=6, audience=HEAD)
    digest = coordinator_digest(snapshots, today, [orphan], [escalated])
    assert digest == CoordinatorDigest(
        overdue=(OverdueItem(snapshots[1], 12), OverdueItem(snapshots[0], 6)),
        awaiting_confirmation=(snapshots[4], snapshots[3]),
        unreachable=(orphan,),
        escalated=(escalated,),
    )
    assert not digest.is_empty
    assert coordinator_digest([snapshots[2], snapshots[5]], today).is_empty


def escalation(aid, late, task=10, unit=7):
    return notice(aid, "escalation", late=late, task=task, unit=unit, audience=HEAD)


@pytest.mark.parametrize(
    ("escalated", "listed"),
    [
        ([], []),
        ([escalation(1, 6)], [(1, 6)]),
        # most overdue first, then by task, then by unit
        (
            [escalation(1, 6, unit=9), escalation(2, 13), escalation(3, 6, unit=8)],
            [(2, 13), (3, 6), (1, 6)],
        ),
        ([escalation(4, 6, task=12), escalation(5, 6, task=11)], [(5, 6), (4, 6)]),
        # an assignment escalated once is listed once
        ([escalation(1, 6), escalation(1, 6)], [(1, 6)]),
        # only escalations: a focal point's notice is not one
        ([notice(1, "overdue-3", late=6), escalation(2, 8)], [(2, 8)]),
    ],
)
def test_the_coordinator_digest_lists_the_days_escalations(escalated, listed):
    today = D(2024, 5, 8)
    digest = coordinator_digest([], today, (), escalated)
    assert [(n.assignment_id, n.days_overdue) for n in digest.escalated] == listed
    assert digest.is_empty is (not listed)


@pytest.mark.parametrize(
    ("today", "last_sent", "due"),
    [
        (D(2024, 5, 2), None, True),
        (D(2024, 5, 2), D(2024, 4, 26), True),
        (D(2024, 5, 2), D(2024, 5, 2), False),
        (D(2024, 5, 4), D(2024, 5, 3), True),  # the swapped working Saturday
        (D(2024, 4, 30), D(2024, 4, 26), False),  # Reunification Day
        (D(2024, 5, 5), D(2024, 5, 4), False),  # Sunday
    ],
)
def test_the_coordinator_digest_goes_out_once_per_working_day(today, last_sent, due):
    assert coordinator_digest_due(today, CAL, last_sent) is due


@pytest.mark.parametrize(
    ("today", "last_sent", "due"),
    [
        (D(2024, 5, 6), D(2024, 4, 29), True),  # Monday, last sent the previous week
        (D(2024, 5, 6), None, True),
        (D(2024, 5, 6), D(2024, 5, 6), False),
        (D(2024, 5, 7), D(2024, 5, 6), False),  # already sent this week
        (D(2024, 5, 8), D(2024, 4, 29), True),  # down Monday and Tuesday: Wednesday, once
        (D(2024, 5, 9), D(2024, 5, 8), False),
        (D(2024, 5, 2), D(2024, 4, 22), True),  # Monday to Wednesday off: Thursday
        (D(2024, 4, 29), D(2024, 4, 22), False),  # a day off never sends
        (D(2024, 5, 4), D(2024, 4, 26), True),  # a working Saturday after downtime
        (D(2024, 2, 15), D(2024, 2, 5), True),  # the Thursday after Tết
        (D(2024, 12, 30), D(2024, 12, 23), True),  # ISO week 1 of 2025 starts on 30/12
        (D(2024, 12, 31), D(2024, 12, 30), False),
        (D(2025, 1, 2), D(2024, 12, 30), False),  # same ISO week across the year end
    ],
)
def test_the_weekly_summary_goes_out_on_the_first_working_day_of_each_iso_week(
    today, last_sent, due
):
    assert weekly_summary_due(today, CAL, last_sent) is due
